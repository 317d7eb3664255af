package io.millrace.transforms.io;

import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.PathNames;
import io.millrace.artifact.StoragePaths;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.PCollection;

/**
 * Brings a job's few results (each trial's result, each model's metrics) back to the program that
 * ran it: every element is written as one file named by its key, atomically, so a retried bundle
 * rewrites the same file; {@link #read} gathers them once the pipeline is done. Runners have no
 * portable way to return values to the launcher; files on a file system the workers share with it
 * work on every runner, as {@link ShardCounts} does for what sharded writes committed.
 */
public final class ResultFiles<T> extends PTransform<PCollection<T>, PCollection<String>> {
  private static final long serialVersionUID = 1L;

  /** A result's bytes. */
  @FunctionalInterface
  public interface Encoder<T> extends Serializable {
    byte[] encode(T result) throws IOException;
  }

  /** A result from its bytes. */
  @FunctionalInterface
  public interface Decoder<T> {
    T decode(byte[] bytes) throws IOException;
  }

  private final String directory;
  private final String suffix;
  private final SerializableFunction<T, String> key;
  private final Encoder<T> encoder;

  private ResultFiles(
      String directory, String suffix, SerializableFunction<T, String> key, Encoder<T> encoder) {
    this.directory = directory;
    this.suffix = suffix;
    this.key = key;
    this.encoder = encoder;
  }

  /**
   * Writes each result to {@code <directory>/<key><suffix>}; outputs the file names.
   *
   * @param key names the file: a distinct key per result, valid as a file name
   */
  public static <T> ResultFiles<T> writeTo(
      Path directory, String suffix, SerializableFunction<T, String> key, Encoder<T> encoder) {
    return new ResultFiles<>(directory.toString(), suffix, key, encoder);
  }

  @Override
  public PCollection<String> expand(PCollection<T> results) {
    return results.apply(
        "WriteResultFiles", ParDo.of(new WriteFn<>(directory, suffix, key, encoder)));
  }

  /**
   * The results written to {@code directory}, in file name order.
   *
   * @throws IOException when the folder is missing: a job that ran always writes results, so its
   *     workers wrote them to a file system this process does not see
   */
  public static <T> List<T> read(Path directory, String suffix, Decoder<T> decoder)
      throws IOException {
    if (!Files.isDirectory(directory)) {
      throw notSeenHere("results", directory);
    }
    List<T> results = new ArrayList<>();
    try (Stream<Path> files = Files.list(directory)) {
      for (Path file : files.filter(f -> f.toString().endsWith(suffix)).sorted().toList()) {
        try {
          results.add(decoder.decode(Files.readAllBytes(file)));
        } catch (IOException e) {
          throw new IOException(file + ": " + e.getMessage(), e);
        }
      }
    }
    return results;
  }

  /**
   * What a job's workers wrote for this process to read is not where it looks: on a cluster whose
   * workers share no disk with the launcher, they wrote it to their own.
   */
  static StorageException notSeenHere(String what, Path directory) {
    return new StorageException(
        "the pipeline's workers left no "
            + what
            + " in "
            + directory
            + ": they wrote their output to a file system this process does not see"
            + ON_SEPARATE_DISKS,
        null);
  }

  /**
   * A file another worker of the same job wrote is not on this worker's file system: the job's
   * workers each wrote to a disk of their own.
   */
  static StorageException notSeenByThisWorker(String what, Path file) {
    return new StorageException(
        "the "
            + what
            + " "
            + file
            + " that a worker of this job wrote is not on the file system of the worker that"
            + " commits it: the job's workers do not see each other's files"
            + ON_SEPARATE_DISKS,
        null);
  }

  private static final String ON_SEPARATE_DISKS =
      " (on a cluster whose workers share no disk with it, use s3:// or hdfs:// paths)";

  private static final class WriteFn<T> extends DoFn<T, String> {
    private static final long serialVersionUID = 1L;
    private final String directory;
    private final String suffix;
    private final SerializableFunction<T, String> key;
    private final Encoder<T> encoder;

    WriteFn(
        String directory, String suffix, SerializableFunction<T, String> key, Encoder<T> encoder) {
      this.directory = directory;
      this.suffix = suffix;
      this.key = key;
      this.encoder = encoder;
    }

    @ProcessElement
    public void process(@Element T result, OutputReceiver<String> written) throws IOException {
      String name = PathNames.requireSegment("result name", key.apply(result) + suffix);
      Path dir = StoragePaths.of(directory);
      Files.createDirectories(dir);
      ArtifactDirectory.writeAtomically(dir.resolve(name), encoder.encode(result));
      written.output(name);
    }
  }
}
