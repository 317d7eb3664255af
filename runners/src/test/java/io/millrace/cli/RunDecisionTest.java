package io.millrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.millrace.pipeline.PipelineRunner;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What `millrace runs list` says a run decided, from the metrics its stages recorded. */
class RunDecisionTest {
  private static final String BLOCKING = PipelineRunner.VALIDATION + ".blocking";

  @Test
  void aRunStoppedByBlockingAnomaliesWasBlocked() {
    assertEquals("blocked by anomalies", RunsCommand.decision(Map.of(BLOCKING, "true")));
  }

  /** With {@code validation.block: false} the run goes on; its last decision is what it did. */
  @Test
  void aRunThatWentOnPastAnomaliesThatDoNotBlockSaysWhatItDidAfterwards() {
    assertEquals(
        "pushed: taxi/3",
        RunsCommand.decision(
            Map.of(
                BLOCKING,
                "true",
                PipelineRunner.EVALUATION + ".blessed",
                "true",
                PipelineRunner.PUSH + ".version",
                "3",
                PipelineRunner.PUSH + ".model_name",
                "taxi")));
    assertEquals(
        "not blessed",
        RunsCommand.decision(
            Map.of(BLOCKING, "true", PipelineRunner.EVALUATION + ".blessed", "false")));
  }
}
