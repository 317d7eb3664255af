package io.millrace.pipeline;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a pipeline run did: how it ended, each stage, and where its report is.
 *
 * @param runName the RUN context in the metadata store, as {@code millrace runs show} takes it
 * @param pushed the registry version the run pushed (or found already pushed), if any
 * @param message one line saying why the run ended as it did
 */
public record RunResult(
    Status status,
    String runName,
    long runId,
    List<StageResult> stages,
    Path report,
    Optional<String> pushed,
    String message) {

  public enum Status {
    /** The candidate was blessed and pushed as a new registry version. */
    PUSHED,
    /** The blessed candidate is already in the registry (pushed by an earlier run): no push. */
    ALREADY_PUSHED,
    /** The pipeline has no model section: it ended after the data stages and the transform. */
    COMPLETED,
    /** Validation found anomalies of severity ERROR and the gate blocks on them. */
    BLOCKED,
    /** The evaluation did not bless the candidate: nothing was pushed. */
    NOT_BLESSED,
    /** Retraining on drift only, and the new span did not drift: the registry's model stays. */
    UP_TO_DATE
  }

  public RunResult {
    stages = List.copyOf(stages);
  }

  /** How one stage went. */
  public record StageResult(
      String stage,
      Outcome outcome,
      Duration elapsed,
      String cacheKey,
      Map<String, Path> outputs,
      Map<String, String> properties) {
    public StageResult {
      outputs = Map.copyOf(outputs);
      properties = Map.copyOf(properties);
    }
  }

  public enum Outcome {
    RAN,
    CACHED
  }

  public StageResult stage(String name) {
    return stages.stream()
        .filter(s -> s.stage().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("the run has no stage " + name));
  }

  /** The stages that ran (were not reused from the cache), in order. */
  public List<String> executed() {
    return stages.stream().filter(s -> s.outcome() == Outcome.RAN).map(StageResult::stage).toList();
  }
}
