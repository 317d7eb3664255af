package io.millrace.validate;

import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureType;
import io.millrace.tfmd.Feature;
import io.millrace.tfmd.Schema;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks single records against a schema, for routing bad records aside in a pipeline: the
 * record-level part of what {@link StatisticsValidator} checks on a whole data set. Built once per
 * schema (checks precomputed per feature), then cheap per record; serializable so that it can be a
 * field of a Beam {@code DoFn}.
 *
 * <p>Rules follow TFDV's meaning of the schema applied to one example:
 *
 * <ul>
 *   <li>A feature is required in every record only with {@code presence.min_fraction: 1.0} (and in
 *       the environment, not deprecated): {@code min_count} bounds a whole data set, not a record.
 *   <li>{@code value_count} bounds the values per record; a {@code shape} requires exactly the
 *       product of its dimensions.
 *   <li>A value outside a string domain is a violation unless the domain's {@code
 *       distribution_constraints.min_domain_mass} tolerates the record's share of such values, as
 *       TFDV's check on the statistics of that one record would.
 *   <li>float_domain bounds are float32, so values are rounded to float32 before comparing, as TFDV
 *       compares statistics: a bound inferred from data never rejects that data.
 * </ul>
 *
 * <p>A record feature with another type than the schema's is reported and its domain not checked.
 */
public final class ExampleValidator implements Serializable {
  private static final long serialVersionUID = 1L;

  private final ExampleSchema exampleSchema;
  private final FeatureRule[] rules;
  private final int[] newColumns;
  private final String environment;
  private transient ExampleSchema verified;

  private ExampleValidator(
      ExampleSchema exampleSchema, FeatureRule[] rules, int[] newColumns, String environment) {
    this.exampleSchema = exampleSchema;
    this.rules = rules;
    this.newColumns = newColumns;
    this.environment = environment;
  }

  /**
   * @param environment the environment of the records (one of the schema's {@code
   *     default_environment}s), or null to expect every feature
   */
  public static ExampleValidator of(
      Schema schema, ExampleSchema exampleSchema, String environment) {
    Environments.checkDeclared(schema, environment);
    List<FeatureRule> rules = new ArrayList<>();
    Set<String> known = new HashSet<>();
    for (Feature feature : schema.getFeatureList()) {
      known.add(feature.getName());
      if (Environments.isDeprecated(feature)) {
        continue;
      }
      rules.add(
          new FeatureRule(schema, feature, exampleSchema.indexOf(feature.getName()), environment));
    }
    schema.getSparseFeatureList().forEach(f -> known.add(f.getName()));
    schema.getWeightedFeatureList().forEach(f -> known.add(f.getName()));
    int[] newColumns =
        java.util.stream.IntStream.range(0, exampleSchema.size())
            .filter(i -> !known.contains(exampleSchema.name(i)))
            .toArray();
    return new ExampleValidator(
        exampleSchema, rules.toArray(new FeatureRule[0]), newColumns, environment);
  }

  /** What is wrong with the record, one message per problem; empty when it conforms. */
  public List<String> violations(Example example) {
    checkSchema(example.schema());
    List<String> out = null;
    for (FeatureRule rule : rules) {
      Object raw = rule.index < 0 ? null : example.rawValues(rule.index);
      if (raw == null) {
        if (rule.required) {
          out = add(out, rule.name + ": missing (required" + inEnvironment() + ")");
        }
        continue;
      }
      if (!rule.inEnvironment) {
        out = add(out, rule.name + ": present, but not expected in " + environment);
        continue;
      }
      out = check(rule, raw, out);
    }
    for (int index : newColumns) {
      if (!example.isMissing(index)) {
        out = add(out, exampleSchema.name(index) + ": not in schema");
      }
    }
    return out == null ? List.of() : out;
  }

  private String inEnvironment() {
    return environment == null ? "" : " in " + environment;
  }

  private List<String> check(FeatureRule rule, Object raw, List<String> out) {
    FeatureType type = exampleSchema.type(rule.index);
    switch (type) {
      case INT:
        {
          long[] values = (long[]) raw;
          out = checkCount(rule, values.length, out);
          return rule.expectedType == FeatureType.INT || rule.expectedType == null
              ? checkInts(rule, values, out)
              : wrongType(rule, type, out);
        }
      case FLOAT:
        {
          double[] values = (double[]) raw;
          out = checkCount(rule, values.length, out);
          return rule.expectedType == FeatureType.FLOAT || rule.expectedType == null
              ? checkFloats(rule, values, out)
              : wrongType(rule, type, out);
        }
      default:
        {
          byte[][] values = (byte[][]) raw;
          out = checkCount(rule, values.length, out);
          return rule.expectedType == FeatureType.BYTES || rule.expectedType == null
              ? checkBytes(rule, values, out)
              : wrongType(rule, type, out);
        }
    }
  }

