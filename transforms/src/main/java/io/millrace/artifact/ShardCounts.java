package io.millrace.artifact;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Brings the record counts of committed shard directories back to the program that ran the
 * pipeline: the pipeline writes them as {@code <directory name>\t<records>} lines into a scratch
 * directory, and {@link #read} sums them once the pipeline is done. Runners have no portable way to
 * return values to the launcher; files work on every runner and count what was committed.
 */
public final class ShardCounts
    extends PTransform<PCollection<CommitShards.Written>, PCollection<CommitShards.Written>> {
  private static final long serialVersionUID = 1L;
  private final String countsDirectory;

  private ShardCounts(String countsDirectory) {
    this.countsDirectory = countsDirectory;
  }

  /** Writes the counts of what {@link CommitShards} committed into {@code countsDirectory}. */
  public static ShardCounts writeTo(Path countsDirectory) {
    return new ShardCounts(countsDirectory.toString());
  }

  @Override
  public PCollection<CommitShards.Written> expand(PCollection<CommitShards.Written> written) {
    return written
        .apply(
            "CountLines",
            MapElements.into(TypeDescriptors.strings())
                .via(
                    (CommitShards.Written w) ->
                        Path.of(w.directory()).getFileName() + "\t" + w.records()))
        .apply("WriteCounts", WriteShards.to(countsDirectory, ".tsv", TextIO.sink()));
  }

  /** The records per directory name, summed over the count files; then deletes them. */
  public static Map<String, Long> read(Path countsDirectory) throws IOException {
    Map<String, Long> counts = new HashMap<>();
    if (Files.isDirectory(countsDirectory)) {
      try (DirectoryStream<Path> files = Files.newDirectoryStream(countsDirectory, "part-*")) {
        for (Path file : files) {
          for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            int tab = line.lastIndexOf('\t');
            counts.merge(
                line.substring(0, tab), Long.parseLong(line.substring(tab + 1)), Long::sum);
          }
        }
      }
      ArtifactDirectory.deleteRecursively(countsDirectory);
    }
    return counts;
  }
}
