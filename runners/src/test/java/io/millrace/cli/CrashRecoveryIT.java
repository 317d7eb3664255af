package io.millrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pipeline run killed with SIGKILL while it trains leaves nothing a later run trusts: the next
 * run reuses the stages that completed, redoes the interrupted one and the rest, and pushes.
 */
class CrashRecoveryIT {
  @TempDir Path dir;

  @Test
  void aRunKilledWhileTrainingIsResumedFromTheLastCompletedStage() throws Exception {
    // Training takes seconds (loading TensorFlow alone takes one): the kill lands inside it.
    Path pipeline = PenguinsPipeline.write(dir, 100);
    MillraceProcess run = MillraceProcess.start(Map.of(), "run", "--pipeline", pipeline.toString());
    run.awaitLine(line -> line.matches(".*\\btrain\\s+running.*"), Duration.ofMinutes(5));
    assertTrue(run.isAlive(), "the run ended before training: " + run.output());
    run.kill(); // SIGKILL: no shutdown hook, no cleanup

    Path trainArtifacts = dir.resolve("root/artifacts/train");
    assertFalse(committedModelIn(trainArtifacts), "a half-trained model was committed");

    // The same pipeline again: the stages that completed before the kill are reused.
    MillraceCliTest.Run second = MillraceCliTest.run("run", "--pipeline", pipeline.toString());
    assertEquals(0, second.exit(), second.out() + second.err());
    for (String stage : List.of("ingest", "statistics", "schema", "validation", "transform")) {
      assertTrue(
          second.out().lines().anyMatch(l -> l.matches(".*\\b" + stage + "\\s+cached.*")),
          stage + " was not reused:\n" + second.out());
    }
    assertTrue(second.out().lines().anyMatch(l -> l.matches(".*\\btrain\\s+done.*")), second.out());
    assertTrue(second.out().contains("pushed as penguins version 1"), second.out());
    assertTrue(committedModelIn(trainArtifacts));
    MillraceCliTest.Run runs =
        MillraceCliTest.run("runs", "list", "--pipeline", pipeline.toString());
    assertTrue(runs.out().contains("ABANDONED"), runs.out());
  }

  /** Whether a committed train output (a model.json outside any staging directory) exists. */
  private static boolean committedModelIn(Path trainArtifacts) throws IOException {
    if (!Files.isDirectory(trainArtifacts)) {
      return false;
    }
    try (Stream<Path> files = Files.walk(trainArtifacts)) {
      return files.anyMatch(
          p ->
              p.endsWith(Path.of("model", "model.json"))
                  && trainArtifacts.relativize(p).toString().chars().filter(c -> c == '/').count()
                      == 2
                  && !trainArtifacts.relativize(p).toString().startsWith("."));
    }
  }
}
