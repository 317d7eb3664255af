package io.millrace.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.examples.ExamplesManifest;
import io.millrace.testing.SharedData;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache trusts proof, not existence: a cached output that lost a file or had bytes changed is
 * not reused; its stage runs again (and says why), and nothing downstream sees the partial data.
 */
class CacheVerificationTest {
  @TempDir Path dir;

  private PipelineDefinition penguins() throws IOException {
    Path data = dir.resolve("data").resolve("penguins.csv");
    Files.createDirectories(data.getParent());
    Files.copy(SharedData.path("penguins/penguins.csv"), data);
    return PipelineDefinition.of(
        "penguins",
        dir.resolve("root"),
        PipelineDefinition.Input.of(data.toString()).withMissingValues(List.of("NA")));
  }

  private static RunResult run(PipelineRunner runner, StringWriter progress) throws IOException {
    return runner
        .withPipelineOptions(job -> TestPipeline.testingPipelineOptions())
        .run(new PrintWriter(progress));
  }

  private static Path firstShard(Path examples, String split) throws IOException {
    try (Stream<Path> files = Files.list(examples.resolve(split))) {
      return files
          .filter(p -> p.getFileName().toString().startsWith("part-"))
          .sorted()
          .findFirst()
          .orElseThrow();
    }
  }

  private static long statisticsCount(RunResult result, String split) {
    return Long.parseLong(
        result.stage(PipelineRunner.STATISTICS).properties().get("examples." + split));
  }

  @Test
  void aCachedExamplesArtifactMissingAShardIsIngestedAgainBeforeAnyStageReadsIt()
      throws IOException {
    PipelineDefinition definition = penguins();
    RunResult first = run(PipelineRunner.of(definition), new StringWriter());
    Path examples = first.stage(PipelineRunner.INGEST).outputs().get("examples");
    long train = ExamplesManifest.read(examples).split("train").count();
    assertEquals(train, statisticsCount(first, "train"));

    Path shard = firstShard(examples, "train");
    Files.delete(shard);
    // Statistics asked to run again: they must see every record, not the partial artifact.
    StringWriter progress = new StringWriter();
    RunResult second =
        run(
            PipelineRunner.of(definition).withNoCacheStages(Set.of(PipelineRunner.STATISTICS)),
            progress);
    assertEquals(RunResult.Outcome.RAN, second.stage(PipelineRunner.INGEST).outcome());
    assertTrue(
        progress.toString().contains("ingest      cache miss: ")
            && progress.toString().contains("train/" + shard.getFileName() + " is missing"),
        "the progress names the missing shard:\n" + progress);
    assertTrue(Files.exists(shard), "ingested again: " + shard);
    assertEquals(train, statisticsCount(second, "train"));

    // The restored artifact is reused again.
    RunResult third = run(PipelineRunner.of(definition), new StringWriter());
    assertEquals(List.of(), third.executed());
  }

  @Test
  void aCachedOutputWhoseBytesChangedIsNotReused() throws IOException {
    PipelineDefinition definition = penguins();
    RunResult first = run(PipelineRunner.of(definition), new StringWriter());

    // One byte of a shard, same size: only its content tells.
    Path examples = first.stage(PipelineRunner.INGEST).outputs().get("examples");
    Path shard = firstShard(examples, "eval");
    byte[] bytes = Files.readAllBytes(shard);
    bytes[bytes.length - 20] ^= 1;
    Files.write(shard, bytes);
    // And the statistics' JSON gets an edited number.
    Path statistics = first.stage(PipelineRunner.STATISTICS).outputs().get("statistics");
    Path json = statistics.resolve("train").resolve("stats.json");
    Files.writeString(json, Files.readString(json).replaceFirst("\"mean\": ?[0-9]", "\"mean\": 9"));

    StringWriter progress = new StringWriter();
    RunResult second = run(PipelineRunner.of(definition), progress);
    assertEquals(
        List.of(PipelineRunner.INGEST, PipelineRunner.STATISTICS),
        second.executed(),
        progress.toString());
    assertTrue(progress.toString().contains("cache miss"), progress.toString());
    assertEquals(List.of(), run(PipelineRunner.of(definition), new StringWriter()).executed());
  }
}
