package io.millrace.transforms.io;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import io.millrace.artifact.StoragePaths;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.io.FileIO;

/**
 * Writes one temporary shard file of a directory through a {@link FileIO.Sink}, opened on the first
 * record. {@link CommitShards} later renames the shards that finished into place; temporary files
 * of failed bundles are never renamed.
 */
public final class ShardWriter<T> {
  static final String TEMP_DIR = ".temp-shards";

  /**
   * A finished temporary shard: its directory, temporary path, final suffix, record count, and the
   * size and SHA-256 (hex) of its bytes.
   */
  @DefaultCoder(SerializableCoder.class)
  public record Shard(
      String directory, String tempFile, String suffix, long records, long sizeBytes, String sha256)
      implements Serializable {}

  private final String directory;
  private final String suffix;
  private final FileIO.Sink<T> sink;
  private HashingChannel channel;
  private Path file;
  private long records;

  public ShardWriter(String directory, String suffix, FileIO.Sink<T> sink) {
    this.directory = directory;
    this.suffix = suffix;
    this.sink = sink;
  }

  public void write(T element) throws IOException {
    if (channel == null) {
      Path temp = StoragePaths.of(directory).resolve(TEMP_DIR);
      Files.createDirectories(temp);
      file = temp.resolve(UUID.randomUUID() + suffix);
      channel =
          new HashingChannel(
              Files.newByteChannel(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
      sink.open(channel);
      records = 0;
    }
    sink.write(element);
    records++;
  }

  /** Finishes the shard; null when nothing was written since the last call. */
  public Shard finish() throws IOException {
    if (channel == null) {
      return null;
    }
    sink.flush();
    channel.close();
    HashingChannel finished = channel;
    channel = null;
    return new Shard(
        directory,
        file.toString(),
        suffix,
        records,
        finished.bytes,
        finished.sha.hash().toString());
  }

  /**
   * Hashes the bytes as they are written, so that the shard's fingerprint costs no second read of
   * the file.
   */
  private static final class HashingChannel implements WritableByteChannel {
    private final WritableByteChannel file;
    private final Hasher sha = Hashing.sha256().newHasher();
    private long bytes;

    HashingChannel(WritableByteChannel file) {
      this.file = file;
    }

    @Override
    public int write(ByteBuffer source) throws IOException {
      ByteBuffer written = source.duplicate();
      int n = file.write(source);
      written.limit(written.position() + n);
      sha.putBytes(written);
      bytes += n;
      return n;
    }

    @Override
    public boolean isOpen() {
      return file.isOpen();
    }

    @Override
    public void close() throws IOException {
      file.close();
    }
  }

  /**
   * Writes from inside a reader's sink. A failure to write output must fail the bundle, not reach
   * the reader: readers turn exceptions into dead letters that blame the input. So the guard keeps
   * the first failure, writes nothing more, and {@link #throwIfFailed} throws it once the read
   * returns; the retried bundle starts new shards.
   */
  public static final class Guard {
    private IOException failure;

    public <T> void write(ShardWriter<T> writer, T element) {
      if (failure != null) {
        return;
      }
      try {
        writer.write(element);
      } catch (IOException e) {
        failure = e;
      }
    }

    public void throwIfFailed(String what) throws IOException {
      if (failure != null) {
        throw new IOException(what, failure);
      }
    }
  }
}
