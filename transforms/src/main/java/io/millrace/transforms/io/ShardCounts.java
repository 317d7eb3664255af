package io.millrace.transforms.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.ShardFile;
import io.millrace.artifact.StoragePaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Brings what was committed to shard directories (record counts, and each shard's name, count, size
 * and SHA-256) back to the program that ran the pipeline: the pipeline writes one JSON line per
 * directory into a scratch directory, and {@link #read} or {@link #readCommitted} gathers them once
 * the pipeline is done. Runners have no portable way to return values to the launcher; files work
 * on every runner and count what was committed.
 */
public final class ShardCounts
    extends PTransform<PCollection<CommitShards.Written>, PCollection<CommitShards.Written>> {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();
  private final String countsDirectory;

  private ShardCounts(String countsDirectory) {
    this.countsDirectory = countsDirectory;
  }

  /** Writes the counts of what the sharded write committed into {@code countsDirectory}. */
  public static ShardCounts writeTo(Path countsDirectory) {
    return new ShardCounts(countsDirectory.toString());
  }

  @Override
  public PCollection<CommitShards.Written> expand(PCollection<CommitShards.Written> written) {
    return written
        .apply("CountLines", MapElements.into(TypeDescriptors.strings()).via(ShardCounts::line))
        .apply("WriteCounts", WriteShards.to(countsDirectory, ".jsonl", TextIO.sink()));
  }

  /** The line for one directory: as {@link CommitShards.Written}, named by its last segment. */
  private static String line(CommitShards.Written written) {
    String name = StoragePaths.of(written.directory()).getFileName().toString();
    try {
      return JSON.writeValueAsString(
          new CommitShards.Written(name, written.files(), written.records(), written.shards()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The records per directory name, summed over the count files; then deletes them. */
  public static Map<String, Long> read(Path countsDirectory) throws IOException {
    Map<String, Long> counts = new HashMap<>();
    readWritten(countsDirectory).forEach(w -> counts.merge(w.directory(), w.records(), Long::sum));
    return counts;
  }

  /**
   * What was committed per directory name (records, and shards in name order); then deletes the
   * count files.
   */
  public static Map<String, CommitShards.Written> readCommitted(Path countsDirectory)
      throws IOException {
    Map<String, CommitShards.Written> committed = new HashMap<>();
    for (CommitShards.Written w : readWritten(countsDirectory)) {
      committed.merge(
          w.directory(),
          w,
          (a, b) -> {
            List<ShardFile> shards = new ArrayList<>(a.shards());
            shards.addAll(b.shards());
            shards.sort(Comparator.comparing(ShardFile::name));
            return new CommitShards.Written(
                a.directory(), a.files() + b.files(), a.records() + b.records(), shards);
          });
    }
    return committed;
  }

  /**
   * The lines of the count files. A pipeline that ran always writes some, one per directory, even
   * with nothing to commit: their absence means its workers wrote to a disk this process does not
   * see (TaskManagers on other hosts), and reading them as zero records would lose every record.
   */
  private static List<CommitShards.Written> readWritten(Path countsDirectory) throws IOException {
    if (!Files.isDirectory(countsDirectory)) {
      throw ResultFiles.notSeenHere("record counts", countsDirectory);
    }
    List<CommitShards.Written> written = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(countsDirectory, "part-*")) {
      for (Path file : files) {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          written.add(JSON.readValue(line, CommitShards.Written.class));
        }
      }
    }
    ArtifactDirectory.deleteRecursively(countsDirectory);
    return written;
  }
}
