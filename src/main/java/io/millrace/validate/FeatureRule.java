package io.millrace.validate;

import io.millrace.record.FeatureType;
import io.millrace.tfmd.BoolDomain;
import io.millrace.tfmd.Feature;
import io.millrace.tfmd.FixedShape;
import io.millrace.tfmd.FloatDomain;
import io.millrace.tfmd.IntDomain;
import io.millrace.tfmd.Schema;
import io.millrace.tfmd.StringDomain;
import io.millrace.tfmd.ValueCount;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The checks of one schema feature on single records, worked out once from the schema: plain fields
 * on the hot path, and byte-string domains as a hash set so that a value is checked without
 * decoding it.
 */
final class FeatureRule implements Serializable {
  private static final long serialVersionUID = 1L;

  final String name;
  final int index;
  final boolean inEnvironment;
  final boolean required;
  final FeatureType expectedType;
  final long minValues;
  final long maxValues;
  final long exactValues;

  final String domainName;
  final byte[][] domainValues;
  final double maxOffDomain;
  private transient Set<ByteBuffer> domain;

  final boolean hasIntMin;
  final long intMin;
  final boolean hasIntMax;
  final long intMax;

  final boolean hasFloatMin;
  final float floatMin;
  final boolean hasFloatMax;
  final float floatMax;
  final boolean disallowNan;
  final boolean disallowInf;

  final boolean boolDomain;
  final byte[] trueValue;
  final byte[] falseValue;

  FeatureRule(Schema schema, Feature feature, int index, String environment) {
    this.name = feature.getName();
    this.index = index;
    this.inEnvironment = Environments.isInEnvironment(schema, feature, environment);
    this.required =
        inEnvironment
            && !Environments.isDeprecated(feature)
            && feature.getPresence().getMinFraction() >= 1.0;
    this.expectedType = recordType(feature);

    long min = -1;
    long max = -1;
    long exact = -1;
    if (feature.hasValueCount() || feature.getValueCounts().getValueCountCount() > 0) {
      ValueCount bounds =
          feature.hasValueCount()
              ? feature.getValueCount()
              : feature.getValueCounts().getValueCount(0);
      min = bounds.hasMin() ? bounds.getMin() : -1;
      max = bounds.hasMax() ? bounds.getMax() : -1;
    } else if (feature.hasShape()) {
      exact = 1;
      for (FixedShape.Dim dim : feature.getShape().getDimList()) {
        exact *= dim.getSize();
      }
    }
    this.minValues = min;
    this.maxValues = max;
    this.exactValues = exact;

    StringDomain strings = stringDomain(schema, feature);
    if (strings != null) {
      this.domainName = !strings.getName().isEmpty() ? strings.getName() : name;
      List<String> values = strings.getValueList();
      this.domainValues = new byte[values.size()][];
      for (int i = 0; i < values.size(); i++) {
        domainValues[i] = values.get(i).getBytes(StandardCharsets.UTF_8);
      }
      this.maxOffDomain =
          feature.getDistributionConstraints().hasMinDomainMass()
              ? 1.0 - feature.getDistributionConstraints().getMinDomainMass()
              : 0.0;
      this.domain = lookup(domainValues);
    } else {
      this.domainName = null;
      this.domainValues = null;
      this.maxOffDomain = 0;
    }

    IntDomain ints = feature.getIntDomain();
    this.hasIntMin = feature.hasIntDomain() && ints.hasMin();
    this.intMin = ints.getMin();
    this.hasIntMax = feature.hasIntDomain() && ints.hasMax();
    this.intMax = ints.getMax();

    FloatDomain floats = feature.getFloatDomain();
    this.hasFloatMin = feature.hasFloatDomain() && floats.hasMin();
    this.floatMin = floats.getMin();
    this.hasFloatMax = feature.hasFloatDomain() && floats.hasMax();
    this.floatMax = floats.getMax();
    this.disallowNan = feature.hasFloatDomain() && floats.getDisallowNan();
    this.disallowInf = feature.hasFloatDomain() && floats.getDisallowInf();

    BoolDomain bools = feature.getBoolDomain();
    this.boolDomain = feature.hasBoolDomain();
    this.trueValue =
        bools.hasTrueValue() ? bools.getTrueValue().getBytes(StandardCharsets.UTF_8) : null;
    this.falseValue =
        bools.hasFalseValue() ? bools.getFalseValue().getBytes(StandardCharsets.UTF_8) : null;
  }

  boolean inDomain(byte[] value) {
    return domain.contains(ByteBuffer.wrap(value));
  }

  boolean hasStringDomain() {
    return domainValues != null;
  }

  private static Set<ByteBuffer> lookup(byte[][] values) {
    Set<ByteBuffer> set = new HashSet<>(values.length * 2);
    for (byte[] value : values) {
      set.add(ByteBuffer.wrap(value));
    }
    return set;
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    if (domainValues != null) {
      domain = lookup(domainValues);
    }
  }

  private static StringDomain stringDomain(Schema schema, Feature feature) {
    if (feature.hasStringDomain()) {
      return feature.getStringDomain();
    }
    if (feature.hasDomain()) {
      for (StringDomain domain : schema.getStringDomainList()) {
        if (domain.getName().equals(feature.getDomain())) {
          return domain;
        }
      }
    }
    return null;
  }

  /** The record type of the schema type, or null for types records cannot hold (STRUCT). */
  private static FeatureType recordType(Feature feature) {
    switch (feature.getType()) {
      case INT:
        return FeatureType.INT;
      case FLOAT:
        return FeatureType.FLOAT;
      case BYTES:
        return FeatureType.BYTES;
      default:
        return feature.hasDomain() || feature.hasStringDomain() ? FeatureType.BYTES : null;
    }
  }
}
