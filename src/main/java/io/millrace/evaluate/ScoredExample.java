package io.millrace.evaluate;

import java.util.List;

/**
 * One record as a model scored it: what {@link EvaluationAccumulation} adds.
 *
 * @param sliceKeys the slices the record is in besides the overall one ({@link SliceKeys})
 * @param label the label as the model reads it; NaN when the model cannot use it (counted, not
 *     scored)
 * @param output P(label = 1) for BINARY, one probability per class for MULTICLASS, the prediction
 *     for REGRESSION
 * @param bootstrapWeights one Poisson weight per bootstrap replicate ({@link
 *     Bootstrap#poissonWeights}); null without bootstrap
 */
public record ScoredExample(
    List<String> sliceKeys, double label, double[] output, int[] bootstrapWeights) {

  /** A record whose label the model cannot use. */
  public static ScoredExample unusableLabel() {
    return new ScoredExample(List.of(), Double.NaN, null, null);
  }

  public boolean labelUsable() {
    return !Double.isNaN(label);
  }
}
