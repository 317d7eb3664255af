package io.millrace.validate;

import static io.millrace.validate.Texts.count;

import io.millrace.tfmd.AnomalyInfo.Type;
import io.millrace.tfmd.Feature;
import io.millrace.tfmd.FeatureNameStatistics;
import io.millrace.tfmd.FeaturePresence;
import io.millrace.tfmd.FeatureType;
import io.millrace.tfmd.FixedShape;
import io.millrace.tfmd.Schema;
import io.millrace.tfmd.StringDomain;
import io.millrace.tfmd.ValueCount;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The checks of one schema feature against its statistics, in TFDV's order ({@code
 * Schema::UpdateFeatureInternal}): schema sanity, presence in any example, environment, valency,
 * shape, presence bounds, type, domain, unique values. Comparators are in {@link Comparators}.
 */
final class FeatureChecks {
  private static final String DROPPED = "Column dropped";

  private final Schema schema;
  private final String environment;

  FeatureChecks(Schema schema, String environment) {
    this.schema = schema;
    this.environment = environment;
  }

  /** The reasons the feature's statistics do not conform, and whether comparators may run. */
  record Result(List<Reason> reasons, boolean compare) {}

  Result check(Feature feature, FeatureView view) {
    String name = feature.getName();
    List<Reason> reasons = new ArrayList<>();
    FeatureType type = feature.getType();
    boolean domainUsable = true;
    if (!feature.hasType()) {
      if (feature.hasDomain() || feature.hasStringDomain()) {
        reasons.add(
            new Reason(
                Type.FEATURE_MISSING_TYPE,
                "unspecified type: inferring the type to be BYTES, given the domain specified.",
                "Feature " + name + " has no type in the schema; its domain makes it BYTES."));
        type = FeatureType.BYTES;
      } else {
        reasons.add(
            new Reason(
                Type.FEATURE_MISSING_TYPE,
                "unspecified type: determine the type and set it, rather than deprecating.",
                "Feature " + name + " has no type in the schema, so it is not validated."));
        return new Result(reasons, false);
      }
    }
    String domainProblem = domainProblem(feature, type);
    if (domainProblem != null) {
      reasons.add(
          new Reason(
              domainProblem.startsWith("missing domain")
                  ? Type.INVALID_SCHEMA_SPECIFICATION
                  : Type.DOMAIN_INVALID_FOR_TYPE,
              domainProblem.startsWith("missing domain")
                  ? domainProblem
                  : "The domain does not match the type",
              domainProblem + " (feature " + name + "); the domain is not checked."));
      domainUsable = false;
    }

    if (view.numPresent() == 0) {
      if (Environments.isExistenceRequired(schema, feature, environment)) {
        reasons.add(
            new Reason(
                Type.FEATURE_TYPE_NOT_PRESENT,
                DROPPED,
                "The feature was not present in any examples. "
                    + name
                    + " is missing in all "
                    + count(view.numExamples())
                    + " examples."));
      }
      return new Result(reasons, false);
    }

    if (!Environments.isInEnvironment(schema, feature, environment)) {
      reasons.add(
          new Reason(
              Type.SCHEMA_NEW_COLUMN,
              "Column missing in environment",
              "New column "
                  + Texts.serializedPath(name)
                  + " found in data but not in the environment "
                  + environment
                  + " in the schema."));
    }
    if (feature.hasValueCount()) {
      reasons.addAll(valueCount(name, feature.getValueCount(), view));
    } else if (feature.hasValueCounts()) {
      reasons.addAll(valueCounts(name, feature.getValueCounts().getValueCountList(), view));
    }
    if (feature.hasShape()) {
      reasons.addAll(shape(name, feature.getShape(), view));
    }
    if (feature.hasPresence()) {
      reasons.addAll(presence(name, feature.getPresence(), view));
    }
    if (view.featureType() != type) {
      reasons.add(
          new Reason(
              Type.UNEXPECTED_DATA_TYPE,
              "Expected data of type: " + type + " but got " + view.type(),
              "Feature "
                  + name
                  + " has "
                  + view.type()
                  + " statistics, but the schema's type is "
                  + type
                  + "."));
    }
    if (domainUsable) {
      reasons.addAll(domain(feature, view));
    }
    if (feature.hasUniqueConstraints()) {
      reasons.addAll(unique(feature, view));
    }
    return new Result(reasons, true);
  }

  /** Schema errors that make the feature's domain unusable, or null. */
  private String domainProblem(Feature feature, FeatureType type) {
    if (feature.hasDomain() && stringDomain(feature.getDomain()) == null) {
      return "missing domain: " + feature.getDomain();
    }
    boolean allowed;
    switch (feature.getDomainInfoCase()) {
      case DOMAIN:
      case STRING_DOMAIN:
      case NATURAL_LANGUAGE_DOMAIN:
      case IMAGE_DOMAIN:
      case MID_DOMAIN:
      case URL_DOMAIN:
        allowed = type == FeatureType.BYTES;
        break;
      case INT_DOMAIN:
      case TIME_DOMAIN:
        allowed = type == FeatureType.INT || type == FeatureType.BYTES;
        break;
      case FLOAT_DOMAIN:
        allowed = type == FeatureType.FLOAT || type == FeatureType.BYTES;
        break;
      case BOOL_DOMAIN:
        allowed = type != FeatureType.STRUCT;
        break;
      case STRUCT_DOMAIN:
        allowed = type == FeatureType.STRUCT;
        break;
      default:
        allowed = true;
    }
    if (!allowed) {
      return "The domain \""
          + feature.getDomainInfoCase().name().toLowerCase(Locale.ROOT)
          + "\" does not match the type: "
          + type;
    }
    return null;
  }

