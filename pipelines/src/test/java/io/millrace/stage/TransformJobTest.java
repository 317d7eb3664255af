package io.millrace.stage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.millrace.ingest.FormatOptions;
import io.millrace.testing.SharedData;
import io.millrace.transform.TransformSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transform stage's jobs: how many, and that fusing the statistics into them changes none. */
class TransformJobTest {
  @TempDir Path dir;

  @Test
  void theStageRunsTwoJobsAndItsStatisticsEqualThoseOfStatisticsJobsOfTheirOwn()
      throws IOException {
    PrintWriter log = new PrintWriter(new StringWriter());
    PipelineOptions options = TestPipeline.testingPipelineOptions();
    Path examples = dir.resolve("examples");
    IngestJob.run(
        IngestJob.Config.of(SharedData.path("penguins/penguins.csv").toString(), examples)
            .withFormatOptions(FormatOptions.defaults().withMissingValues(Set.of("NA"))),
        options,
        log);

    PipelineOptions counting = TestPipeline.testingPipelineOptions();
    counting.setRunner(CountingDirectRunner.class);
    Path out = dir.resolve("transform");
    int before = CountingDirectRunner.JOBS.get();
    TransformJob.runWithStatistics(
        examples,
        "train",
        TransformSpec.read(Path.of("..", "examples", "penguins", "transform.json")),
        out.resolve("transform"),
        out.resolve("examples"),
        out.resolve("statistics"),
        false,
        counting,
        log);
    assertEquals(2, CountingDirectRunner.JOBS.get() - before, "jobs of the transform stage");

    // The statistics of each artifact, computed by a statistics job of its own, are the same.
    Path pre = dir.resolve("pre");
    Path post = dir.resolve("post");
    StatisticsJob.Result raw =
        StatisticsJob.run(StatisticsJob.Config.ofExamples(examples, pre), options, log);
    StatisticsJob.Result transformed =
        StatisticsJob.run(
            StatisticsJob.Config.ofExamples(out.resolve("examples"), post), options, log);
    assertSameStatistics(raw, out.resolve("statistics").resolve("pre"));
    assertSameStatistics(transformed, out.resolve("statistics").resolve("post"));
  }

  private static void assertSameStatistics(StatisticsJob.Result alone, Path fused)
      throws IOException {
    StatisticsJob.Result other = StatisticsJob.Result.open(fused);
    StatisticsJob.Manifest a = alone.manifest();
    StatisticsJob.Manifest b = other.manifest();
    assertEquals(a.splits(), b.splits());
    assertEquals(a.source(), b.source());
    assertEquals(a.inputFingerprint(), b.inputFingerprint());
    assertEquals(a.features(), b.features());
    assertEquals(a.recordsIn(), b.recordsIn());
    assertEquals(a.options(), b.options());
    for (StatisticsJob.Manifest.SplitFile split : a.splits()) {
      for (String file : new String[] {split.statistics(), split.json()}) {
        assertArrayEquals(
            Files.readAllBytes(alone.directory().resolve(file)),
            Files.readAllBytes(fused.resolve(file)),
            fused + ": " + file);
      }
    }
  }
}
