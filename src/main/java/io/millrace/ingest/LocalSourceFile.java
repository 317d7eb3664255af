package io.millrace.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/** A {@link SourceFile} on the local file system. */
public final class LocalSourceFile implements SourceFile {
  private final Path path;

  public LocalSourceFile(Path path) {
    this.path = path;
  }

  @Override
  public String path() {
    return path.toString();
  }

  @Override
  public long sizeBytes() {
    try {
      return Files.size(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public InputStream open() throws IOException {
    return Files.newInputStream(path);
  }

  @Override
  public SeekableByteChannel openSeekable() throws IOException {
    return Files.newByteChannel(path);
  }
}
