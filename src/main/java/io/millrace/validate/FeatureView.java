package io.millrace.validate;

import io.millrace.schema.Utf8Order;
import io.millrace.stats.CustomStatisticNames;
import io.millrace.stats.FeatureStatistics;
import io.millrace.tfmd.CommonStatistics;
import io.millrace.tfmd.CustomStatistic;
import io.millrace.tfmd.DatasetFeatureStatistics;
import io.millrace.tfmd.FeatureNameStatistics;
import io.millrace.tfmd.FeatureType;
import io.millrace.tfmd.Histogram;
import io.millrace.tfmd.HistogramSelection;
import io.millrace.tfmd.NumericStatistics;
import io.millrace.tfmd.PresenceAndValencyStatistics;
import io.millrace.tfmd.RankHistogram;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The statistics of one feature as validation reads them (TFDV's {@code FeatureStatsView}):
 * weighted counts when every feature of the data set has them, unweighted otherwise.
 */
final class FeatureView {
  private static final String INVALID_UTF8_LABEL = "__BYTES_VALUE__";

  private final FeatureNameStatistics stats;
  private final CommonStatistics common;
  private final boolean byWeight;
  private final double numExamples;
  private Map<String, Double> valueCounts;

  private FeatureView(
      FeatureNameStatistics stats, CommonStatistics common, boolean byWeight, double numExamples) {
    this.stats = stats;
    this.common = common;
    this.byWeight = byWeight;
    this.numExamples = numExamples;
  }

  /** The top-level features of a data set by name, skipping those without statistics. */
  static Map<String, FeatureView> byName(DatasetFeatureStatistics dataset, boolean byWeight) {
    double numExamples =
        byWeight ? dataset.getWeightedNumExamples() : (double) dataset.getNumExamples();
    Map<String, FeatureView> result = new LinkedHashMap<>();
    for (FeatureNameStatistics feature : dataset.getFeaturesList()) {
      CommonStatistics common = FeatureStatistics.common(feature);
      String name = topLevelName(feature);
      if (common != null && name != null) {
        result.putIfAbsent(name, new FeatureView(feature, common, byWeight, numExamples));
      }
    }
    return result;
  }

  /** TFDV's rule: weighted when the data set has a weight and so has every feature. */
  static boolean weighted(DatasetFeatureStatistics dataset) {
    if (dataset.getWeightedNumExamples() == 0) {
      return false;
    }
    for (FeatureNameStatistics feature : dataset.getFeaturesList()) {
      CommonStatistics common = FeatureStatistics.common(feature);
      if (common != null && !common.hasWeightedCommonStats()) {
        return false;
      }
    }
    return true;
  }

  static double numExamples(DatasetFeatureStatistics dataset, boolean byWeight) {
    return byWeight ? dataset.getWeightedNumExamples() : dataset.getNumExamples();
  }

  private static String topLevelName(FeatureNameStatistics feature) {
    if (feature.hasPath()) {
      return feature.getPath().getStepCount() == 1 ? feature.getPath().getStep(0) : null;
    }
    return feature.getName();
  }

  FeatureNameStatistics.Type type() {
    return stats.getType();
  }

  /** The schema type the statistics' type corresponds to: STRING and BYTES are both BYTES. */
  FeatureType featureType() {
    switch (stats.getType()) {
      case INT:
        return FeatureType.INT;
      case FLOAT:
        return FeatureType.FLOAT;
      case STRING:
      case BYTES:
        return FeatureType.BYTES;
      case STRUCT:
        return FeatureType.STRUCT;
      default:
        return FeatureType.TYPE_UNKNOWN;
    }
  }

  double numExamples() {
    return numExamples;
  }

  double numPresent() {
    return byWeight
        ? common.getWeightedCommonStats().getNumNonMissing()
        : common.getNumNonMissing();
  }

  double numMissing() {
    return byWeight ? common.getWeightedCommonStats().getNumMissing() : common.getNumMissing();
  }

  /** Present / examples; exactly 1 when nothing is missing, so rounding cannot fake a drop. */
  Double fractionPresent() {
    if (numMissing() == 0) {
      return 1.0;
    }
    return numExamples > 0 ? numPresent() / numExamples : null;
  }

  /** The total number of values over all examples. */
  double totalValueCount() {
    if (byWeight) {
      return common.getWeightedCommonStats().getTotNumValues();
    }
    if (common.getTotNumValues() == 0) {
      return common.getNumNonMissing() * (double) common.getAvgNumValues();
    }
    return common.getTotNumValues();
  }

  /** Min and max values per example at each nesting level (one level for flat features). */
  List<long[]> minMaxNumValues() {
    List<long[]> levels = new ArrayList<>();
    if (common.getPresenceAndValencyStatsCount() > 0) {
      for (PresenceAndValencyStatistics level : common.getPresenceAndValencyStatsList()) {
        levels.add(new long[] {level.getMinNumValues(), level.getMaxNumValues()});
      }
    } else {
      levels.add(new long[] {common.getMinNumValues(), common.getMaxNumValues()});
    }
    return levels;
  }

  boolean hasStringStats() {
    return stats.hasStringStats();
  }

  /**
   * The values with their counts from the rank histogram, in byte order; empty for numeric
   * features. A truncated histogram holds only the most frequent values, as in TFDV.
   */
  Map<String, Double> valueCounts() {
    if (valueCounts == null) {
      TreeMap<String, Double> counts = new TreeMap<>(Utf8Order.COMPARATOR);
      RankHistogram histogram =
          byWeight
              ? stats.getStringStats().getWeightedStringStats().getRankHistogram()
              : stats.getStringStats().getRankHistogram();
      for (RankHistogram.Bucket bucket : histogram.getBucketsList()) {
        counts.putIfAbsent(bucket.getLabel(), bucket.getSampleCount());
      }
      valueCounts = Collections.unmodifiableMap(counts);
    }
    return valueCounts;
  }

  /** Whether some values are not valid UTF-8 (then the statistics are BYTES, not STRING). */
  boolean hasInvalidUtf8() {
    if (stats.getType() == FeatureNameStatistics.Type.BYTES) {
      return true;
    }
    if (stats.getStringStats().getInvalidUtf8Count() > 0) {
      return true;
    }
    Double custom = customNumber(CustomStatisticNames.NUM_INVALID_UTF8);
    return (custom != null && custom > 0) || valueCounts().containsKey(INVALID_UTF8_LABEL);
  }

  NumericStatistics numStats() {
    return stats.getNumStats();
  }

  /** Whether a numeric feature has any value, so that its min and max mean something. */
  boolean hasNumericValues() {
    return stats.hasNumStats() && common.getTotNumValues() > 0;
  }

  /** The histogram of a kind (STANDARD unless QUANTILES is asked for), or null. */
  Histogram histogram(HistogramSelection.Type selection) {
    if (!stats.hasNumStats()) {
      return null;
    }
    Histogram.HistogramType wanted =
        selection == HistogramSelection.Type.QUANTILES
            ? Histogram.HistogramType.QUANTILES
            : Histogram.HistogramType.STANDARD;
    List<Histogram> histograms =
        byWeight
            ? stats.getNumStats().getWeightedNumericStats().getHistogramsList()
            : stats.getNumStats().getHistogramsList();
    for (Histogram histogram : histograms) {
      if (histogram.getType() == wanted) {
        return histogram;
      }
    }
    return null;
  }

  /** The number of NaN values, from the histograms (and Millrace's custom statistic). */
  double numNan() {
    double nan = 0;
    for (Histogram histogram : stats.getNumStats().getHistogramsList()) {
      nan = Math.max(nan, histogram.getNumNan());
    }
    Double custom = customNumber(CustomStatisticNames.NUM_NAN);
    return custom != null ? Math.max(nan, custom) : nan;
  }

  /** The number of distinct values, for string statistics only (as TFDV's unique checks). */
  Long unique() {
    return stats.hasStringStats() ? stats.getStringStats().getUnique() : null;
  }

  private Double customNumber(String name) {
    for (CustomStatistic custom : stats.getCustomStatsList()) {
      if (custom.getName().equals(name) && custom.getValCase() == CustomStatistic.ValCase.NUM) {
        return custom.getNum();
      }
    }
    return null;
  }
}
