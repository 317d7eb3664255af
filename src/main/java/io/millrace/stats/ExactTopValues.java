package io.millrace.stats;

import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureType;
import io.millrace.tfmd.CustomStatistic;
import io.millrace.tfmd.DatasetFeatureStatistics;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.tfmd.FeatureNameStatistics;
import io.millrace.tfmd.StringStatistics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Exact top values of the string features whose one-pass counts stopped being exact.
 *
 * <p>Beyond {@link StatisticsOptions#exactDistinctLimit()} distinct values a feature's top values
 * come from a frequent-items sketch, whose estimates, and even which values it keeps, depend on the
 * order of updates and merges: the same data cut into other bundles gave other top values. No
 * bounded summary whose state depends only on the multiset was found that keeps the values
 * themselves (a Count-Min sketch's counts are order-free, its candidate values are not). So, as
 * TFDV's TopKUniques counts every string value with a keyed sum, a second pass counts the values of
 * only those features ({@link Values}), and {@link #withExactTopValues} rewrites their top values
 * and rank histogram from the exact counts. Data with no such feature costs nothing more.
 */
public final class ExactTopValues {
  /**
   * A string feature of one data set ("All Examples" or a slice) whose top values a sketch gave.
   */
  public record Target(String dataset, String feature) {}

  private ExactTopValues() {}

  /** The string features, per data set, whose top values are a sketch's estimates. */
  public static Set<Target> sketched(DatasetFeatureStatisticsList stats) {
    Set<Target> targets = new LinkedHashSet<>();
    for (DatasetFeatureStatistics dataset : stats.getDatasetsList()) {
      for (FeatureNameStatistics feature : dataset.getFeaturesList()) {
        if (feature.hasStringStats() && isSketched(feature)) {
          targets.add(new Target(dataset.getName(), feature.getName()));
        }
      }
    }
    return targets;
  }

  private static boolean isSketched(FeatureNameStatistics feature) {
    for (CustomStatistic custom : feature.getCustomStatsList()) {
      if (custom.getName().equals(CustomStatisticNames.UNIQUE_METHOD)) {
        return !custom.getStr().equals("exact");
      }
    }
    return false;
  }

  /** Receives one value of a target feature; called once per occurrence. */
  @FunctionalInterface
  public interface ValueSink {
    void accept(Target target, byte[] value);
  }

  /** Hands each value of the target features in an example to a sink, in every data set. */
  public static final class Values {
    private final StatisticsAccumulator datasets;
    private final Map<String, List<Target>> targetsByDataset = new LinkedHashMap<>();
    private final Map<Target, Integer> featureIndex = new LinkedHashMap<>();

    public Values(ExampleSchema schema, StatisticsOptions options, Set<Target> targets) {
      this.datasets = StatisticsAccumulator.create(schema, options);
      for (Target target : targets) {
        int index = schema.requireIndex(target.feature());
        if (schema.type(index) != FeatureType.BYTES) {
          throw new IllegalArgumentException(
              "feature '" + target.feature() + "' is " + schema.type(index) + ", not BYTES");
        }
        featureIndex.put(target, index);
        targetsByDataset.computeIfAbsent(target.dataset(), d -> new ArrayList<>()).add(target);
      }
    }

    public boolean isEmpty() {
      return featureIndex.isEmpty();
    }

    public void forEach(Example example, ValueSink sink) {
      if (featureIndex.isEmpty()) {
        return;
      }
      for (String dataset : datasets.datasetsOf(example)) {
        List<Target> targets = targetsByDataset.get(dataset);
        if (targets == null) {
          continue;
        }
        for (Target target : targets) {
          Object raw = example.rawValues(featureIndex.get(target));
          if (raw != null) {
            for (byte[] value : (byte[][]) raw) {
              sink.accept(target, value);
            }
          }
        }
      }
    }
  }

  /**
   * The statistics with the top values and rank histogram of each target replaced by the most
   * frequent of its exactly counted values, ordered as {@link StringValues#top} orders them.
   *
   * @param top for each target of {@link #sketched}, at least its {@code max(topK,
   *     rankHistogramBuckets)} most frequent values with exact counts, in any order
   * @throws IllegalStateException when a sketched feature has no counts: its top values would stay
   *     order-dependent
   */
  public static DatasetFeatureStatisticsList withExactTopValues(
      DatasetFeatureStatisticsList stats,
      Map<Target, List<StringValues.ValueCount>> top,
      StatisticsOptions options) {
    DatasetFeatureStatisticsList.Builder list = stats.toBuilder();
    for (DatasetFeatureStatistics.Builder dataset : list.getDatasetsBuilderList()) {
      for (FeatureNameStatistics.Builder feature : dataset.getFeaturesBuilderList()) {
        if (!feature.hasStringStats() || !isSketched(feature.build())) {
          continue;
        }
        Target target = new Target(dataset.getName(), feature.getName());
        List<StringValues.ValueCount> counted = top.get(target);
        if (counted == null) {
          throw new IllegalStateException(
              "no exact counts of the values of '"
                  + target.feature()
                  + "' in "
                  + target.dataset()
                  + ": its top values would depend on how the data was cut");
        }
        StringStatistics.Builder strings = feature.getStringStatsBuilder();
        DatasetStatistics.setTopValues(
            strings,
            counted.stream()
                .sorted(StringValues.MOST_FREQUENT_FIRST)
                .limit(DatasetStatistics.rankedValues(options))
                .toList(),
            options);
      }
    }
    return list.build();
  }

  /** How many of a feature's most frequent values {@link #withExactTopValues} needs. */
  public static int rankedValues(StatisticsOptions options) {
    return DatasetStatistics.rankedValues(options);
  }
}