  private StringDomain stringDomain(String name) {
    for (StringDomain domain : schema.getStringDomainList()) {
      if (domain.getName().equals(name)) {
        return domain;
      }
    }
    return null;
  }

  private static List<Reason> valueCount(String name, ValueCount bounds, FeatureView view) {
    List<Reason> reasons = new ArrayList<>();
    List<long[]> levels = view.minMaxNumValues();
    if (levels.size() > 1) {
      reasons.add(
          new Reason(
              Type.VALUE_NESTEDNESS_MISMATCH,
              "Mismatched value nest level",
              "This feature has a value_count, but the nestedness level of the feature > 1. For"
                  + " features with nestedness levels greater than 1, value_counts, not"
                  + " value_count, should be specified."));
      return reasons;
    }
    addValencyReasons(name, bounds, levels.get(0), "", reasons);
    return reasons;
  }

  private static List<Reason> valueCounts(String name, List<ValueCount> bounds, FeatureView view) {
    List<Reason> reasons = new ArrayList<>();
    List<long[]> levels = view.minMaxNumValues();
    if (levels.size() != bounds.size()) {
      reasons.add(
          new Reason(
              Type.VALUE_NESTEDNESS_MISMATCH,
              "Mismatched value nest level",
              "The values have a different nest level than expected. Value counts will not be"
                  + " checked."));
      return reasons;
    }
    for (int i = 0; i < bounds.size(); i++) {
      addValencyReasons(name, bounds.get(i), levels.get(i), " at nestedness level " + i, reasons);
    }
    return reasons;
  }

  private static void addValencyReasons(
      String name, ValueCount bounds, long[] minMax, String level, List<Reason> reasons) {
    if (bounds.hasMin() && minMax[0] < bounds.getMin()) {
      reasons.add(
          new Reason(
              Type.FEATURE_TYPE_LOW_NUMBER_VALUES,
              "Missing values",
              "Some examples have fewer values than expected"
                  + level
                  + ". "
                  + name
                  + ": an example has "
                  + minMax[0]
                  + " values, the schema requires at least "
                  + bounds.getMin()
                  + "."));
    }
    if (bounds.hasMax() && minMax[1] > bounds.getMax()) {
      reasons.add(
          new Reason(
              Type.FEATURE_TYPE_HIGH_NUMBER_VALUES,
              "Superfluous values",
              "Some examples have more values than expected"
                  + level
                  + ". "
                  + name
                  + ": an example has "
                  + minMax[1]
                  + " values, the schema allows at most "
                  + bounds.getMax()
                  + "."));
    }
  }

  /**
   * TFDV's shape check: a fixed shape needs the feature in every example with the same number of
   * values, the product of the dimensions (what TFT needs to parse it as a dense tensor).
   */
  private static List<Reason> shape(String name, FixedShape shape, FeatureView view) {
    long expected = 1;
    for (FixedShape.Dim dim : shape.getDimList()) {
      expected *= dim.getSize();
    }
    long actual = 1;
    for (long[] level : view.minMaxNumValues()) {
      if (level[0] == level[1] && level[0] != 0) {
        actual *= level[0];
      } else {
        actual = -1;
        break;
      }
    }
    if (actual <= 0 || view.numMissing() != 0) {
      return List.of(
          new Reason(
              Type.INVALID_FEATURE_SHAPE,
              "Feature shape dropped",
              "The feature has a shape, but it's not always present (if the feature is nested,"
                  + " then it should always be present at each nested level) or its value"
                  + " lengths vary. "
                  + name
                  + " is missing in "
                  + count(view.numMissing())
                  + " examples and has "
                  + view.minMaxNumValues().get(0)[0]
                  + " to "
                  + view.minMaxNumValues().get(0)[1]
                  + " values per example; its shape needs exactly "
                  + expected
                  + "."));
    }
    if (actual != expected) {
      return List.of(
          new Reason(
              Type.INVALID_FEATURE_SHAPE,
              "Feature shape dropped",
              "The feature has fixed value length "
                  + actual
                  + " but it's not compatible with the specified shape. "
                  + name
                  + "'s shape needs "
                  + expected
                  + " values per example."));
    }
    return List.of();
  }

