package io.millrace.artifact.nio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The stores' channels as {@link SeekableByteChannel}s, what {@code Files.newByteChannel} returns:
 * a file is written from start to end; it is read from start to end unless the store can seek.
 */
public final class UriChannels {
  private UriChannels() {}

  /** Moves a read to a position, where the store can. */
  public interface Seek {
    void to(long position) throws IOException;
  }

  /**
   * The children a listing found, those {@code filter} accepts, as a directory stream: a store
   * lists a directory in one request, so there is nothing left to fetch while iterating.
   */
  public static DirectoryStream<Path> listed(
      Iterable<? extends Path> children, DirectoryStream.Filter<? super Path> filter)
      throws IOException {
    List<Path> accepted = new ArrayList<>();
    for (Path child : children) {
      if (filter.accept(child)) {
        accepted.add(child);
      }
    }
    return new DirectoryStream<>() {
      @Override
      public Iterator<Path> iterator() {
        return accepted.iterator();
      }

      @Override
      public void close() {}
    };
  }

  public static SeekableByteChannel writing(WritableByteChannel out) {
    return new Writing(out);
  }

  /**
   * @param seek null where the store reads only from start to end
   */
  public static SeekableByteChannel reading(ReadableByteChannel in, long size, Seek seek) {
    return new Reading(in, size, seek);
  }

  private static final class Writing implements SeekableByteChannel {
    private final WritableByteChannel out;
    private long position;

    Writing(WritableByteChannel out) {
      this.out = out;
    }

    @Override
    public int write(ByteBuffer source) throws IOException {
      int n = out.write(source);
      position += n;
      return n;
    }

    @Override
    public int read(ByteBuffer destination) {
      throw new NonReadableChannelException();
    }

    @Override
    public long position() {
      return position;
    }

    @Override
    public SeekableByteChannel position(long newPosition) {
      if (newPosition != position) {
        throw new UnsupportedOperationException("a stored file is written from start to end");
      }
      return this;
    }

    @Override
    public long size() {
      return position;
    }

    @Override
    public SeekableByteChannel truncate(long size) {
      throw new UnsupportedOperationException("a stored file is written from start to end");
    }

    @Override
    public boolean isOpen() {
      return out.isOpen();
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }

  private static final class Reading implements SeekableByteChannel {
    private final ReadableByteChannel in;
    private final long size;
    private final Seek seek;
    private long position;

    Reading(ReadableByteChannel in, long size, Seek seek) {
      this.in = in;
      this.size = size;
      this.seek = seek;
    }

    @Override
    public int read(ByteBuffer destination) throws IOException {
      int n = in.read(destination);
      if (n > 0) {
        position += n;
      }
      return n;
    }

    @Override
    public int write(ByteBuffer source) {
      throw new NonWritableChannelException();
    }

    @Override
    public long position() {
      return position;
    }

    @Override
    public SeekableByteChannel position(long newPosition) throws IOException {
      if (newPosition != position) {
        if (seek == null) {
          throw new UnsupportedOperationException("this file is read from start to end");
        }
        seek.to(newPosition);
        position = newPosition;
      }
      return this;
    }

    @Override
    public long size() {
      return size;
    }

    @Override
    public SeekableByteChannel truncate(long size) {
      throw new NonWritableChannelException();
    }

    @Override
    public boolean isOpen() {
      return in.isOpen();
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
