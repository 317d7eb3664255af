package io.millrace.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.testing.SharedData;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a crashed attempt at a stage leaves (staging and replaced directories, at every depth the
 * stage writes artifacts) is deleted before the stage runs again; nothing else is.
 */
class LeftoversTest {
  @TempDir Path dir;

  private RunResult run(PipelineDefinition definition, boolean noCache) throws IOException {
    return PipelineRunner.of(definition)
        .withNoCache(noCache)
        .withPipelineOptions(job -> TestPipeline.testingPipelineOptions())
        .run(new PrintWriter(new StringWriter()));
  }

  @Test
  void stagingLeftAtEveryDepthIsDeletedBeforeTheStageRunsAgain() throws IOException {
    PipelineDefinition definition =
        PipelineDefinition.of(
                "penguins",
                dir.resolve("root"),
                PipelineDefinition.Input.of(SharedData.path("penguins/penguins.csv").toString())
                    .withMissingValues(List.of("NA")))
            .withTransform(
                PipelineDefinition.Transform.of(
                    Path.of("..", "examples", "penguins", "transform.json").toAbsolutePath()));
    RunResult first = run(definition, false);
    Path transform = first.stage(PipelineRunner.TRANSFORM).outputs().get("transform").getParent();
    Path statistics = first.stage(PipelineRunner.STATISTICS).outputs().get("statistics");

    // A crash of each writer of the transform stage, and one of the statistics stage.
    List<Path> leftovers = new ArrayList<>();
    leftovers.add(transform.resolveSibling("." + transform.getFileName() + ".staging-crashed"));
    leftovers.add(transform.resolve(".examples.staging-crashed"));
    leftovers.add(transform.resolve(".transform.old-crashed"));
    leftovers.add(transform.resolve("statistics").resolve(".pre.staging-crashed"));
    leftovers.add(transform.resolve("statistics").resolve(".post.old-crashed"));
    leftovers.add(statistics.resolve(".stats.json.staging-crashed"));
    for (Path leftover : leftovers) {
      Files.createDirectories(leftover.resolve("train"));
      Files.writeString(leftover.resolve("train").resolve("part-00000.avro"), "half");
    }
    // Names that are not ours to delete.
    List<Path> kept =
        List.of(
            transform.resolve("statistics").resolve("notes.staging-draft.txt"),
            transform.resolve("statistics").resolve(".notes"),
            transform.resolve("examples-staging-crashed"));
    for (Path file : kept) {
      Files.writeString(file, "mine");
    }

    RunResult again = run(definition, true);
    assertEquals(RunResult.Status.COMPLETED, again.status(), again.message());
    for (Path leftover : leftovers) {
      assertFalse(Files.exists(leftover), leftover + " was left");
    }
    for (Path file : kept) {
      assertTrue(Files.exists(file), file + " was deleted");
    }
  }
}
