package io.millrace.cli;

import static io.millrace.cli.MillraceCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.millrace.testing.SharedData;
import io.millrace.transform.FittedTransform;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code millrace transform} on embedded Flink fits and writes what the DirectRunner does. */
class FlinkEmbeddedTransformTest {
  @TempDir Path dir;

  @Test
  void flinkEmbeddedFitsTheSameTransformAndWritesTheSameExamples() throws IOException {
    String eval = SharedData.path("taxi/tutorial/eval.csv").toString();
    assertEquals(
        0, run("ingest", "--input", eval, "--output", dir.resolve("raw").toString()).exit());
    String spec = Path.of("..", "examples", "taxi", "transform.json").toString();
    String raw = dir.resolve("raw").toString();
    MillraceCliTest.Run direct =
        run(
            "transform",
            "--examples",
            raw,
            "--spec",
            spec,
            "--output",
            dir.resolve("d").toString());
    assertEquals(0, direct.exit(), direct.err());
    MillraceCliTest.Run flink =
        run(
            "transform",
            "--examples",
            raw,
            "--spec",
            spec,
            "--output",
            dir.resolve("f").toString(),
            "--runner",
            "FlinkRunner",
            "--flinkMaster",
            "[local]");
    assertEquals(0, flink.exit(), flink.err());

    FittedTransform a = FittedTransform.read(dir.resolve("d/transform"));
    FittedTransform b = FittedTransform.read(dir.resolve("f/transform"));
    assertEquals(a.fingerprint(), b.fingerprint());
    for (int s = 0; s < a.fitted().size(); s++) {
      var fa = a.fitted().get(s);
      var fb = b.fitted().get(s);
      assertEquals(fa.vocabularySize(), fb.vocabularySize(), fa.output());
      assertEquals(
          a.vocabulary(s).stream().map(String::new).toList(),
          b.vocabulary(s).stream().map(String::new).toList(),
          fa.output());
      if (fa.mean() != null) {
        assertEquals(fa.mean(), fb.mean(), 1e-12 * Math.abs(fa.mean()), fa.output());
        assertEquals(fa.std(), fb.std(), 1e-9 * fa.std(), fa.output());
      }
    }
    assertEquals(
        FlinkEmbeddedIngestTest.contents(dir.resolve("d/examples")),
        FlinkEmbeddedIngestTest.contents(dir.resolve("f/examples")));
  }
}
