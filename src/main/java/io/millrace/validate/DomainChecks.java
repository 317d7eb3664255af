package io.millrace.validate;

import static io.millrace.validate.Texts.count;
import static io.millrace.validate.Texts.percent;
import static io.millrace.validate.Texts.quote;
import static io.millrace.validate.Texts.sixDigits;

import io.millrace.schema.Utf8Order;
import io.millrace.tfmd.AnomalyInfo.Type;
import io.millrace.tfmd.BoolDomain;
import io.millrace.tfmd.FeatureNameStatistics;
import io.millrace.tfmd.FloatDomain;
import io.millrace.tfmd.Histogram;
import io.millrace.tfmd.IntDomain;
import io.millrace.tfmd.NumericStatistics;
import io.millrace.tfmd.StringDomain;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Checks of a feature's statistics against its domain, with TFDV's reasons. */
final class DomainChecks {
  private static final String OUT_OF_RANGE = "Out-of-range values";
  private static final String INVALID_VALUES = "Invalid values";
  private static final String NON_BOOLEAN = "Non-boolean values";

  /** Decimal numbers as {@code absl::SimpleAtof} reads them, plus nan and inf. */
  private static final Pattern FLOAT_TEXT =
      Pattern.compile(
          "\\s*[+-]?((\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?|nan|inf|infinity)\\s*",
          Pattern.CASE_INSENSITIVE);

  private DomainChecks() {}

  /**
   * The values of the statistics that the domain lacks, with their counts. Only values in the rank
   * histogram are seen, so for features with more distinct values than it holds, rare unexpected
   * values go unnoticed (as in TFDV).
   */
  static Map<String, Double> valuesOutsideDomain(
      Map<String, Double> valueCounts, Collection<String> domain) {
    Set<String> valid = new HashSet<>(domain);
    TreeMap<String, Double> missing = new TreeMap<>(Utf8Order.COMPARATOR);
    valueCounts.forEach(
        (value, n) -> {
          if (!valid.contains(value)) {
            missing.put(value, n);
          }
        });
    return missing;
  }

  /**
   * TFDV's string domain check: an anomaly when the share of values outside the domain exceeds
   * {@code 1 - min_domain_mass}, or when any value is outside and {@code min_domain_mass} is unset
   * or 1. A {@code distribution_constraints} block without {@code min_domain_mass} allows nothing
   * outside, as in TFDV, although the proto default reads 1.0 either way.
   */
  static List<Reason> stringDomain(
      String feature, FeatureView view, StringDomain domain, String domainName, double maxOff) {
    List<Reason> reasons = new ArrayList<>();
    if (view.hasInvalidUtf8()) {
      reasons.add(
          new Reason(
              Type.ENUM_TYPE_INVALID_UTF8,
              "Invalid UTF8 strings",
              "Found strings that were not valid UTF8 strings. "
                  + feature
                  + " has values that are not UTF-8 text, so none can be in domain "
                  + domainName
                  + "."));
      return reasons;
    }
    Map<String, Double> missing = valuesOutsideDomain(view.valueCounts(), domain.getValueList());
    double missingCount = 0;
    for (double n : missing.values()) {
      missingCount += n;
    }
    double total = view.totalValueCount();
    if (missingCount / total > maxOff || (maxOff == 0 && !missing.isEmpty())) {
      String tfdv =
          "Examples contain values missing from the schema: "
              + missing.entrySet().stream()
                  .map(
                      e ->
                          Texts.cEscape(e.getKey())
                              + " ("
                              + Texts.tfdvPercentage(e.getValue(), total)
                              + ")")
                  .collect(Collectors.joining(", "))
              + ". ";
      String detail =
          feature
              + " has "
              + count(missingCount)
              + " of "
              + count(total)
              + " values ("
              + percent(missingCount / total)
              + ") outside domain "
              + domainName
              + ", more than the "
              + percent(maxOff)
              + " that min_domain_mass allows: "
              + missing.entrySet().stream()
                  .map(
                      e ->
                          quote(e.getKey())
                              + " ("
                              + count(e.getValue())
                              + " of "
                              + count(total)
                              + ", "
                              + percent(e.getValue() / total)
                              + ")")
                  .collect(Collectors.joining(", "))
              + ".";
      reasons.add(
          new Reason(
              Type.ENUM_TYPE_UNEXPECTED_STRING_VALUES, "Unexpected string values", tfdv + detail));
    }
    return reasons;
  }

