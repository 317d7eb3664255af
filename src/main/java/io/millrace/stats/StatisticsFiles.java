package io.millrace.stats;

import com.google.protobuf.util.JsonFormat;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The files of one split's statistics: {@code stats.pb}, TFMD's {@code
 * DatasetFeatureStatisticsList} in binary as TFDV's {@code load_statistics} reads it, and {@code
 * stats.json}, its proto3 JSON.
 */
public final class StatisticsFiles {
  public static final String STATS_FILE = "stats.pb";
  public static final String STATS_JSON_FILE = "stats.json";

  private StatisticsFiles() {}

  /** Writes both files into {@code directory} (created if needed), each atomically. */
  public static void write(Path directory, DatasetFeatureStatisticsList stats) throws IOException {
    Files.createDirectories(directory);
    ArtifactDirectory.writeAtomically(directory.resolve(STATS_FILE), stats.toByteArray());
    ArtifactDirectory.writeAtomically(
        directory.resolve(STATS_JSON_FILE),
        JsonFormat.printer().print(stats).getBytes(StandardCharsets.UTF_8));
  }

  public static DatasetFeatureStatisticsList read(Path directory) throws IOException {
    return DatasetFeatureStatisticsList.parseFrom(
        Files.readAllBytes(directory.resolve(STATS_FILE)));
  }
}
