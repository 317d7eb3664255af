package io.millrace.ingest.avro;

import io.millrace.ingest.SourceFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import org.apache.avro.file.SeekableInput;

/**
 * Avro's {@link SeekableInput} over a {@link SourceFile}'s seekable channel. Avro buffers its own
 * reads, so this adds no buffer.
 */
final class ChannelSeekableInput implements SeekableInput {
  private final SeekableByteChannel channel;

  ChannelSeekableInput(SourceFile file) throws IOException {
    this.channel = file.openSeekable();
  }

  @Override
  public void seek(long position) throws IOException {
    channel.position(position);
  }

  @Override
  public long tell() throws IOException {
    return channel.position();
  }

  @Override
  public long length() throws IOException {
    return channel.size();
  }

  @Override
  public int read(byte[] bytes, int offset, int length) throws IOException {
    return channel.read(ByteBuffer.wrap(bytes, offset, length));
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
