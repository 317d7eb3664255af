package io.millrace.evaluate;

import io.millrace.accumulate.Accumulation;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.List;

/**
 * One model's evaluation as an {@link Accumulation}: scored records in, {@link ModelEvaluation}
 * states (metrics per slice, bootstrap replicates, unusable labels), {@link ModelMetrics} out.
 *
 * @param model the model's role ("candidate", "baseline"), which the metrics carry
 * @param kind which metrics (the model's task)
 * @param confusionThresholds BINARY: further thresholds of confusion matrices
 * @param topK MULTICLASS: the k of top-k accuracies
 * @param bootstrapSamples replicates of the overall slice (0: none)
 * @param minSliceSize slices with fewer examples are left out of the metrics
 */
public record EvaluationAccumulation(
    String model,
    ModelEvaluation.Kind kind,
    List<Double> confusionThresholds,
    List<Integer> topK,
    int bootstrapSamples,
    long minSliceSize)
    implements Accumulation<ScoredExample, ModelEvaluation, ModelMetrics> {
  private static final long serialVersionUID = 1L;

  public EvaluationAccumulation {
    confusionThresholds = List.copyOf(confusionThresholds);
    topK = List.copyOf(topK);
    if (bootstrapSamples == 1 || bootstrapSamples < 0) {
      throw new IllegalArgumentException(
          "bootstrap needs 0 or at least 2 samples: " + bootstrapSamples);
    }
  }

  /** The evaluation of {@code model} as {@code config} asks for it. */
  public static EvaluationAccumulation of(
      String model, ModelEvaluation.Kind kind, EvaluationConfig config) {
    return new EvaluationAccumulation(
        model,
        kind,
        config.confusionThresholds(),
        config.topK(),
        config.bootstrap() == null ? 0 : config.bootstrap().samples(),
        config.minSliceSize());
  }

  @Override
  public ModelEvaluation create() {
    return switch (kind) {
      case BINARY -> ModelEvaluation.binary(model, confusionThresholds, bootstrapSamples);
      case MULTICLASS -> ModelEvaluation.multiclass(model, topK, bootstrapSamples);
      case REGRESSION -> ModelEvaluation.regression(model, bootstrapSamples);
    };
  }

  @Override
  public ModelEvaluation add(ModelEvaluation state, ScoredExample scored) {
    if (!scored.labelUsable()) {
      return state.addUnusableLabels(1);
    }
    int[] weights = scored.bootstrapWeights();
    return switch (kind) {
      case BINARY ->
          state.addBinary(scored.sliceKeys(), (int) scored.label(), scored.output()[0], weights);
      case MULTICLASS ->
          state.addMulticlass(scored.sliceKeys(), (int) scored.label(), scored.output(), weights);
      case REGRESSION ->
          state.addRegression(scored.sliceKeys(), scored.label(), scored.output()[0], weights);
    };
  }

  @Override
  public ModelEvaluation merge(ModelEvaluation state, ModelEvaluation other) {
    return state.merge(other);
  }

  @Override
  public ModelMetrics extract(ModelEvaluation state) {
    return state.result(minSliceSize);
  }

  @Override
  public void write(ModelEvaluation state, DataOutput out) throws IOException {
    state.write(out);
  }

  @Override
  public ModelEvaluation read(DataInput in) throws IOException {
    ModelEvaluation state = ModelEvaluation.read(in);
    if (!state.model().equals(model) || state.kind() != kind) {
      throw new IOException(
          "the evaluation of "
              + state.model()
              + " ("
              + state.kind()
              + ") is not one of "
              + model
              + " ("
              + kind
              + ")");
    }
    return state;
  }
}
