package io.millrace.tune;

import io.millrace.train.ModelConfig;
import java.io.Serializable;
import java.util.Map;

/**
 * What one trial produced: its metrics on the evaluation split (or the training split when there is
 * none), the objective's value, training figures and where its model artifact was written.
 */
public record TrialResult(
    String id,
    String parameters,
    ModelConfig config,
    Map<String, Double> metrics,
    String objective,
    double objectiveValue,
    int bestEpoch,
    boolean stoppedEarly,
    long steps,
    double trainSeconds,
    double examplesPerSecond,
    String modelDirectory)
    implements Serializable {

  public TrialResult {
    metrics = Map.copyOf(metrics);
  }
}
