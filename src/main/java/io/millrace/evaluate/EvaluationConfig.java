package io.millrace.evaluate;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.millrace.evaluate.ModelValidation.Direction;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * How to evaluate and validate a model, readable from JSON:
 *
 * <pre>{@code
 * {
 *   "slices": [["payment_type"], ["trip_start_hour"], ["payment_type", "company"]],
 *   "minSliceSize": 100,
 *   "bootstrap": {"samples": 20, "seed": 42},
 *   "confusionThresholds": [0.3, 0.7],
 *   "topK": [3],
 *   "thresholds": [
 *     {"metric": "auc", "lowerBound": 0.7,
 *      "change": {"absolute": -0.01, "direction": "HIGHER_IS_BETTER"}},
 *     {"metric": "log_loss", "slice": "payment_type=Cash", "upperBound": 0.6},
 *     {"metric": "accuracy", "slice": "*", "lowerBound": 0.5}
 *   ]
 * }
 * }</pre>
 *
 * <p>A threshold's {@code slice} is absent or {@code ""} for the overall slice, a slice key such as
 * {@code "payment_type=Cash"} (crosses {@code "a=x,b=y"}), or {@code "*"} for every slice the
 * candidate has. Semantics are {@link ModelValidation}'s (TFMA's).
 *
 * @param batchSize records per inference call in the evaluator (at least 256)
 */
public record EvaluationConfig(
    List<List<String>> slices,
    long minSliceSize,
    BootstrapConfig bootstrap,
    List<Double> confusionThresholds,
    List<Integer> topK,
    int batchSize,
    List<Threshold> thresholds)
    implements Serializable {

  public static final int DEFAULT_BATCH_SIZE = 1024;
  public static final int MIN_BATCH_SIZE = 256;

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  /** Poisson bootstrap of the overall slice's metrics. */
  public record BootstrapConfig(int samples, long seed) implements Serializable {
    public BootstrapConfig {
      if (samples < 2) {
        throw new IllegalArgumentException("bootstrap needs at least 2 samples: " + samples);
      }
    }
  }

  /** A change against the baseline; {@code absolute} and/or {@code relative}. */
  public record Change(Double absolute, Double relative, Direction direction)
      implements Serializable {
    public Change {
      if (direction == null) {
        throw new IllegalArgumentException(
            "a change threshold needs a direction: HIGHER_IS_BETTER or LOWER_IS_BETTER");
      }
      if (absolute == null && relative == null) {
        throw new IllegalArgumentException("a change threshold needs absolute or relative");
      }
    }
  }

  /** Bounds on one metric's value and/or its change against the baseline, in one slice scope. */
  public record Threshold(
      String metric, String slice, Double lowerBound, Double upperBound, Change change)
      implements Serializable {
    public Threshold {
      Objects.requireNonNull(metric, "threshold without a metric");
      if (lowerBound == null && upperBound == null && change == null) {
        throw new IllegalArgumentException(
            "threshold on '" + metric + "' has no lowerBound, upperBound or change");
      }
    }
  }

  public EvaluationConfig {
    slices = slices == null ? List.of() : slices.stream().map(List::copyOf).toList();
    for (List<String> slice : slices) {
      if (slice.isEmpty()) {
        throw new IllegalArgumentException("an empty slice definition");
      }
    }
    if (minSliceSize < 0) {
      throw new IllegalArgumentException("minSliceSize must be >= 0: " + minSliceSize);
    }
    confusionThresholds =
        confusionThresholds == null ? List.of() : List.copyOf(confusionThresholds);
    topK = topK == null ? List.of() : List.copyOf(topK);
    if (batchSize == 0) {
      batchSize = DEFAULT_BATCH_SIZE;
    }
    if (batchSize < MIN_BATCH_SIZE) {
      throw new IllegalArgumentException(
          "batchSize must be at least " + MIN_BATCH_SIZE + ": " + batchSize);
    }
    thresholds = thresholds == null ? List.of() : List.copyOf(thresholds);
  }

  /** No slices, no bootstrap, no thresholds: every model is blessed. */
  public static EvaluationConfig defaults() {
    return new EvaluationConfig(null, 0, null, null, null, 0, null);
  }

  public EvaluationConfig withSlices(List<List<String>> slices) {
    return new EvaluationConfig(
        slices, minSliceSize, bootstrap, confusionThresholds, topK, batchSize, thresholds);
  }

  public EvaluationConfig withMinSliceSize(long minSliceSize) {
    return new EvaluationConfig(
        slices, minSliceSize, bootstrap, confusionThresholds, topK, batchSize, thresholds);
  }

  public EvaluationConfig withBootstrap(int samples, long seed) {
    return new EvaluationConfig(
        slices,
        minSliceSize,
        new BootstrapConfig(samples, seed),
        confusionThresholds,
        topK,
        batchSize,
        thresholds);
  }

  public EvaluationConfig withConfusionThresholds(List<Double> confusionThresholds) {
    return new EvaluationConfig(
        slices, minSliceSize, bootstrap, confusionThresholds, topK, batchSize, thresholds);
  }

  public EvaluationConfig withTopK(List<Integer> topK) {
    return new EvaluationConfig(
        slices, minSliceSize, bootstrap, confusionThresholds, topK, batchSize, thresholds);
  }

  public EvaluationConfig withBatchSize(int batchSize) {
    return new EvaluationConfig(
        slices, minSliceSize, bootstrap, confusionThresholds, topK, batchSize, thresholds);
  }

  public EvaluationConfig withThresholds(List<Threshold> thresholds) {
    return new EvaluationConfig(
        slices, minSliceSize, bootstrap, confusionThresholds, topK, batchSize, thresholds);
  }

  /** The thresholds as {@link ModelValidation.Thresholds}. */
  public ModelValidation.Thresholds validationThresholds() {
    ModelValidation.Thresholds.Builder builder = ModelValidation.Thresholds.builder();
    for (Threshold t : thresholds) {
      String slice = t.slice() == null ? SlicedMetrics.OVERALL : t.slice();
      if (ModelValidation.Thresholds.ALL_SLICES.equals(slice)) {
        builder.forAllSlices();
      } else {
        builder.forSlice(slice);
      }
      ModelValidation.ValueThreshold value =
          t.lowerBound() == null && t.upperBound() == null
              ? null
              : new ModelValidation.ValueThreshold(t.lowerBound(), t.upperBound());
      ModelValidation.ChangeThreshold change =
          t.change() == null
              ? null
              : new ModelValidation.ChangeThreshold(
                  t.change().absolute(), t.change().relative(), t.change().direction());
      builder.add(new ModelValidation.MetricThreshold(t.metric(), value, change));
    }
    return builder.build();
  }

  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static EvaluationConfig fromJson(String json) throws IOException {
    return JSON.readValue(json, EvaluationConfig.class);
  }

  public static EvaluationConfig read(Path file) throws IOException {
    try {
      return JSON.readValue(Files.readAllBytes(file), EvaluationConfig.class);
    } catch (IOException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }
}
