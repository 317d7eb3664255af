package io.millrace.schema;

import io.millrace.stats.CustomStatisticNames;
import io.millrace.stats.FeatureStatistics;
import io.millrace.tfmd.CommonStatistics;
import io.millrace.tfmd.CustomStatistic;
import io.millrace.tfmd.DatasetFeatureStatistics;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.tfmd.Feature;
import io.millrace.tfmd.FeatureNameStatistics;
import io.millrace.tfmd.FeaturePresence;
import io.millrace.tfmd.FeatureType;
import io.millrace.tfmd.FixedShape;
import io.millrace.tfmd.FloatDomain;
import io.millrace.tfmd.IntDomain;
import io.millrace.tfmd.NumericStatistics;
import io.millrace.tfmd.RankHistogram;
import io.millrace.tfmd.Schema;
import io.millrace.tfmd.StringDomain;
import io.millrace.tfmd.StringStatistics;
import io.millrace.tfmd.ValueCount;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * Infers a TensorFlow Metadata schema from the statistics of a data set, as TFDV's {@code
 * infer_schema} does, so that the result can be curated and then used to validate later spans.
 *
 * <p>Rules, TFDV's unless said otherwise:
 *
 * <ul>
 *   <li><b>Type</b>: INT, FLOAT, or BYTES for STRING and BYTES statistics.
 *   <li><b>Presence</b>: {@code min_count: 1} (0 when the feature never occurred), plus {@code
 *       min_fraction: 1.0} only when the feature was in every example. A feature that was missing
 *       even once gets no {@code min_fraction}: TFDV would otherwise have to pick a fraction from
 *       one sample, and the next span that is a hair below it (99.9996% where training saw
 *       99.9997%) raises "Column dropped" although nothing changed. Curate a {@code min_fraction}
 *       by hand where a drop in coverage matters.
 *   <li><b>Valency</b>: {@code value_count {min: N max: N}} when every example had N values (so
 *       univalent features read {@code min: 1 max: 1} and parse as dense tensors downstream); only
 *       {@code min: 1} when the number varies, because a maximum seen in one sample is not a limit;
 *       nothing when some example had an empty list.
 *   <li><b>String domains</b>: for STRING features with at most {@link
 *       InferenceOptions#maxStringDomainSize()} distinct values, all counted exactly and all in the
 *       rank histogram. Declared at the top level and referenced by name ({@code domain:
 *       "payment_type"}), values in byte order, as TFDV writes them, so that curated TFDV schemas
 *       and ours diff cleanly. Features whose bytes are not all UTF-8 get no domain.
 *   <li><b>Categorical integers</b> (Millrace's rule; TFDV never infers them): {@code int_domain
 *       {is_categorical: true}} when the exact distinct count is between 2 and {@link
 *       InferenceOptions#categoricalIntMaxValues()}, values are non-negative, they fill at least
 *       half of the range {@code [min, max]} (codes such as hours, days, months or community areas
 *       are dense; a quantity such as seconds with a long tail is not), and each value occurs five
 *       times on average (so that a small sample of identifiers does not qualify). A small count
 *       such as passengers 1..6 passes too: statistics cannot tell it from a code; curate it.
 *   <li><b>Ranges</b> ({@code int_domain}/{@code float_domain} min and max) only with {@link
 *       InferenceOptions#inferNumericRanges()}: an observed extreme is rarely a real bound.
 *   <li>No dataset constraints, environments or comparators: those are curation decisions.
 * </ul>
 *
 * <p>Features come out in name order, as TFDV lists them. Presence uses unweighted counts.
 */
public final class SchemaInference {
  /** Each value of a categorical integer must occur this many times on average. */
  static final int MIN_MEAN_OCCURRENCES_OF_CATEGORY = 5;

  private final InferenceOptions options;

  private SchemaInference(InferenceOptions options) {
    this.options = options;
  }

  public static SchemaInference create(InferenceOptions options) {
    return new SchemaInference(options);
  }

  public static SchemaInference defaults() {
    return new SchemaInference(InferenceOptions.defaults());
  }

  public InferenceOptions options() {
    return options;
  }

  /** Infers from the default slice ("All Examples", or the only data set). */
  public Schema infer(DatasetFeatureStatisticsList statistics) {
    return infer(DefaultSlice.of(statistics));
  }

  public Schema infer(DatasetFeatureStatistics statistics) {
    TreeMap<String, FeatureNameStatistics> byName = new TreeMap<>(Utf8Order.COMPARATOR);
    for (FeatureNameStatistics feature : statistics.getFeaturesList()) {
      String name = topLevelName(feature);
      if (name != null && FeatureStatistics.common(feature) != null) {
        byName.putIfAbsent(name, feature);
      }
    }
    Schema.Builder schema = Schema.newBuilder();
    Set<String> domainNames = new HashSet<>();
    for (var entry : byName.entrySet()) {
      schema.addFeature(feature(entry.getKey(), entry.getValue(), schema, domainNames));
    }
    return schema.build();
  }

  private Feature feature(
      String name, FeatureNameStatistics stats, Schema.Builder schema, Set<String> domainNames) {
    CommonStatistics common = FeatureStatistics.common(stats);
    Feature.Builder feature = Feature.newBuilder().setName(name).setType(type(stats.getType()));
    FeaturePresence.Builder presence = FeaturePresence.newBuilder();
    if (common.getNumNonMissing() > 0 && common.getNumMissing() == 0) {
      presence.setMinFraction(1.0);
    }
    presence.setMinCount(common.getNumNonMissing() > 0 ? 1 : 0);
    feature.setPresence(presence);
    if (common.getNumNonMissing() > 0 && common.getMinNumValues() > 0) {
      ValueCount.Builder valency = ValueCount.newBuilder();
      if (common.getMinNumValues() == common.getMaxNumValues()) {
        valency.setMin(common.getMinNumValues()).setMax(common.getMaxNumValues());
      } else {
        valency.setMin(1);
      }
      if (options.inferFeatureShape()
          && presence.getMinFraction() == 1.0
          && valency.hasMax()
          && valency.getMin() == valency.getMax()) {
        feature.setShape(
            FixedShape.newBuilder().addDim(FixedShape.Dim.newBuilder().setSize(valency.getMin())));
      } else {
        feature.setValueCount(valency);
      }
    }
    switch (stats.getType()) {
      case STRING:
        List<String> values = stringDomainValues(stats);
        if (values != null) {
          String domainName = uniqueName(name, domainNames);
          schema.addStringDomain(StringDomain.newBuilder().setName(domainName).addAllValue(values));
          feature.setDomain(domainName);
        }
        break;
      case INT:
        IntDomain.Builder ints = IntDomain.newBuilder();
        if (isCategorical(stats)) {
          ints.setIsCategorical(true);
        }
        NumericStatistics num = stats.getNumStats();
        if (options.inferNumericRanges() && common.getTotNumValues() > 0) {
          ints.setMin((long) num.getMin()).setMax((long) num.getMax());
        }
        if (!ints.build().equals(IntDomain.getDefaultInstance())) {
          feature.setIntDomain(ints);
        }
        break;
      case FLOAT:
        NumericStatistics floats = stats.getNumStats();
        if (options.inferNumericRanges() && common.getTotNumValues() > 0) {
          FloatDomain.Builder range = FloatDomain.newBuilder();
          if (Double.isFinite(floats.getMin())) {
            range.setMin((float) floats.getMin());
          }
          if (Double.isFinite(floats.getMax())) {
            range.setMax((float) floats.getMax());
          }
          if (range.hasMin() || range.hasMax()) {
            feature.setFloatDomain(range);
          }
        }
        break;
      default:
        break;
    }
    return feature.build();
  }

  /** The sorted values of a string domain for the feature, or null when it should not get one. */
  private List<String> stringDomainValues(FeatureNameStatistics stats) {
    StringStatistics strings = stats.getStringStats();
    String method = customString(stats, CustomStatisticNames.UNIQUE_METHOD);
    if ((method != null && !method.equals("exact"))
        || strings.getInvalidUtf8Count() > 0
        || strings.getUnique() == 0
        || strings.getUnique() > options.maxStringDomainSize()) {
      return null;
    }
    List<String> values = new ArrayList<>();
    for (RankHistogram.Bucket bucket : strings.getRankHistogram().getBucketsList()) {
      values.add(bucket.getLabel());
    }
    if (values.size() != strings.getUnique() || values.contains("__BYTES_VALUE__")) {
      return null;
    }
    values.sort(Utf8Order.COMPARATOR);
    return values;
  }

  private boolean isCategorical(FeatureNameStatistics stats) {
    Double unique = customNumber(stats, CustomStatisticNames.UNIQUE);
    NumericStatistics num = stats.getNumStats();
    long total = num.getCommonStats().getTotNumValues();
    if (unique == null || unique < 2 || unique > options.categoricalIntMaxValues()) {
      return false;
    }
    double span = num.getMax() - num.getMin() + 1;
    return num.getMin() >= 0
        && span <= 2 * unique
        && total >= MIN_MEAN_OCCURRENCES_OF_CATEGORY * unique;
  }

  private static String uniqueName(String candidate, Set<String> taken) {
    String name = candidate;
    for (int i = 2; !taken.add(name); i++) {
      name = candidate + i;
    }
    return name;
  }

  /** The feature's name when it is a top-level feature, null for nested paths. */
  private static String topLevelName(FeatureNameStatistics feature) {
    if (feature.hasPath()) {
      return feature.getPath().getStepCount() == 1 ? feature.getPath().getStep(0) : null;
    }
    return feature.getName();
  }

  static FeatureType type(FeatureNameStatistics.Type type) {
    switch (type) {
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

  private static Double customNumber(FeatureNameStatistics stats, String name) {
    for (CustomStatistic custom : stats.getCustomStatsList()) {
      if (custom.getName().equals(name) && custom.getValCase() == CustomStatistic.ValCase.NUM) {
        return custom.getNum();
      }
    }
    return null;
  }

  private static String customString(FeatureNameStatistics stats, String name) {
    for (CustomStatistic custom : stats.getCustomStatsList()) {
      if (custom.getName().equals(name) && custom.getValCase() == CustomStatistic.ValCase.STR) {
        return custom.getStr();
      }
    }
    return null;
  }
}
