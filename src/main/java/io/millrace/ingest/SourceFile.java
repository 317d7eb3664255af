package io.millrace.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SeekableByteChannel;

/**
 * One input file as the format readers see it: raw bytes, no decompression applied. Beam's {@code
 * ReadableFile} and a local path both fit, so the readers run with or without a runner.
 */
public interface SourceFile {
  /** The path or URI, used in every error and dead letter that concerns this file. */
  String path();

  long sizeBytes();

  InputStream open() throws IOException;

  SeekableByteChannel openSeekable() throws IOException;
}
