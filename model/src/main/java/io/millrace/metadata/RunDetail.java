package io.millrace.metadata;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What {@code millrace runs show} prints: a run and each of its stages' executions. */
public record RunDetail(RunSummary summary, List<StageExecution> stages) {

  /**
   * One execution of the run with the artifacts it read and wrote, by event name. A CACHED
   * execution lists the outputs it reused.
   */
  public record StageExecution(
      Execution execution, Map<String, Artifact> inputs, Map<String, Artifact> outputs) {
    public StageExecution {
      inputs = Maps.ordered(inputs);
      outputs = Maps.ordered(outputs);
    }
  }

  public RunDetail {
    stages = List.copyOf(stages);
  }

  public Map<String, String> params() {
    return summary.params();
  }

  /**
   * Fingerprints of the data the run saw: every {@link Artifact#EXAMPLES} artifact a stage wrote or
   * reused ({@code stage.output}) or read without it being written in this run ({@code
   * stage<-input}).
   */
  public Map<String, String> dataFingerprints() {
    Map<String, String> fingerprints = new LinkedHashMap<>();
    Set<Long> seen = new HashSet<>();
    for (StageExecution stage : stages) {
      stage.outputs.forEach(
          (name, artifact) -> {
            if (artifact.type().equals(Artifact.EXAMPLES) && seen.add(artifact.id())) {
              fingerprints.put(stage.execution.stage() + "." + name, artifact.fingerprint());
            }
          });
    }
    for (StageExecution stage : stages) {
      stage.inputs.forEach(
          (name, artifact) -> {
            if (artifact.type().equals(Artifact.EXAMPLES) && seen.add(artifact.id())) {
              fingerprints.put(stage.execution.stage() + "<-" + name, artifact.fingerprint());
            }
          });
    }
    return Maps.ordered(fingerprints);
  }

  /**
   * The properties stages reported (metrics among them) as {@code stage.name}; a CACHED stage
   * reports those of the execution it reused.
   */
  public Map<String, String> metrics() {
    Map<String, String> metrics = new LinkedHashMap<>();
    for (StageExecution stage : stages) {
      stage
          .execution
          .properties()
          .forEach(
              (name, value) -> {
                if (!name.equals(Execution.RESULT)) {
                  metrics.put(stage.execution.stage() + "." + name, value);
                }
              });
    }
    return Maps.ordered(metrics);
  }
}
