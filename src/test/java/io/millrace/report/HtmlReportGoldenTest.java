package io.millrace.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.LocalSourceFile;
import io.millrace.ingest.csv.CsvFormatReader;
import io.millrace.record.ExampleSchema;
import io.millrace.stats.StatisticsAccumulator;
import io.millrace.stats.StatisticsOptions;
import io.millrace.testing.CollectingSink;
import io.millrace.testing.SharedData;
import io.millrace.tfmd.Anomalies;
import io.millrace.tfmd.AnomalyInfo;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.tfmd.DriftSkewInfo;
import io.millrace.tfmd.Path;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The statistics page of the Chicago taxi data, byte for byte: the page, its feature cards and
 * every SVG chart render exactly as the golden files say. The statistics are stored beside the
 * golden pages (computed once from {@code taxi/tutorial/train.csv} and {@code eval.csv}, sliced by
 * {@code payment_type}), so that the test judges the rendering alone.
 *
 * <p>After an intended change to the page, {@code -Dmillrace.report.updateGolden=true} rewrites the
 * golden pages (and the statistics, from the shared data); review the diff before committing.
 */
class HtmlReportGoldenTest {
  // Relative to the module folder (the repository's src/), where Surefire runs.
  private static final String DIR = "test/resources/io/millrace/report/golden/";
  private static final boolean UPDATE = Boolean.getBoolean("millrace.report.updateGolden");

  @Test
  void twoSlicedSplitsWithAnomaliesAndDriftRenderAsTheGoldenPage() throws IOException {
    Map<String, DatasetFeatureStatisticsList> splits = new LinkedHashMap<>();
    splits.put("train", statistics("taxi-train-sliced"));
    splits.put("eval", statistics("taxi-eval-sliced"));
    String html = StatisticsReport.html("Chicago taxi: train vs eval", splits, anomalies());
    assertGolden("taxi-two-splits.html", html);
  }

  @Test
  void oneSplitRendersAsTheGoldenPage() throws IOException {
    String html =
        StatisticsReport.html(
            "Chicago taxi: train", Map.of("train", statistics("taxi-train")), null);
    assertGolden("taxi-train.html", html);
  }

  /** An anomaly of each shape the page shows: a feature's, the data set's, drift over a limit. */
  private static Anomalies anomalies() {
    return Anomalies.newBuilder()
        .putAnomalyInfo(
            "company",
            AnomalyInfo.newBuilder()
                .setSeverity(AnomalyInfo.Severity.ERROR)
                .setShortDescription("Unexpected string values")
                .setDescription("Examples contain values missing from the schema: Acme (<1%).")
                .addReason(
                    AnomalyInfo.Reason.newBuilder()
                        .setType(AnomalyInfo.Type.ENUM_TYPE_UNEXPECTED_STRING_VALUES)
                        .setShortDescription("Unexpected string values")
                        .setDescription("Acme (<1%)"))
                .addReason(
                    AnomalyInfo.Reason.newBuilder()
                        .setType(AnomalyInfo.Type.COMPARATOR_L_INFTY_HIGH)
                        .setShortDescription("High Linfty distance")
                        .setDescription("0.12 > 0.01"))
                .build())
        .setDatasetAnomalyInfo(
            AnomalyInfo.newBuilder()
                .setSeverity(AnomalyInfo.Severity.WARNING)
                .setShortDescription("Low number of examples")
                .setDescription("Fewer examples than expected"))
        .addDriftSkewInfo(
            DriftSkewInfo.newBuilder()
                .setPath(Path.newBuilder().addStep("payment_type"))
                .addDriftMeasurements(
                    DriftSkewInfo.Measurement.newBuilder()
                        .setType(DriftSkewInfo.Measurement.Type.L_INFTY)
                        .setValue(0.031)
                        .setThreshold(0.01)))
        .addDriftSkewInfo(
            DriftSkewInfo.newBuilder()
                .setPath(Path.newBuilder().addStep("fare"))
                .addSkewMeasurements(
                    DriftSkewInfo.Measurement.newBuilder()
                        .setType(DriftSkewInfo.Measurement.Type.JENSEN_SHANNON_DIVERGENCE)
                        .setValue(0.002)
                        .setThreshold(0.1)))
        .build();
  }

  private static void assertGolden(String name, String html) throws IOException {
    java.nio.file.Path file = Paths.get(DIR + name);
    if (UPDATE) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, html, StandardCharsets.UTF_8);
    }
    assertEquals(Files.readString(file, StandardCharsets.UTF_8), html, name);
  }

  private static DatasetFeatureStatisticsList statistics(String name) throws IOException {
    if (UPDATE) {
      write(name, computed(name));
    }
    try (InputStream in =
        HtmlReportGoldenTest.class.getResourceAsStream("golden/" + name + ".pb")) {
      if (in == null) {
        throw new IllegalStateException("no test resource golden/" + name + ".pb");
      }
      return DatasetFeatureStatisticsList.parseFrom(in);
    }
  }

  private static void write(String name, DatasetFeatureStatisticsList statistics)
      throws IOException {
    java.nio.file.Path file = Paths.get(DIR + name + ".pb");
    Files.createDirectories(file.getParent());
    Files.write(file, statistics.toByteArray());
    // The page is rendered from the classpath copy: refresh it too.
    java.nio.file.Path copy =
        Paths.get("target/test-classes/io/millrace/report/golden/" + name + ".pb");
    Files.createDirectories(copy.getParent());
    Files.write(copy, statistics.toByteArray());
  }

  /** Statistics as a pipeline computes them: one schema, inferred from the training data. */
  private static DatasetFeatureStatisticsList computed(String name) throws IOException {
    java.nio.file.Path train = SharedData.path("taxi/tutorial/train.csv");
    java.nio.file.Path eval = SharedData.path("taxi/tutorial/eval.csv");
    CsvFormatReader reader = new CsvFormatReader(FormatOptions.defaults());
    ExampleSchema schema = reader.inferSchema(List.of(new LocalSourceFile(train)));
    CollectingSink sink = new CollectingSink();
    reader.read(new LocalSourceFile(name.contains("eval") ? eval : train), schema, sink);
    StatisticsOptions options =
        name.endsWith("sliced")
            ? StatisticsOptions.defaults().withSlice("payment_type")
            : StatisticsOptions.defaults();
    StatisticsAccumulator accumulator = StatisticsAccumulator.create(schema, options);
    sink.examples.forEach(accumulator::add);
    return accumulator.toProto();
  }
}
