package io.millrace.ingest.parquet;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * A Parquet {@link OutputFile} on a local path for writing test files; parquet 1.13.1 has no {@code
 * LocalOutputFile} yet (it came with 1.14).
 */
public final class LocalOutputFile implements OutputFile {
  private final Path path;

  public LocalOutputFile(Path path) {
    this.path = path;
  }

  @Override
  public PositionOutputStream create(long blockSizeHint) throws IOException {
    return open(StandardOpenOption.CREATE_NEW);
  }

  @Override
  public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
    return open(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
  }

  @Override
  public boolean supportsBlockSize() {
    return false;
  }

  @Override
  public long defaultBlockSize() {
    return 0;
  }

  @Override
  public String getPath() {
    return path.toString();
  }

  private PositionOutputStream open(StandardOpenOption... options) throws IOException {
    OutputStream out =
        new BufferedOutputStream(Files.newOutputStream(path, appendWrite(options)), 1 << 16);
    return new PositionOutputStream() {
      private long position;

      @Override
      public long getPos() {
        return position;
      }

      @Override
      public void write(int b) throws IOException {
        out.write(b);
        position++;
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        position += len;
      }

      @Override
      public void flush() throws IOException {
        out.flush();
      }

      @Override
      public void close() throws IOException {
        out.close();
      }
    };
  }

  private static StandardOpenOption[] appendWrite(StandardOpenOption[] options) {
    StandardOpenOption[] all = java.util.Arrays.copyOf(options, options.length + 1);
    all[options.length] = StandardOpenOption.WRITE;
    return all;
  }
}