  /** TFDV's int domain check: min and max of INT statistics, or of string values read as ints. */
  static List<Reason> intDomain(String feature, FeatureView view, IntDomain domain) {
    List<Reason> reasons = new ArrayList<>();
    long min;
    long max;
    FeatureNameStatistics.Type type = view.type();
    boolean fromStrings =
        type == FeatureNameStatistics.Type.STRING
            || type == FeatureNameStatistics.Type.BYTES
            || (type == FeatureNameStatistics.Type.INT && !view.valueCounts().isEmpty());
    if (type == FeatureNameStatistics.Type.INT && !fromStrings) {
      if (!view.hasNumericValues()) {
        return reasons;
      }
      NumericStatistics num = view.numStats();
      min = (long) num.getMin();
      max = (long) num.getMax();
    } else if (fromStrings) {
      if (view.valueCounts().isEmpty()) {
        return reasons;
      }
      min = Long.MAX_VALUE;
      max = Long.MIN_VALUE;
      for (String value : view.valueCounts().keySet()) {
        long parsed;
        try {
          parsed = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
          if (type != FeatureNameStatistics.Type.INT) {
            reasons.add(
                new Reason(
                    Type.INT_TYPE_NOT_INT_STRING,
                    INVALID_VALUES,
                    "String values that were not ints were found, such as \""
                        + value
                        + "\". "
                        + feature
                        + " has an int_domain, so every value must be an integer."));
          } else if (domain.hasMin() || domain.hasMax()) {
            reasons.add(
                new Reason(
                    Type.DOMAIN_INVALID_FOR_TYPE,
                    INVALID_VALUES,
                    "Integer had values that were not valid Int64, such as \"" + value + "\"."));
          }
          return reasons;
        }
        min = Math.min(min, parsed);
        max = Math.max(max, parsed);
      }
    } else {
      return reasons;
    }
    if (domain.hasMin() && domain.getMin() > min) {
      reasons.add(
          new Reason(
              Type.INT_TYPE_SMALL_INT,
              OUT_OF_RANGE,
              "Unexpectedly small value: "
                  + min
                  + ". "
                  + feature
                  + " has min "
                  + min
                  + ", below the schema's min "
                  + domain.getMin()
                  + "."));
    }
    if (domain.hasMax() && domain.getMax() < max) {
      reasons.add(
          new Reason(
              Type.INT_TYPE_BIG_INT,
              OUT_OF_RANGE,
              "Unexpectedly large value: "
                  + max
                  + ". "
                  + feature
                  + " has max "
                  + max
                  + ", above the schema's max "
                  + domain.getMax()
                  + "."));
    }
    return reasons;
  }

  /**
   * TFDV's float domain check. Bounds are float32 in the schema, so the statistics' extremes are
   * rounded to float32 before comparing, as TFDV does: a bound inferred from a maximum never flags
   * that maximum.
   */
  static List<Reason> floatDomain(String feature, FeatureView view, FloatDomain domain) {
    List<Reason> reasons = new ArrayList<>();
    FeatureNameStatistics.Type type = view.type();
    if (domain.getDisallowNan()) {
      double nan = 0;
      if (type == FeatureNameStatistics.Type.FLOAT) {
        nan = view.numNan();
      } else if (type == FeatureNameStatistics.Type.STRING) {
        for (Map.Entry<String, Double> e : view.valueCounts().entrySet()) {
          if (FLOAT_TEXT.matcher(e.getKey()).matches() && Double.isNaN(parseFloat(e.getKey()))) {
            nan += e.getValue();
          }
        }
      }
      if (nan > 0) {
        reasons.add(
            new Reason(
                Type.FLOAT_TYPE_HAS_NAN,
                INVALID_VALUES,
                "Float feature has NaN values. "
                    + feature
                    + " has "
                    + count(nan)
                    + " NaN values, and its float_domain has disallow_nan."));
      }
    }
    float min;
    float max;
    if (type == FeatureNameStatistics.Type.FLOAT) {
      if (!view.hasNumericValues() || view.numStats().getMin() > view.numStats().getMax()) {
        return reasons;
      }
      min = (float) view.numStats().getMin();
      max = (float) view.numStats().getMax();
    } else if (type == FeatureNameStatistics.Type.STRING
        || type == FeatureNameStatistics.Type.BYTES) {
      if (view.valueCounts().isEmpty()) {
        return reasons;
      }
      min = Float.POSITIVE_INFINITY;
      max = Float.NEGATIVE_INFINITY;
      for (String value : view.valueCounts().keySet()) {
        if (!FLOAT_TEXT.matcher(value).matches()) {
          reasons.add(
              new Reason(
                  Type.FLOAT_TYPE_STRING_NOT_FLOAT,
                  INVALID_VALUES,
                  "String values that were not floats were found, such as \""
                      + value
                      + "\". "
                      + feature
                      + " has a float_domain, so every value must be a number."));
          return reasons;
        }
        float parsed = parseFloat(value);
        if (!Float.isNaN(parsed)) {
          min = Math.min(min, parsed);
          max = Math.max(max, parsed);
        }
      }
      if (min > max) {
        return reasons;
      }
    } else {
      return reasons;
    }
    if (domain.hasMin() && min < domain.getMin()) {
      reasons.add(
          new Reason(
              Type.FLOAT_TYPE_SMALL_FLOAT,
              OUT_OF_RANGE,
              "Unexpectedly low values: "
                  + sixDigits(min)
                  + "<"
                  + sixDigits(domain.getMin())
                  + "(upto six significant digits). "
                  + feature
                  + " has min "
                  + min
                  + ", below the schema's min "
                  + domain.getMin()
                  + "."));
    }
    if (domain.hasMax() && max > domain.getMax()) {
      reasons.add(
          new Reason(
              Type.FLOAT_TYPE_BIG_FLOAT,
              OUT_OF_RANGE,
              "Unexpectedly high value: "
                  + sixDigits(max)
                  + ">"
                  + sixDigits(domain.getMax())
                  + "(upto six significant digits). "
                  + feature
                  + " has max "
                  + max
                  + ", above the schema's max "
                  + domain.getMax()
                  + "."));
    }
    if (domain.getDisallowInf() && (Float.isInfinite(min) || Float.isInfinite(max))) {
      reasons.add(
          new Reason(
              Type.FLOAT_TYPE_HAS_INF,
              INVALID_VALUES,
              "Float feature has Inf values. "
                  + feature
                  + " ranges from "
                  + min
                  + " to "
                  + max
                  + ", and its float_domain has disallow_inf."));
    }
    return reasons;
  }