  /**
   * TFDV's presence check. A {@code min_fraction} of 1.0 also fails when a handful of examples in a
   * huge data set lack the feature, which the fraction (rounded to 1.0) would hide.
   */
  private static List<Reason> presence(String name, FeaturePresence bounds, FeatureView view) {
    List<Reason> reasons = new ArrayList<>();
    double present = view.numPresent();
    String of =
        " (" + name + ": " + count(present) + " of " + count(view.numExamples()) + " examples).";
    if (bounds.hasMinCount() && present < bounds.getMinCount()) {
      reasons.add(
          new Reason(
              Type.FEATURE_TYPE_LOW_NUMBER_PRESENT,
              DROPPED,
              String.format(
                      Locale.ROOT,
                      "The feature was present in fewer examples than expected: minimum count ="
                          + " %d, actual = %d",
                      bounds.getMinCount(),
                      (long) present)
                  + of));
    }
    Double fraction = view.fractionPresent();
    if (bounds.hasMinFraction() && fraction != null) {
      if (fraction < bounds.getMinFraction()) {
        reasons.add(
            new Reason(
                Type.FEATURE_TYPE_LOW_FRACTION_PRESENT,
                DROPPED,
                String.format(
                        Locale.ROOT,
                        "The feature was present in fewer examples than expected: minimum"
                            + " fraction = %f, actual = %f",
                        (double) (float) bounds.getMinFraction(),
                        fraction)
                    + of));
      } else if (bounds.getMinFraction() == 1.0 && view.numMissing() != 0) {
        reasons.add(
            new Reason(
                Type.FEATURE_TYPE_LOW_FRACTION_PRESENT,
                DROPPED,
                "The feature was expected everywhere, but was missing in "
                    + Texts.sixDigits(view.numMissing())
                    + " examples."
                    + of.substring(0, of.length() - 1)));
      }
    }
    return reasons;
  }

  private List<Reason> domain(Feature feature, FeatureView view) {
    String name = feature.getName();
    List<Reason> reasons = new ArrayList<>();
    boolean rawBytes = view.type() == FeatureNameStatistics.Type.BYTES;
    switch (feature.getDomainInfoCase()) {
      case DOMAIN:
        reasons.addAll(
            DomainChecks.stringDomain(
                name,
                view,
                stringDomain(feature.getDomain()),
                feature.getDomain(),
                maxOffDomain(feature)));
        break;
      case STRING_DOMAIN:
        StringDomain inline = feature.getStringDomain();
        reasons.addAll(
            DomainChecks.stringDomain(
                name,
                view,
                inline,
                inline.getName().isEmpty() ? name : inline.getName(),
                maxOffDomain(feature)));
        break;
      case INT_DOMAIN:
      case FLOAT_DOMAIN:
      case BOOL_DOMAIN:
        if (rawBytes) {
          reasons.add(
              new Reason(
                  Type.DOMAIN_INVALID_FOR_TYPE,
                  "Data is marked as BYTES with incompatible domain_info",
                  "Data is marked as BYTES with incompatible domain_info: "
                      + name
                      + " has values that are not UTF-8 text, and a "
                      + feature.getDomainInfoCase().name().toLowerCase(Locale.ROOT)
                      + "."));
        } else if (feature.hasIntDomain()) {
          reasons.addAll(DomainChecks.intDomain(name, view, feature.getIntDomain()));
        } else if (feature.hasFloatDomain()) {
          reasons.addAll(DomainChecks.floatDomain(name, view, feature.getFloatDomain()));
        } else {
          reasons.addAll(DomainChecks.boolDomain(name, view, feature.getBoolDomain()));
        }
        break;
      default:
        break;
    }
    return reasons;
  }

  /** {@code 1 - min_domain_mass}, or 0 when it is not set (TFDV's {@code GetMaxOffDomain}). */
  private static double maxOffDomain(Feature feature) {
    return feature.getDistributionConstraints().hasMinDomainMass()
        ? 1.0 - feature.getDistributionConstraints().getMinDomainMass()
        : 0.0;
  }

  private static List<Reason> unique(Feature feature, FeatureView view) {
    String name = feature.getName();
    Long unique = view.unique();
    if (unique == null) {
      return List.of(
          new Reason(
              Type.FEATURE_TYPE_NO_UNIQUE,
              "No unique values",
              "UniqueConstraints specified for the feature, but unique values were not counted"
                  + " (i.e., feature is not string or categorical). Feature "
                  + name
                  + " has "
                  + view.type()
                  + " statistics."));
    }
    List<Reason> reasons = new ArrayList<>();
    var bounds = feature.getUniqueConstraints();
    if (bounds.hasMin() && unique < bounds.getMin()) {
      reasons.add(
          new Reason(
              Type.FEATURE_TYPE_LOW_UNIQUE,
              "Low number of unique values",
              "Expected at least "
                  + bounds.getMin()
                  + " unique values but found only "
                  + unique
                  + ". (feature "
                  + name
                  + ")"));
    }
    if (bounds.hasMax() && unique > bounds.getMax()) {
      reasons.add(
          new Reason(
              Type.FEATURE_TYPE_HIGH_UNIQUE,
              "High number of unique values",
              "Expected no more than "
                  + bounds.getMax()
                  + " unique values but found "
                  + unique
                  + ". (feature "
                  + name
                  + ")"));
    }
    return reasons;
  }
}
