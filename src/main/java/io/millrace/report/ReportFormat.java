package io.millrace.report;

import io.millrace.stats.CustomStatisticNames;
import io.millrace.stats.FeatureStatistics;
import io.millrace.tfmd.Anomalies;
import io.millrace.tfmd.AnomalyInfo;
import io.millrace.tfmd.CommonStatistics;
import io.millrace.tfmd.CustomStatistic;
import io.millrace.tfmd.FeatureNameStatistics;
import io.millrace.tfmd.Histogram;
import io.millrace.tfmd.NumericStatistics;
import io.millrace.tfmd.Path;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Number formatting and statistics look-ups shared by the text and HTML reports. */
final class ReportFormat {
  private static final String[] SUFFIXES = {"", "k", "M", "B", "T"};

  private ReportFormat() {}

  /** A number in at most 4 significant digits: {@code 0.1}, {@code 1234}, {@code 12.35k}. */
  static String compact(double value) {
    return compact(value, 4);
  }

  /**
   * A number in at most {@code digits} significant digits: plain below {@code 10^digits}, with a
   * k/M/B/T suffix up to 10^15, in scientific notation beyond, and below 0.001.
   */
  static String compact(double value, int digits) {
    if (Double.isNaN(value)) {
      return "NaN";
    }
    if (Double.isInfinite(value)) {
      return value > 0 ? "inf" : "-inf";
    }
    if (value == 0) {
      return "0";
    }
    BigDecimal rounded = new BigDecimal(value).round(new MathContext(digits, RoundingMode.HALF_UP));
    double abs = Math.abs(rounded.doubleValue());
    if (abs < 1e-3 || abs >= 1e15) {
      return scientific(value, digits);
    }
    int integerDigits = rounded.precision() - rounded.scale();
    if (integerDigits <= digits) {
      return rounded.stripTrailingZeros().toPlainString();
    }
    int group = (integerDigits - 1) / 3;
    return rounded.movePointLeft(3 * group).stripTrailingZeros().toPlainString() + SUFFIXES[group];
  }

  private static String scientific(double value, int digits) {
    String s = String.format(Locale.ROOT, "%." + (digits - 1) + "e", value);
    int e = s.indexOf('e');
    String mantissa = s.substring(0, e);
    if (mantissa.indexOf('.') >= 0) {
      mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
    }
    return mantissa + "e" + Integer.parseInt(s.substring(e + 1));
  }

  /**
   * A numeric feature's mean, min, median and max ({@code [0..3]}), with as many significant digits
   * (at least 4) as it takes for min, median and max to look different where they are: a narrow
   * range of large values (census tracts) needs more than 4.
   */
  static String[] centers(NumericStatistics n) {
    int digits = distinguishingDigits(n.getMin(), n.getMedian(), n.getMax());
    return new String[] {
      compact(n.getMean(), digits),
      compact(n.getMin(), digits),
      compact(n.getMedian(), digits),
      compact(n.getMax(), digits)
    };
  }

  /**
   * The fewest significant digits, from 4 up to 12, with which values that differ get different
   * {@link #compact} texts.
   */
  static int distinguishingDigits(double... values) {
    int digits = 4;
    for (; digits < 12; digits++) {
      boolean distinct = true;
      for (int i = 0; i < values.length && distinct; i++) {
        for (int j = i + 1; j < values.length && distinct; j++) {
          distinct =
              Double.compare(values[i], values[j]) == 0
                  || !compact(values[i], digits).equals(compact(values[j], digits));
        }
      }
      if (distinct) {
        break;
      }
    }
    return digits;
  }

  /**
   * {@code part} as a percentage of {@code whole} with one decimal; never rounds a non-zero share
   * to {@code 0%} or a partial one to {@code 100%}.
   */
  static String percent(double part, double whole) {
    if (!(whole > 0) || Double.isNaN(part)) {
      return "-";
    }
    double p = 100 * part / whole;
    if (p == 0) {
      return "0%";
    }
    if (p == 100) {
      return "100%";
    }
    if (p > 0 && p < 0.05) {
      return "<0.1%";
    }
    if (p > 99.95 && p < 100) {
      return ">99.9%";
    }
    return String.format(Locale.ROOT, "%.1f%%", p);
  }

  static String featureName(FeatureNameStatistics feature) {
    if (feature.hasPath()) {
      return pathName(feature.getPath());
    }
    return feature.getName();
  }

  static String pathName(Path path) {
    return String.join(".", path.getStepList());
  }

  static String typeName(FeatureNameStatistics feature) {
    return feature.getType().name();
  }

  static boolean isNumeric(FeatureNameStatistics feature) {
    return feature.hasNumStats();
  }