  /** TFDV's bool domain check: integers in {0, 1}, floats 0 or 1, strings the two spellings. */
  static List<Reason> boolDomain(String feature, FeatureView view, BoolDomain domain) {
    List<Reason> reasons = new ArrayList<>();
    switch (view.type()) {
      case INT:
        if (!view.hasNumericValues()) {
          break;
        }
        if (view.numStats().getMin() < 0) {
          reasons.add(notBoolean(Type.BOOL_TYPE_SMALL_INT, feature, view.numStats().getMin()));
        } else if (view.numStats().getMax() > 1) {
          reasons.add(notBoolean(Type.BOOL_TYPE_BIG_INT, feature, view.numStats().getMax()));
        }
        break;
      case FLOAT:
        if (!view.hasNumericValues()) {
          break;
        }
        double min = view.numStats().getMin();
        double max = view.numStats().getMax();
        if (min != 0 && min != 1) {
          reasons.add(notBooleanFloat(feature, sixDigits(min)));
        } else if (max != 0 && max != 1) {
          reasons.add(notBooleanFloat(feature, sixDigits(max)));
        } else if (view.numNan() > 0) {
          reasons.add(notBooleanFloat(feature, "NaN"));
        } else {
          for (Histogram histogram : view.numStats().getHistogramsList()) {
            for (Histogram.Bucket bucket : histogram.getBucketsList()) {
              if (bucket.getSampleCount() > 0
                  && bucket.getHighValue() < 1
                  && bucket.getLowValue() > 0) {
                reasons.add(
                    new Reason(
                        Type.BOOL_TYPE_UNEXPECTED_FLOAT,
                        NON_BOOLEAN,
                        "Float values falling between 0 and 1: converting to float_domain. "
                            + feature
                            + " has a bool_domain."));
                return reasons;
              }
            }
          }
        }
        break;
      case STRING:
        Set<String> valid = new TreeSet<>(Utf8Order.COMPARATOR);
        if (domain.hasTrueValue()) {
          valid.add(domain.getTrueValue());
        }
        if (domain.hasFalseValue()) {
          valid.add(domain.getFalseValue());
        }
        for (String value : view.valueCounts().keySet()) {
          if (!valid.contains(value)) {
            String validText =
                valid.isEmpty() ? "{}" : "{\"" + String.join("\", \"", valid) + "\"}";
            reasons.add(
                new Reason(
                    Type.BOOL_TYPE_UNEXPECTED_STRING,
                    NON_BOOLEAN,
                    "Saw unexpected value \""
                        + value
                        + "\" instead of "
                        + validText
                        + ". "
                        + feature
                        + " has a bool_domain."));
            break;
          }
        }
        break;
      default:
        break;
    }
    return reasons;
  }

  private static Reason notBoolean(Type type, String feature, double value) {
    return new Reason(
        type,
        NON_BOOLEAN,
        "Integers (such as "
            + sixDigits(value)
            + ") not in {0, 1}: converting to an integer. "
            + feature
            + " has a bool_domain.");
  }

  private static Reason notBooleanFloat(String feature, String example) {
    return new Reason(
        Type.BOOL_TYPE_UNEXPECTED_FLOAT,
        NON_BOOLEAN,
        "Floats (such as "
            + example
            + ") not in {0, 1}: converting to float_domain. "
            + feature
            + " has a bool_domain.");
  }

  private static float parseFloat(String text) {
    String t = text.trim().toLowerCase();
    String unsigned = t.startsWith("+") || t.startsWith("-") ? t.substring(1) : t;
    if (unsigned.equals("nan")) {
      return Float.NaN;
    }
    if (unsigned.equals("inf") || unsigned.equals("infinity")) {
      return t.startsWith("-") ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
    }
    return Float.parseFloat(t);
  }
}
