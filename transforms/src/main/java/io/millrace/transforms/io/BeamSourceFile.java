package io.millrace.transforms.io;

import io.millrace.ingest.SourceFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;

/** A {@link SourceFile} on any file system Beam knows (local, and others when registered). */
public final class BeamSourceFile implements SourceFile {
  private final MatchResult.Metadata metadata;

  public BeamSourceFile(MatchResult.Metadata metadata) {
    this.metadata = metadata;
  }

  @Override
  public String path() {
    return metadata.resourceId().toString();
  }

  @Override
  public long sizeBytes() {
    return metadata.sizeBytes();
  }

  @Override
  public InputStream open() throws IOException {
    return Channels.newInputStream(FileSystems.open(metadata.resourceId()));
  }

  @Override
  public SeekableByteChannel openSeekable() throws IOException {
    if (!metadata.isReadSeekEfficient()) {
      throw new IOException(path() + " does not support random access");
    }
    return (SeekableByteChannel) FileSystems.open(metadata.resourceId());
  }
}
