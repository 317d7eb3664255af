package io.millrace.pipeline;

import static io.millrace.testing.HostileText.ESCAPED_IN_A_FILE;
import static io.millrace.testing.HostileText.HOSTILE_IN_A_FILE;
import static io.millrace.testing.HostileText.assertEscaped;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A column with a hostile name that blocks a run: the run report names it in the decision and in
 * the validation's properties, and escapes it exactly as the statistics and anomalies reports of
 * the same run do (the strings of {@code io.millrace.report.HtmlTest}).
 */
class RunReportEscapingTest {
  @TempDir Path dir;

  @Test
  void theRunReportEscapesAHostileFeatureNameAsTheStageReportsDo() throws IOException {
    Path data = dir.resolve("data");
    Files.createDirectories(data);
    String header = "id,\"" + HOSTILE_IN_A_FILE.replace("\"", "\"\"") + "\"\n";
    StringBuilder train = new StringBuilder(header);
    StringBuilder eval = new StringBuilder(header);
    for (int i = 0; i < 20; i++) {
      train.append(i).append(',').append(i % 2 == 0 ? "a" : "b").append('\n');
      // A value the schema inferred from train does not know: an ERROR that blocks the run.
      eval.append(i).append(',').append(i % 2 == 0 ? "a" : "c").append('\n');
    }
    Files.writeString(data.resolve("train.csv"), train, StandardCharsets.UTF_8);
    Files.writeString(data.resolve("eval.csv"), eval, StandardCharsets.UTF_8);
    PipelineDefinition definition =
        PipelineDefinition.of(
            "hostile",
            dir.resolve("root"),
            PipelineDefinition.Input.ofPatterns(
                Map.of(
                    "train", data.resolve("train.csv").toString(),
                    "eval", data.resolve("eval.csv").toString())));

    RunResult result =
        PipelineRunner.of(definition)
            .withPipelineOptions(job -> TestPipeline.testingPipelineOptions())
            .run(new PrintWriter(new StringWriter()));

    assertEquals(RunResult.Status.BLOCKED, result.status(), result.message());
    // The decision and the validation's "errors" property each name the column as an anomaly's
    // path does: quoted, a quote doubled.
    String quoted = "&#39;" + ESCAPED_IN_A_FILE.replace("&#39;", "&#39;&#39;") + "&#39;";
    assertEscaped(Files.readString(result.report(), StandardCharsets.UTF_8), quoted, 2);
    Path statistics = result.stage(PipelineRunner.STATISTICS).outputs().get("statistics");
    assertEscaped(
        Files.readString(statistics.resolve("report.html"), StandardCharsets.UTF_8),
        ESCAPED_IN_A_FILE,
        1);
    Path anomalies = result.stage(PipelineRunner.VALIDATION).outputs().get("anomalies");
    assertEscaped(
        Files.readString(anomalies.resolve("report.html"), StandardCharsets.UTF_8),
        ESCAPED_IN_A_FILE,
        2);
  }
}
