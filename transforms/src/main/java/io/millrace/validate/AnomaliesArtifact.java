package io.millrace.validate;

import com.google.protobuf.TextFormat;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.report.StatisticsReport;
import io.millrace.tfmd.Anomalies;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The anomalies of a validation, written atomically: {@code <split>/anomalies.pb} and {@code
 * anomalies.pbtxt} (TFMD's {@code Anomalies}, as TFDV writes them) per split, and {@code
 * report.html} with the statistics, anomalies first.
 */
public final class AnomaliesArtifact {
  private AnomaliesArtifact() {}

  public static void write(
      Path directory,
      String title,
      Map<String, DatasetFeatureStatisticsList> statistics,
      Map<String, Anomalies> anomalies,
      boolean overwrite)
      throws IOException {
    ArtifactDirectory artifact = ArtifactDirectory.begin(directory, overwrite);
    try {
      Path staging = artifact.staging();
      Anomalies all = Anomalies.getDefaultInstance();
      for (Map.Entry<String, Anomalies> e : anomalies.entrySet()) {
        Path dir = staging.resolve(e.getKey());
        Files.createDirectories(dir);
        ArtifactDirectory.writeAtomically(dir.resolve("anomalies.pb"), e.getValue().toByteArray());
        ArtifactDirectory.writeAtomically(
            dir.resolve("anomalies.pbtxt"),
            TextFormat.printer()
                .escapingNonAscii(false)
                .printToString(e.getValue())
                .getBytes(StandardCharsets.UTF_8));
        all = all.toBuilder().mergeFrom(e.getValue()).build();
      }
      StatisticsReport.writeHtml(staging.resolve("report.html"), title, statistics, all);
      artifact.commit();
    } catch (IOException | RuntimeException e) {
      artifact.abandon();
      throw e;
    }
  }
}