  private static List<String> wrongType(FeatureRule rule, FeatureType type, List<String> out) {
    return add(out, rule.name + ": " + type + " values, schema type is " + rule.expectedType);
  }

  private static List<String> checkCount(FeatureRule rule, int count, List<String> out) {
    if (rule.exactValues >= 0 && count != rule.exactValues) {
      out =
          add(
              out,
              rule.name + ": " + count + " values, shape requires exactly " + rule.exactValues);
    }
    if (rule.minValues >= 0 && count < rule.minValues) {
      out =
          add(
              out,
              rule.name + ": " + count + " values, schema requires at least " + rule.minValues);
    }
    if (rule.maxValues >= 0 && count > rule.maxValues) {
      out = add(out, rule.name + ": " + count + " values, schema allows at most " + rule.maxValues);
    }
    return out;
  }

  private static List<String> checkInts(FeatureRule rule, long[] values, List<String> out) {
    for (long v : values) {
      if (rule.hasIntMin && v < rule.intMin) {
        out = add(out, rule.name + ": " + v + " below min " + rule.intMin);
      }
      if (rule.hasIntMax && v > rule.intMax) {
        out = add(out, rule.name + ": " + v + " above max " + rule.intMax);
      }
      if (rule.boolDomain && v != 0 && v != 1) {
        out = add(out, rule.name + ": " + v + " not in {0, 1}");
      }
    }
    return out;
  }

  private static List<String> checkFloats(FeatureRule rule, double[] values, List<String> out) {
    for (double v : values) {
      if (Double.isNaN(v)) {
        if (rule.disallowNan) {
          out = add(out, rule.name + ": NaN not allowed");
        }
        if (rule.boolDomain) {
          out = add(out, rule.name + ": NaN not in {0, 1}");
        }
        continue;
      }
      float rounded = (float) v;
      if (rule.disallowInf && Double.isInfinite(v)) {
        out = add(out, rule.name + ": " + v + " not allowed");
      }
      if (rule.hasFloatMin && rounded < rule.floatMin) {
        out = add(out, rule.name + ": " + v + " below min " + rule.floatMin);
      }
      if (rule.hasFloatMax && rounded > rule.floatMax) {
        out = add(out, rule.name + ": " + v + " above max " + rule.floatMax);
      }
      if (rule.boolDomain && v != 0 && v != 1) {
        out = add(out, rule.name + ": " + v + " not in {0, 1}");
      }
    }
    return out;
  }

  private static List<String> checkBytes(FeatureRule rule, byte[][] values, List<String> out) {
    if (rule.hasStringDomain()) {
      int outside = 0;
      for (byte[] v : values) {
        if (!rule.inDomain(v)) {
          outside++;
        }
      }
      if (outside > 0
          && ((double) outside / values.length > rule.maxOffDomain || rule.maxOffDomain == 0)) {
        for (byte[] v : values) {
          if (!rule.inDomain(v)) {
            out = add(out, rule.name + ": value " + quote(v) + " not in domain " + rule.domainName);
          }
        }
      }
    }
    if (rule.boolDomain) {
      for (byte[] v : values) {
        if (!Arrays.equals(v, rule.trueValue) && !Arrays.equals(v, rule.falseValue)) {
          out = add(out, rule.name + ": value " + quote(v) + " is neither true nor false value");
        }
      }
    }
    return out;
  }

  private void checkSchema(ExampleSchema schema) {
    if (schema != verified) {
      if (!schema.equals(exampleSchema)) {
        throw new IllegalArgumentException(
            "record of schema " + schema + ", validator built for " + exampleSchema);
      }
      verified = schema;
    }
  }

  private static String quote(byte[] value) {
    return "\"" + Texts.cEscape(new String(value, StandardCharsets.UTF_8)) + "\"";
  }

  private static List<String> add(List<String> out, String message) {
    List<String> list = out == null ? new ArrayList<>(2) : out;
    list.add(message);
    return list;
  }
}
