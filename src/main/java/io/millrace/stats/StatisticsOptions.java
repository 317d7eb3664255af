package io.millrace.stats;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.datasketches.kll.KllSketch;

/**
 * What {@code GenerateStatistics} computes, with TFDV's defaults: top 20 values, rank histograms of
 * up to 1000 values, 10-bucket histograms.
 *
 * @param exactDistinctLimit distinct values per string feature (and slice) counted exactly; beyond
 *     it, sketches take over
 * @param weightFeature the feature whose first value weighs each example, or null for unweighted
 *     statistics
 * @param slices the slicings: each a list of features whose value combination names a slice, e.g.
 *     {@code [payment_type]} gives slices {@code payment_type_Cash}, {@code payment_type_Credit
 *     Card}
 */
public record StatisticsOptions(
    int topK,
    int rankHistogramBuckets,
    int histogramBuckets,
    int quantilesSketchK,
    int exactDistinctLimit,
    int maxSlices,
    String weightFeature,
    List<List<String>> slices)
    implements Serializable {

  /** KLL's k for a normalized rank error below 1% (about 0.7%). */
  public static final int DEFAULT_QUANTILES_SKETCH_K = 400;

  public StatisticsOptions {
    checkPositive(topK, "topK");
    checkPositive(rankHistogramBuckets, "rankHistogramBuckets");
    checkPositive(histogramBuckets, "histogramBuckets");
    if (quantilesSketchK < 8 || quantilesSketchK > 65535) {
      throw new IllegalArgumentException(
          "quantiles sketch k must be in [8, 65535]: " + quantilesSketchK);
    }
    checkPositive(exactDistinctLimit, "exactDistinctLimit");
    checkPositive(maxSlices, "maxSlices");
    for (List<String> slice : Objects.requireNonNull(slices, "slices")) {
      if (slice.isEmpty()) {
        throw new IllegalArgumentException("a slice needs at least one feature");
      }
    }
    slices = slices.stream().map(List::copyOf).toList();
  }

  public static StatisticsOptions defaults() {
    return new StatisticsOptions(
        20, 1000, 10, DEFAULT_QUANTILES_SKETCH_K, 100_000, 1000, null, List.of());
  }

  /** The normalized rank error of the quantiles (and so of the quantiles histograms). */
  public double quantilesRankError() {
    return KllSketch.getNormalizedRankError(quantilesSketchK, false);
  }

  public StatisticsOptions withTopK(int topK) {
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
        more);
  }

  private static void checkPositive(int value, String name) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
  }
}
