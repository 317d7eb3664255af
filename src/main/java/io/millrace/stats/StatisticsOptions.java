package io.millrace.stats;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.datasketches.kll.KllSketch;

/**
 * What {@code GenerateStatistics} computes, with TFDV's defaults: top 20 values, rank histograms of
 * up to 1000 values, 10-bucket histograms. Immutable; {@code withX} methods return copies.
 */
public final class StatisticsOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  /** KLL's k for a normalized rank error below 1% (about 0.7%). */
  public static final int DEFAULT_QUANTILES_SKETCH_K = 400;

  private final int topK;
  private final int rankHistogramBuckets;
  private final int histogramBuckets;
  private final int quantilesSketchK;
  private final int exactDistinctLimit;
  private final int maxSlices;
  private final String weightFeature;
  private final List<List<String>> slices;

  private StatisticsOptions(
      int topK,
      int rankHistogramBuckets,
      int histogramBuckets,
      int quantilesSketchK,
      int exactDistinctLimit,
      int maxSlices,
      String weightFeature,
      List<List<String>> slices) {
    this.topK = topK;
    this.rankHistogramBuckets = rankHistogramBuckets;
    this.histogramBuckets = histogramBuckets;
    this.quantilesSketchK = quantilesSketchK;
    this.exactDistinctLimit = exactDistinctLimit;
    this.maxSlices = maxSlices;
    this.weightFeature = weightFeature;
    this.slices = slices;
  }

  public static StatisticsOptions defaults() {
    return new StatisticsOptions(
        20, 1000, 10, DEFAULT_QUANTILES_SKETCH_K, 100_000, 1000, null, List.of());
  }

  public int topK() {
    return topK;
  }

  public int rankHistogramBuckets() {
    return rankHistogramBuckets;
  }

  public int histogramBuckets() {
    return histogramBuckets;
  }

  public int quantilesSketchK() {
    return quantilesSketchK;
  }

  /** The normalized rank error of the quantiles (and so of the quantiles histograms). */
  public double quantilesRankError() {
    return KllSketch.getNormalizedRankError(quantilesSketchK, false);
  }

  /**
   * Distinct values per string feature (and slice) counted exactly; beyond it, sketches take over.
   */
  public int exactDistinctLimit() {
    return exactDistinctLimit;
  }

  public int maxSlices() {
    return maxSlices;
  }

  /** The feature whose first value weighs each example, or null for unweighted statistics. */
  public String weightFeature() {
    return weightFeature;
  }

  /**
   * The slicings: each a list of features whose value combination names a slice, e.g. {@code
   * [payment_type]} gives slices {@code payment_type_Cash}, {@code payment_type_Credit Card}.
   */
  public List<List<String>> slices() {
    return slices;
  }

  public StatisticsOptions withTopK(int topK) {
    checkPositive(topK, "topK");
    return new StatisticsOptions(
        topK,
        rankHistogramBuckets,
        histogramBuckets,
        quantilesSketchK,
        exactDistinctLimit,
        maxSlices,
        weightFeature,
        slices);
  }

  public StatisticsOptions withHistogramBuckets(int buckets) {
    checkPositive(buckets, "histogramBuckets");
    return new StatisticsOptions(
        topK,
        rankHistogramBuckets,
        buckets,
        quantilesSketchK,
        exactDistinctLimit,
        maxSlices,
        weightFeature,
        slices);
  }

  public StatisticsOptions withQuantilesSketchK(int k) {
    if (k < 8 || k > 65535) {
      throw new IllegalArgumentException("quantiles sketch k must be in [8, 65535]: " + k);
    }
    return new StatisticsOptions(
        topK,
        rankHistogramBuckets,
        histogramBuckets,
        k,
        exactDistinctLimit,
        maxSlices,
        weightFeature,
        slices);
  }

  public StatisticsOptions withExactDistinctLimit(int limit) {
    checkPositive(limit, "exactDistinctLimit");
    return new StatisticsOptions(
        topK,
        rankHistogramBuckets,
        histogramBuckets,
        quantilesSketchK,
        limit,
        maxSlices,
        weightFeature,
        slices);
  }

  public StatisticsOptions withMaxSlices(int max) {
    checkPositive(max, "maxSlices");
    return new StatisticsOptions(
        topK,
        rankHistogramBuckets,
        histogramBuckets,
        quantilesSketchK,
        exactDistinctLimit,
        max,
        weightFeature,
        slices);
  }

  public StatisticsOptions withWeightFeature(String feature) {
    return new StatisticsOptions(
        topK,
        rankHistogramBuckets,
        histogramBuckets,
        quantilesSketchK,
        exactDistinctLimit,
        maxSlices,
        Objects.requireNonNull(feature, "feature"),
        slices);
  }

  /** Adds a slicing by the values of one feature, or by the combined values of several. */
  public StatisticsOptions withSlice(String... features) {
    if (features.length == 0) {
      throw new IllegalArgumentException("a slice needs at least one feature");
    }
    List<List<String>> more = new ArrayList<>(slices);
    more.add(List.of(features));
    return new StatisticsOptions(
        topK,
        rankHistogramBuckets,
        histogramBuckets,
        quantilesSketchK,
        exactDistinctLimit,
        maxSlices,
        weightFeature,
        List.copyOf(more));
  }

  private static void checkPositive(int value, String name) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StatisticsOptions other
        && other.topK == topK
        && other.rankHistogramBuckets == rankHistogramBuckets
        && other.histogramBuckets == histogramBuckets
        && other.quantilesSketchK == quantilesSketchK
        && other.exactDistinctLimit == exactDistinctLimit
        && other.maxSlices == maxSlices
        && Objects.equals(other.weightFeature, weightFeature)
        && other.slices.equals(slices);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        topK,
        rankHistogramBuckets,
        histogramBuckets,
        quantilesSketchK,
        exactDistinctLimit,
        maxSlices,
        weightFeature,
        slices);
  }

  @Override
  public String toString() {
    return "StatisticsOptions{topK="
        + topK
        + ", histogramBuckets="
        + histogramBuckets
        + ", quantilesSketchK="
        + quantilesSketchK
        + ", exactDistinctLimit="
        + exactDistinctLimit
        + ", weightFeature="
        + weightFeature
        + ", slices="
        + slices
        + "}";
  }
}
