package io.millrace.artifact;

import java.io.IOException;
import java.io.Serializable;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
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

  /** A finished temporary shard: its directory, temporary path, final suffix and record count. */
  @DefaultCoder(SerializableCoder.class)
  public record Shard(String directory, String tempFile, String suffix, long records)
      implements Serializable {}

  private final String directory;
  private final String suffix;
  private final FileIO.Sink<T> sink;
  private WritableByteChannel channel;
  private Path file;
  private long records;

  public ShardWriter(String directory, String suffix, FileIO.Sink<T> sink) {
    this.directory = directory;
    this.suffix = suffix;
    this.sink = sink;
  }

  public void write(T element) throws IOException {
    if (channel == null) {
      Path temp = Paths.get(directory, TEMP_DIR);
      Files.createDirectories(temp);
      file = temp.resolve(UUID.randomUUID() + suffix);
      channel = Files.newByteChannel(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
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
    channel = null;
    return new Shard(directory, file.toString(), suffix, records);
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
