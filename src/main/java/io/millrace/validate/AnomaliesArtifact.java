package io.millrace.validate;

import com.google.protobuf.TextFormat;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.ArtifactKind;
import io.millrace.artifact.PathNames;
import io.millrace.report.StatisticsReport;
import io.millrace.tfmd.Anomalies;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The anomalies of a validation, written atomically: {@code <split>/anomalies.pb} and {@code
 * anomalies.pbtxt} (TFMD's {@code Anomalies}, as TFDV writes them) per split, and {@code
 * report.html} with the statistics, anomalies first.
 */
public final class AnomaliesArtifact {
  public static final String REPORT = "report.html";
  public static final String ANOMALIES = "anomalies.pb";

  /** What {@code --overwrite} of an anomalies output may replace: a report and split folders. */
  public static final ArtifactKind KIND =
      new ArtifactKind("an anomalies artifact", AnomaliesArtifact::isAnomaliesArtifact);

  private AnomaliesArtifact() {}

  private static boolean isAnomaliesArtifact(Path dir) {
    if (!Files.isRegularFile(dir.resolve(REPORT))) {
      return false;
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.allMatch(
          p ->
              p.getFileName().toString().equals(REPORT)
                  || p.getFileName().toString().equals(ArtifactDirectory.COMMITTED)
                  || Files.isRegularFile(p.resolve(ANOMALIES)));
    } catch (IOException e) {
      return false;
    }
  }

  public static void write(
      Path directory,
      String title,
      Map<String, DatasetFeatureStatisticsList> statistics,
      Map<String, Anomalies> anomalies,
      boolean overwrite)
      throws IOException {
    ArtifactDirectory artifact = ArtifactDirectory.begin(directory, overwrite, KIND);
    try {
      Path staging = artifact.staging();
      Anomalies all = Anomalies.getDefaultInstance();
      for (Map.Entry<String, Anomalies> e : anomalies.entrySet()) {
        Path dir = PathNames.resolveInside(staging, e.getKey(), "directory of split " + e.getKey());
        Files.createDirectories(dir);
        ArtifactDirectory.writeAtomically(dir.resolve(ANOMALIES), e.getValue().toByteArray());
        ArtifactDirectory.writeAtomically(
            dir.resolve("anomalies.pbtxt"),
            TextFormat.printer()
                .escapingNonAscii(false)
                .printToString(e.getValue())
                .getBytes(StandardCharsets.UTF_8));
        all = all.toBuilder().mergeFrom(e.getValue()).build();
      }
      StatisticsReport.writeHtml(staging.resolve(REPORT), title, statistics, all);
      artifact.commit();
    } catch (IOException | RuntimeException e) {
      artifact.abandon();
      throw e;
    }
  }
}
