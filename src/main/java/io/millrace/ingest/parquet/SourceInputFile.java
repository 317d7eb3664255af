package io.millrace.ingest.parquet;

import io.millrace.ingest.SourceFile;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * A Parquet {@link InputFile} over a {@link SourceFile}'s seekable channel, so that Parquet reads
 * local and Beam files alike without a Hadoop {@code FileSystem}.
 */
final class SourceInputFile implements InputFile {
  private final SourceFile file;

  SourceInputFile(SourceFile file) {
    this.file = file;
  }

  @Override
  public long getLength() {
    return file.sizeBytes();
  }

  @Override
  public SeekableInputStream newStream() throws IOException {
    return new ChannelInputStream(file.openSeekable(), file.path());
  }

  @Override
  public String toString() {
    return file.path();
  }

  /**
   * Parquet reads footers and page headers with many small reads and column chunks with large ones:
   * small reads go through a buffer, large ones straight to the channel.
   */
  static final class ChannelInputStream extends SeekableInputStream {
    private static final int BUFFER_BYTES = 8192;

    private final SeekableByteChannel channel;
    private final String path;

    /** Read mode: bytes between position and limit are unread. */
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);

    /** The file position of the buffer's limit, which is the channel's position. */
    private long bufferEnd;

    ChannelInputStream(SeekableByteChannel channel, String path) throws IOException {
      this.channel = channel;
      this.path = path;
      this.bufferEnd = channel.position();
      buffer.limit(0);
    }

    @Override
    public long getPos() {
      return bufferEnd - buffer.remaining();
    }

    @Override
    public void seek(long newPos) throws IOException {
      long bufferStart = bufferEnd - buffer.limit();
      if (newPos >= bufferStart && newPos <= bufferEnd) {
        buffer.position((int) (newPos - bufferStart));
        return;
      }
      buffer.limit(0);
      channel.position(newPos);
      bufferEnd = newPos;
    }

    @Override
    public int read() throws IOException {
      if (!buffer.hasRemaining() && fill() <= 0) {
        return -1;
      }
      return buffer.get() & 0xFF;
    }

    @Override
    public int read(byte[] bytes, int offset, int length) throws IOException {
      if (length == 0) {
        return 0;
      }
      return read(ByteBuffer.wrap(bytes, offset, length));
    }

    @Override
    public int read(ByteBuffer destination) throws IOException {
      if (!destination.hasRemaining()) {
        return 0;
      }
      if (buffer.hasRemaining()) {
        return drainInto(destination);
      }
      if (destination.remaining() >= BUFFER_BYTES) {
        int n = channel.read(destination);
        if (n > 0) {
          bufferEnd += n;
        }
        return n;
      }
      if (fill() <= 0) {
        return -1;
      }
      return drainInto(destination);
    }

    @Override
    public void readFully(byte[] bytes) throws IOException {
      readFully(ByteBuffer.wrap(bytes));
    }

    @Override
    public void readFully(byte[] bytes, int offset, int length) throws IOException {
      readFully(ByteBuffer.wrap(bytes, offset, length));
    }

    @Override
    public void readFully(ByteBuffer destination) throws IOException {
      while (destination.hasRemaining()) {
        if (read(destination) < 0) {
          throw new EOFException(
              path + " ends " + destination.remaining() + " bytes before the data Parquet expects");
        }
      }
    }

    @Override
    public long skip(long n) throws IOException {
      long target = Math.min(getPos() + Math.max(n, 0), channel.size());
      long skipped = target - getPos();
      seek(target);
      return skipped;
    }

    @Override
    public int available() {
      return buffer.remaining();
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }

    private int drainInto(ByteBuffer destination) {
      int n = Math.min(buffer.remaining(), destination.remaining());
      int limit = buffer.limit();
      buffer.limit(buffer.position() + n);
      destination.put(buffer);
      buffer.limit(limit);
      return n;
    }

    private int fill() throws IOException {
      buffer.clear();
      int n;
      do {
        n = channel.read(buffer);
      } while (n == 0);
      buffer.flip();
      if (n > 0) {
        bufferEnd += n;
      }
      return n;
    }
  }
}
