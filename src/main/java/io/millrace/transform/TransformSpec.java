package io.millrace.transform;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.millrace.artifact.PathNames;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureSpec;
import io.millrace.record.FeatureType;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What preprocessing to do: the analogue of TensorFlow Transform's {@code preprocessing_fn}, as
 * data. Each {@link Step} makes one model input from raw features; steps that need full-pass
 * constants (mean, vocabulary, quantiles) are fitted on the training data by {@link
 * TransformAnalyzer}, and the fitted result is applied identically by {@link FeatureTransformer},
 * by {@code ApplyTransform} in a pipeline, and inside a TensorFlow graph.
 *
 * <pre>{@code
 * TransformSpec spec = TransformSpec.builder()
 *     .zScore("fare_z", "fare")
 *     .vocabulary("payment_type_id", "payment_type", Vocabulary.options().withNumOovBuckets(10))
 *     .bucketize("pickup_latitude_bucket", "pickup_latitude", 10)
 *     .label("big_tipper", "tips > 0.2 * fare")
 *     .build();
 * }</pre>
 *
 * The same definition as a file (JSON, for the CLI) is {@link #toJson()} / {@link #fromJson}.
 */
public final class TransformSpec implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  /** The kinds of step. Names are TensorFlow Transform's where it has the same function. */
  public enum Kind {
    /** (x - mean) / std, with the population std of the training data; 0 when std is 0. */
    SCALE_TO_Z_SCORE,
    /** (x - min) / (max - min); 0.5 when max = min. */
    SCALE_TO_0_1,
    /** lo + (x - min) / (max - min) * (hi - lo); the middle of [lo, hi] when max = min. */
    SCALE_BY_MIN_MAX,
    /** The index of the quantile bucket of x among {@code num_buckets} (int64). */
    BUCKETIZE,
    /** log(1 + x). */
    LOG1P,
    /** x clipped to [min, max]. */
    CLIP,
    /** x itself (a numeric feature's first value). */
    PASSTHROUGH,
    /** A string's index in the training vocabulary, or an out-of-vocabulary bucket (int64). */
    COMPUTE_AND_APPLY_VOCABULARY,
    /** FarmHash Fingerprint64 of the string, modulo {@code num_buckets} (int64). */
    HASH_STRINGS,
    /** The hash bucket of two features' values joined, as a crossed categorical (int64). */
    HASHED_CROSS,
    /** An arithmetic or boolean expression over raw numeric features, e.g. a derived label. */
    EXPRESSION
  }

  /**
   * One output feature.
   *
   * @param output the output feature's name
   * @param kind what it computes
   * @param inputs the raw features it reads (two for a cross, those named in an expression)
   * @param params the step's settings (see the builder methods), JSON-friendly values
   */
  public record Step(String output, Kind kind, List<String> inputs, Map<String, Object> params)
      implements Serializable {
    @JsonCreator
    public Step(
        @JsonProperty("output") String output,
        @JsonProperty("kind") Kind kind,
        @JsonProperty("inputs") List<String> inputs,
        @JsonProperty("params") Map<String, Object> params) {
      this.output = Objects.requireNonNull(output, "output");
      this.kind = Objects.requireNonNull(kind, "kind of " + output);
      this.inputs = List.copyOf(inputs == null ? List.of() : inputs);
      this.params = params == null ? Map.of() : new LinkedHashMap<>(params);
    }

    /** A numeric parameter, or {@code otherwise} when not set. */
    public double number(String name, double otherwise) {
      Object v = params.get(name);
      return v == null ? otherwise : ((Number) v).doubleValue();
    }

    /** An integer parameter, or {@code otherwise} when not set. */
    public long integer(String name, long otherwise) {
      Object v = params.get(name);
      return v == null ? otherwise : ((Number) v).longValue();
    }

    public String text(String name, String otherwise) {
      Object v = params.get(name);
      return v == null ? otherwise : v.toString();
    }

    public String input() {
      return inputs.get(0);
    }

    /**
     * The type of the feature this step outputs, given the raw features: known before any fit, so a
     * pipeline knows the transformed records' schema when it is built.
     */
    public FeatureType outputType(ExampleSchema raw) {
      inputs.forEach(raw::requireIndex);
      return switch (kind) {
        case COMPUTE_AND_APPLY_VOCABULARY ->
            Boolean.TRUE.equals(params.get("one_hot")) ? FeatureType.FLOAT : FeatureType.INT;
        case BUCKETIZE, HASH_STRINGS, HASHED_CROSS -> FeatureType.INT;
        case PASSTHROUGH ->
            raw.type(raw.requireIndex(input())) == FeatureType.INT
                ? FeatureType.INT
                : FeatureType.FLOAT;
        case EXPRESSION ->
            Expression.parse(text("expression", "")).isBoolean()
                ? FeatureType.INT
                : FeatureType.FLOAT;
        case SCALE_TO_Z_SCORE, SCALE_TO_0_1, SCALE_BY_MIN_MAX, LOG1P, CLIP -> FeatureType.FLOAT;
      };
    }
  }

  private final List<Step> steps;

  @JsonCreator
  private TransformSpec(@JsonProperty("steps") List<Step> steps) {
    this.steps = List.copyOf(steps);
    validate();
  }

  public List<Step> steps() {
    return steps;
  }

  /**
   * The features a record transformed by this definition has, in step order, given the raw features
   * it is fitted on and applied to: what the fitted transform's {@link
   * FittedTransform#outputSchema()} will be.
   *
   * @throws IllegalArgumentException when a step reads a feature {@code raw} lacks
   */
  public ExampleSchema outputSchema(ExampleSchema raw) {
    List<FeatureSpec> features = new ArrayList<>();
    for (Step step : steps) {
      features.add(FeatureSpec.of(step.output(), step.outputType(raw)));
    }
    return ExampleSchema.of(features);
  }

  public static Builder builder() {
    return new Builder();
  }

  private void validate() {
    Set<String> outputs = new HashSet<>();
    for (Step step : steps) {
      // Outputs name files (a vocabulary is vocabularies/<output>.txt): one safe segment each.
      PathNames.requireSegment("transform step output", step.output());
      if (!outputs.add(step.output())) {
        throw new IllegalArgumentException("two steps write the output '" + step.output() + "'");
      }
      int expectedInputs =
          switch (step.kind()) {
            case HASHED_CROSS -> 2;
            case EXPRESSION -> -1;
            default -> 1;
          };
      if (expectedInputs >= 0 && step.inputs().size() != expectedInputs) {
        throw new IllegalArgumentException(
            step.output()
                + ": "
                + step.kind()
                + " takes "
                + expectedInputs
                + " input(s), not "
                + step.inputs());
      }
      checkParams(step);
      if (step.kind() == Kind.EXPRESSION) {
        // The runtime reads the expression's features from the inputs by position.
        List<String> features = Expression.parse(step.text("expression", "")).features();
        if (!features.equals(step.inputs())) {
          throw new IllegalArgumentException(
              step.output()
                  + ": the inputs of an EXPRESSION are the features it names, in order: "
                  + features
                  + ", not "
                  + step.inputs());
        }
      }
      if (step.kind() == Kind.BUCKETIZE && !step.params().containsKey("num_buckets")) {
        throw new IllegalArgumentException(step.output() + ": bucketize needs num_buckets >= 2");
      }
      if ((step.kind() == Kind.HASH_STRINGS || step.kind() == Kind.HASHED_CROSS)
          && !step.params().containsKey("num_buckets")) {
        throw new IllegalArgumentException(step.output() + ": hashing needs num_buckets >= 1");
      }
    }
  }

  /**
   * The most ids one categorical output may have (hash buckets, OOV buckets, a vocabulary's top_k):
   * far above useful vocabularies (TFX's taxi example hashes into 1,000 buckets), yet small enough
   * that one id column's weights fit in memory. The trainer bounds the whole model's weights.
   */
  public static final long MAX_IDS = 1L << 24;

  /**
   * The most quantile buckets: beyond the quantile sketch's resolution (rank error 0.7%), extra
   * boundaries only repeat.
   */
  public static final long MAX_QUANTILE_BUCKETS = 1L << 16;

  /**
   * The most entries of a one-hot vector, which every transformed record carries in full: more
   * values are better fed as ids (embedded by the model).
   */
  public static final long MAX_ONE_HOT = 1L << 14;

  /** The parameters each kind of step reads; any other is an error, as a misspelt one would be. */
  private static final Map<Kind, Set<String>> PARAMS =
      Map.ofEntries(
          Map.entry(Kind.SCALE_TO_Z_SCORE, Set.of("fill")),
          Map.entry(Kind.SCALE_TO_0_1, Set.of("fill")),
          Map.entry(Kind.SCALE_BY_MIN_MAX, Set.of("fill", "min", "max")),
          Map.entry(Kind.BUCKETIZE, Set.of("fill", "num_buckets")),
          Map.entry(Kind.LOG1P, Set.of("fill")),
          Map.entry(Kind.CLIP, Set.of("fill", "min", "max")),
          Map.entry(Kind.PASSTHROUGH, Set.of("fill")),
          Map.entry(
              Kind.COMPUTE_AND_APPLY_VOCABULARY,
              Set.of(
                  "top_k", "frequency_threshold", "num_oov_buckets", "default_value", "one_hot")),
          Map.entry(Kind.HASH_STRINGS, Set.of("num_buckets")),
          Map.entry(Kind.HASHED_CROSS, Set.of("num_buckets")),
          Map.entry(Kind.EXPRESSION, Set.of("expression")));

  /** Each parameter known to its kind and of the type and range the step needs. */
  private static void checkParams(Step step) {
    Set<String> known = PARAMS.get(step.kind());
    for (Map.Entry<String, Object> param : step.params().entrySet()) {
      String name = param.getKey();
      Object value = param.getValue();
      String where = step.output() + ": " + step.kind() + " parameter '" + name + "'";
      if (!known.contains(name)) {
        throw new IllegalArgumentException(
            where + " is not one it takes; it takes " + new TreeSet<>(known));
      }
      switch (name) {
        case "fill" -> {
          if (!(value instanceof Number) && !"mean".equals(value)) {
            throw new IllegalArgumentException(where + " is a number or \"mean\", not " + value);
          }
        }
        case "min", "max" -> requireNumber(where, value);
        case "one_hot" -> {
          if (!(value instanceof Boolean)) {
            throw new IllegalArgumentException(where + " is true or false, not " + value);
          }
        }
        case "expression" -> {
          if (!(value instanceof String)) {
            throw new IllegalArgumentException(where + " is text, not " + value);
          }
        }
        case "num_buckets" ->
            requireWhole(
                where,
                value,
                step.kind() == Kind.BUCKETIZE ? 2 : 1,
                step.kind() == Kind.BUCKETIZE ? MAX_QUANTILE_BUCKETS : MAX_IDS);
        case "num_oov_buckets" -> requireWhole(where, value, 0, MAX_IDS);
        case "top_k" -> {
          if (!Long.valueOf(-1).equals(wholeOrNull(value))) {
            requireWhole(where + " (-1 for every value)", value, 1, MAX_IDS);
          }
        }
        case "frequency_threshold" -> requireWhole(where, value, 0, Long.MAX_VALUE);
        case "default_value" -> requireWhole(where, value, -MAX_IDS, MAX_IDS);
        default -> throw new IllegalStateException("unchecked parameter " + name);
      }
    }
    if (Boolean.TRUE.equals(step.params().get("one_hot"))
        && (step.integer("num_oov_buckets", 0) > MAX_ONE_HOT
            || step.integer("top_k", -1) > MAX_ONE_HOT)) {
      throw new IllegalArgumentException(
          step.output()
              + ": a one-hot vector has at most "
              + MAX_ONE_HOT
              + " entries (top_k plus num_oov_buckets); use ids (one_hot false) for more values");
    }
    if (step.params().containsKey("min") && step.params().containsKey("max")) {
      double min = step.number("min", 0);
      double max = step.number("max", 0);
      if (!(min <= max)) {
        throw new IllegalArgumentException(
            step.output() + ": " + step.kind() + " needs min <= max, not " + min + " > " + max);
      }
    }
  }

  private static void requireNumber(String where, Object value) {
    if (!(value instanceof Number n) || !Double.isFinite(n.doubleValue())) {
      throw new IllegalArgumentException(where + " is a finite number, not " + value);
    }
  }

  /** A JSON whole number as a long, or null. */
  private static Long wholeOrNull(Object value) {
    if (value instanceof Integer || value instanceof Long || value instanceof Short) {
      return ((Number) value).longValue();
    }
    if (value instanceof BigInteger b && b.bitLength() < 64) {
      return b.longValue();
    }
    return null;
  }

  private static void requireWhole(String where, Object value, long min, long max) {
    Long n = wholeOrNull(value);
    if (n == null || n < min || n > max) {
      throw new IllegalArgumentException(
          where
              + " is a whole number in ["
              + min
              + ", "
              + (max == Long.MAX_VALUE ? "..." : String.format("%,d", max))
              + "], not "
              + value);
    }
  }

  /** The definition as JSON: {@code {"steps": [{"output", "kind", "inputs", "params"}, ...]}}. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(Map.of("steps", steps));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static TransformSpec fromJson(String json) {
    try {
      return JSON.readValue(json, TransformSpec.class);
    } catch (JsonProcessingException e) {
      if (e.getCause() instanceof IllegalArgumentException invalid) {
        throw invalid; // a definition that parses but breaks a rule: its own message is clearer
      }
      throw new IllegalArgumentException(
          "not a transform definition: " + e.getOriginalMessage(), e);
    }
  }

  public static TransformSpec read(Path file) throws IOException {
    try {
      return fromJson(Files.readString(file));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TransformSpec other && other.steps.equals(steps);
  }

  @Override
  public int hashCode() {
    return steps.hashCode();
  }

  /** Vocabulary settings with TensorFlow Transform's defaults. */
  public record VocabularyOptions(
      long topK, long frequencyThreshold, long numOovBuckets, long defaultValue) {
    public static VocabularyOptions defaults() {
      return new VocabularyOptions(-1, 0, 0, -1);
    }

    /** Keep only the k most frequent values (-1: all). */
    public VocabularyOptions withTopK(long k) {
      return new VocabularyOptions(k, frequencyThreshold, numOovBuckets, defaultValue);
    }

    /** Keep only values seen at least this often. */
    public VocabularyOptions withFrequencyThreshold(long threshold) {
      return new VocabularyOptions(topK, threshold, numOovBuckets, defaultValue);
    }

    /** Out-of-vocabulary values go to {@code vocab_size + hash(value) % n}. */
    public VocabularyOptions withNumOovBuckets(long n) {
      return new VocabularyOptions(topK, frequencyThreshold, n, defaultValue);
    }

    /** The id of out-of-vocabulary values when there are no OOV buckets, and of missing ones. */
    public VocabularyOptions withDefaultValue(long id) {
      return new VocabularyOptions(topK, frequencyThreshold, numOovBuckets, id);
    }
  }

  /** Builds a definition step by step. */
  public static final class Builder {
    private final List<Step> steps = new ArrayList<>();

    private Builder add(String output, Kind kind, List<String> inputs, Map<String, Object> params) {
      steps.add(new Step(output, kind, inputs, params));
      return this;
    }

    public Builder zScore(String output, String input) {
      return add(output, Kind.SCALE_TO_Z_SCORE, List.of(input), Map.of());
    }

    public Builder scaleTo01(String output, String input) {
      return add(output, Kind.SCALE_TO_0_1, List.of(input), Map.of());
    }

    public Builder scaleByMinMax(String output, String input, double lo, double hi) {
      return add(output, Kind.SCALE_BY_MIN_MAX, List.of(input), Map.of("min", lo, "max", hi));
    }

    public Builder bucketize(String output, String input, int numBuckets) {
      return add(output, Kind.BUCKETIZE, List.of(input), Map.of("num_buckets", numBuckets));
    }

    public Builder log1p(String output, String input) {
      return add(output, Kind.LOG1P, List.of(input), Map.of());
    }

    public Builder clip(String output, String input, double min, double max) {
      return add(output, Kind.CLIP, List.of(input), Map.of("min", min, "max", max));
    }

    public Builder passthrough(String output, String input) {
      return add(output, Kind.PASSTHROUGH, List.of(input), Map.of());
    }

    public Builder vocabulary(String output, String input, VocabularyOptions options) {
      Map<String, Object> params = new LinkedHashMap<>();
      params.put("top_k", options.topK());
      params.put("frequency_threshold", options.frequencyThreshold());
      params.put("num_oov_buckets", options.numOovBuckets());
      params.put("default_value", options.defaultValue());
      return add(output, Kind.COMPUTE_AND_APPLY_VOCABULARY, List.of(input), params);
    }

    public Builder hashStrings(String output, String input, int numBuckets) {
      return add(output, Kind.HASH_STRINGS, List.of(input), Map.of("num_buckets", numBuckets));
    }

    public Builder hashedCross(String output, String first, String second, int numBuckets) {
      return add(
          output, Kind.HASHED_CROSS, List.of(first, second), Map.of("num_buckets", numBuckets));
    }

    /** An expression over raw numeric features; comparisons give 1 or 0. */
    public Builder expression(String output, String expression) {
      return add(
          output,
          Kind.EXPRESSION,
          Expression.parse(expression).features(),
          Map.of("expression", expression));
    }

    /**
     * Makes the last step (a vocabulary) output a one-hot vector of size vocabulary + OOV buckets
     * instead of an id; a default id of -1 gives all zeros.
     */
    public Builder oneHot() {
      return setOnLast("one_hot", true);
    }

    /** Sets how missing numeric input is filled for the last step: a constant. */
    public Builder fillMissingWith(double value) {
      return setOnLast("fill", value);
    }

    /** Missing numeric input of the last step is filled with the training mean (the default). */
    public Builder fillMissingWithMean() {
      return setOnLast("fill", "mean");
    }

    private Builder setOnLast(String name, Object value) {
      if (steps.isEmpty()) {
        throw new IllegalStateException("no step to set " + name + " on");
      }
      Step last = steps.remove(steps.size() - 1);
      Map<String, Object> params = new LinkedHashMap<>(last.params());
      params.put(name, value);
      steps.add(new Step(last.output(), last.kind(), last.inputs(), params));
      return this;
    }

    public TransformSpec build() {
      return new TransformSpec(steps);
    }
  }
}