  static boolean isString(FeatureNameStatistics feature) {
    return feature.hasStringStats();
  }

  static CommonStatistics common(FeatureNameStatistics feature) {
    CommonStatistics common = FeatureStatistics.common(feature);
    return common == null ? CommonStatistics.getDefaultInstance() : common;
  }

  /** The number of values of a feature (over all examples): what value frequencies divide. */
  static double totalValues(FeatureNameStatistics feature) {
    CommonStatistics common = common(feature);
    if (common.getTotNumValues() > 0) {
      return common.getTotNumValues();
    }
    return common.getNumNonMissing() * (double) common.getAvgNumValues();
  }

  static CustomStatistic custom(FeatureNameStatistics feature, String name) {
    for (CustomStatistic c : feature.getCustomStatsList()) {
      if (c.getName().equals(name)) {
        return c;
      }
    }
    return null;
  }

  /** A numeric custom statistic, or NaN when the feature does not have it. */
  static double customNum(FeatureNameStatistics feature, String name) {
    CustomStatistic c = custom(feature, name);
    return c != null && c.hasNum() ? c.getNum() : Double.NaN;
  }

  static boolean isSketchedUnique(FeatureNameStatistics feature) {
    CustomStatistic c = custom(feature, CustomStatisticNames.UNIQUE_METHOD);
    return c != null && "hll_sketch".equals(c.getStr());
  }

  /**
   * The number of distinct values, {@code ~}-prefixed when estimated by a sketch, or null when the
   * statistics do not count them.
   */
  static String unique(FeatureNameStatistics feature) {
    String approx = isSketchedUnique(feature) ? "~" : "";
    if (feature.hasStringStats()) {
      return approx + compact(feature.getStringStats().getUnique());
    }
    if (feature.hasBytesStats()) {
      return approx + compact(feature.getBytesStats().getUnique());
    }
    double unique = customNum(feature, CustomStatisticNames.UNIQUE);
    return Double.isNaN(unique) ? null : compact(unique);
  }

  /** The first histogram of a type, or null. */
  static Histogram histogram(NumericStatistics stats, Histogram.HistogramType type) {
    for (Histogram h : stats.getHistogramsList()) {
      if (h.getType() == type && h.getBucketsCount() > 0) {
        return h;
      }
    }
    return null;
  }

  /**
   * The anomalies by feature name: TFDV keys {@code anomaly_info} by feature name (or serialized
   * path); a path in the info wins.
   */
  static Map<String, AnomalyInfo> anomaliesByFeature(Anomalies anomalies) {
    Map<String, AnomalyInfo> byFeature = new LinkedHashMap<>();
    if (anomalies == null) {
      return byFeature;
    }
    for (Map.Entry<String, AnomalyInfo> e : anomalies.getAnomalyInfoMap().entrySet()) {
      AnomalyInfo info = e.getValue();
      String name =
          info.hasPath() && info.getPath().getStepCount() > 0
              ? pathName(info.getPath())
              : e.getKey();
      byFeature.put(name, info);
    }
    return byFeature;
  }

  /** The short description of an anomaly, falling back to its reasons' or its long one. */
  static String shortDescription(AnomalyInfo info) {
    if (!info.getShortDescription().isEmpty()) {
      return info.getShortDescription();
    }
    StringBuilder s = new StringBuilder();
    for (AnomalyInfo.Reason r : info.getReasonList()) {
      if (!r.getShortDescription().isEmpty()) {
        s.append(s.length() == 0 ? "" : "; ").append(r.getShortDescription());
      }
    }
    return s.length() > 0 ? s.toString() : info.getDescription();
  }

  /** The long description of an anomaly, falling back to its reasons'. */
  static String description(AnomalyInfo info) {
    if (!info.getDescription().isEmpty()) {
      return info.getDescription();
    }
    StringBuilder s = new StringBuilder();
    for (AnomalyInfo.Reason r : info.getReasonList()) {
      if (!r.getDescription().isEmpty()) {
        s.append(s.length() == 0 ? "" : " ").append(r.getDescription());
      }
    }
    return s.toString();
  }

  /** A value as shown in a chart or table: cut to {@code max} characters, empty made visible. */
  static String displayValue(String value, int max) {
    return value.isEmpty() ? "\"\"" : truncate(value, max);
  }

  /** Cuts a text to at most {@code max} code points, marking the cut with {@code ...}. */
  static String truncate(String s, int max) {
    if (s.codePointCount(0, s.length()) <= max) {
      return s;
    }
    int end = s.offsetByCodePoints(0, Math.max(0, max - 3));
    return s.substring(0, end) + "...";
  }
}
