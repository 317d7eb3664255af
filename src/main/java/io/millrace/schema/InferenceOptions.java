package io.millrace.schema;

import java.io.Serializable;

/**
 * How {@link SchemaInference} turns statistics into a schema. The defaults give TFDV's {@code
 * infer_schema} result, plus categorical integers.
 *
 * @param maxStringDomainSize the most distinct values a string feature may have to get a string
 *     domain
 * @param categoricalIntMaxValues the most distinct values an integer feature may have to be marked
 *     categorical; 0 marks none
 * @param inferNumericRanges whether numeric features get an int/float domain with the observed min
 *     and max
 * @param inferFeatureShape whether required features of fixed valency get {@code shape} instead of
 *     {@code value_count}, as TFDV's {@code infer_feature_shape=True} does (TFT then parses them as
 *     dense tensors)
 */
public record InferenceOptions(
    int maxStringDomainSize,
    int categoricalIntMaxValues,
    boolean inferNumericRanges,
    boolean inferFeatureShape)
    implements Serializable {

  public InferenceOptions {
    checkNotNegative(maxStringDomainSize, "maxStringDomainSize");
    checkNotNegative(categoricalIntMaxValues, "categoricalIntMaxValues");
  }

  /** String domains of up to 100 values (TFDV's default), categorical integers of up to 100. */
  public static InferenceOptions defaults() {
    return new InferenceOptions(100, 100, false, false);
  }

  public InferenceOptions withMaxStringDomainSize(int size) {
    return new InferenceOptions(
        size, categoricalIntMaxValues, inferNumericRanges, inferFeatureShape);
  }

  public InferenceOptions withCategoricalIntMaxValues(int max) {
    return new InferenceOptions(maxStringDomainSize, max, inferNumericRanges, inferFeatureShape);
  }

  public InferenceOptions withInferNumericRanges(boolean infer) {
    return new InferenceOptions(
        maxStringDomainSize, categoricalIntMaxValues, infer, inferFeatureShape);
  }

  public InferenceOptions withInferFeatureShape(boolean infer) {
    return new InferenceOptions(
        maxStringDomainSize, categoricalIntMaxValues, inferNumericRanges, infer);
  }

  private static void checkNotNegative(int value, String name) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must not be negative: " + value);
    }
  }
}
