package io.millrace.schema;

import java.io.Serializable;

/**
 * How {@link SchemaInference} turns statistics into a schema. Immutable; {@code withX} methods
 * return copies. The defaults give TFDV's {@code infer_schema} result, plus categorical integers.
 */
public final class InferenceOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int maxStringDomainSize;
  private final int categoricalIntMaxValues;
  private final boolean inferNumericRanges;
  private final boolean inferFeatureShape;

  private InferenceOptions(
      int maxStringDomainSize,
      int categoricalIntMaxValues,
      boolean inferNumericRanges,
      boolean inferFeatureShape) {
    this.maxStringDomainSize = maxStringDomainSize;
    this.categoricalIntMaxValues = categoricalIntMaxValues;
    this.inferNumericRanges = inferNumericRanges;
    this.inferFeatureShape = inferFeatureShape;
  }

  /** String domains of up to 100 values (TFDV's default), categorical integers of up to 100. */
  public static InferenceOptions defaults() {
    return new InferenceOptions(100, 100, false, false);
  }

  /** The most distinct values a string feature may have to get a string domain. */
  public int maxStringDomainSize() {
    return maxStringDomainSize;
  }

  /**
   * The most distinct values an integer feature may have to be marked categorical; 0 marks none.
   */
  public int categoricalIntMaxValues() {
    return categoricalIntMaxValues;
  }

  /** Whether numeric features get an int/float domain with the observed min and max. */
  public boolean inferNumericRanges() {
    return inferNumericRanges;
  }

  /**
   * Whether required features of fixed valency get {@code shape} instead of {@code value_count}, as
   * TFDV's {@code infer_feature_shape=True} does (TFT then parses them as dense tensors).
   */
  public boolean inferFeatureShape() {
    return inferFeatureShape;
  }

  public InferenceOptions withMaxStringDomainSize(int size) {
    checkNotNegative(size, "maxStringDomainSize");
    return new InferenceOptions(
        size, categoricalIntMaxValues, inferNumericRanges, inferFeatureShape);
  }

  public InferenceOptions withCategoricalIntMaxValues(int max) {
    checkNotNegative(max, "categoricalIntMaxValues");
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

  @Override
  public String toString() {
    return "InferenceOptions{maxStringDomainSize="
        + maxStringDomainSize
        + ", categoricalIntMaxValues="
        + categoricalIntMaxValues
        + ", inferNumericRanges="
        + inferNumericRanges
        + ", inferFeatureShape="
        + inferFeatureShape
        + "}";
  }
}
