package io.millrace.record;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One record: for each feature of its {@link ExampleSchema}, a typed list of values or missing.
 *
 * <p>This is {@code tf.Example}'s model with the names factored out into the schema. Each feature
 * slot holds a {@code long[]} ({@link FeatureType#INT}), a {@code double[]} ({@link
 * FeatureType#FLOAT}), a {@code byte[][]} ({@link FeatureType#BYTES}), or {@code null} when the
 * feature is missing. A present feature may hold zero values, as an empty {@code tf.Example}
 * feature does; that is not the same as missing.
 *
 * <p>Accessors return the stored arrays without copying, so that statistics can scan millions of
 * records a second: callers must not modify them. Examples are otherwise immutable.
 */
public final class Example {
  private final ExampleSchema schema;
  private final Object[] values;

  private Example(ExampleSchema schema, Object[] values) {
    this.schema = schema;
    this.values = values;
  }

  public ExampleSchema schema() {
    return schema;
  }

  public boolean isMissing(int feature) {
    return values[feature] == null;
  }

  /** The number of values of a feature; 0 when it is missing or present but empty. */
  public int valueCount(int feature) {
    Object v = values[feature];
    if (v == null) {
      return 0;
    }
    switch (schema.type(feature)) {
      case INT:
        return ((long[]) v).length;
      case FLOAT:
        return ((double[]) v).length;
      default:
        return ((byte[][]) v).length;
    }
  }

  /** The values of an {@link FeatureType#INT} feature, or {@code null} when missing. */
  public long[] int64s(int feature) {
    return (long[]) checkType(feature, FeatureType.INT);
  }

  /** The values of a {@link FeatureType#FLOAT} feature, or {@code null} when missing. */
  public double[] floats(int feature) {
    return (double[]) checkType(feature, FeatureType.FLOAT);
  }

  /** The values of a {@link FeatureType#BYTES} feature, or {@code null} when missing. */
  public byte[][] bytes(int feature) {
    return (byte[][]) checkType(feature, FeatureType.BYTES);
  }

  /** The stored value array of a feature (see the class comment), or {@code null} when missing. */
  public Object rawValues(int feature) {
    return values[feature];
  }

  private Object checkType(int feature, FeatureType expected) {
    if (schema.type(feature) != expected) {
      throw new IllegalArgumentException(
          "feature '"
              + schema.name(feature)
              + "' is "
              + schema.type(feature)
              + ", not "
              + expected);
    }
    return values[feature];
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Example)) {
      return false;
    }
    Example other = (Example) o;
    return schema.equals(other.schema) && Arrays.deepEquals(values, other.values);
  }

  @Override
  public int hashCode() {
    return Objects.hash(schema, Arrays.deepHashCode(values));
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("{");
    for (int i = 0; i < values.length; i++) {
      if (i > 0) {
        s.append(", ");
      }
      s.append(schema.name(i)).append('=');
      Object v = values[i];
      if (v == null) {
        s.append("<missing>");
      } else if (v instanceof long[]) {
        s.append(Arrays.toString((long[]) v));
      } else if (v instanceof double[]) {
        s.append(Arrays.toString((double[]) v));
      } else {
        byte[][] bytes = (byte[][]) v;
        s.append('[');
        for (int j = 0; j < bytes.length; j++) {
          s.append(j > 0 ? ", " : "").append(new String(bytes[j], StandardCharsets.UTF_8));
        }
        s.append(']');
      }
    }
    return s.append('}').toString();
  }

  /**
   * Builds examples of one schema. A builder may be reused: {@link #build()} hands its values over
   * and starts the next example with every feature missing.
   */
  public static final class Builder {
    private final ExampleSchema schema;
    private Object[] values;

    Builder(ExampleSchema schema) {
      this.schema = schema;
      this.values = new Object[schema.size()];
    }

    public ExampleSchema schema() {
      return schema;
    }

    public Builder setInt64s(int feature, long... v) {
      return set(feature, FeatureType.INT, Objects.requireNonNull(v));
    }

    public Builder setFloats(int feature, double... v) {
      return set(feature, FeatureType.FLOAT, Objects.requireNonNull(v));
    }

    public Builder setBytes(int feature, byte[]... v) {
      return set(feature, FeatureType.BYTES, Objects.requireNonNull(v));
    }

    public Builder setString(int feature, String v) {
      return setBytes(feature, v.getBytes(StandardCharsets.UTF_8));
    }

    public Builder setMissing(int feature) {
      values[feature] = null;
      return this;
    }

    /** Sets a value array of the feature's type (as {@link Example#rawValues}), or null. */
    public Builder setRaw(int feature, Object v) {
      if (v != null) {
        FeatureType type = schema.type(feature);
        boolean ok =
            type == FeatureType.INT
                ? v instanceof long[]
                : type == FeatureType.FLOAT ? v instanceof double[] : v instanceof byte[][];
        if (!ok) {
          throw new IllegalArgumentException(
              "feature '" + schema.name(feature) + "' is " + type + ", not " + v.getClass());
        }
      }
      values[feature] = v;
      return this;
    }

    private Builder set(int feature, FeatureType type, Object v) {
      if (schema.type(feature) != type) {
        throw new IllegalArgumentException(
            "feature '" + schema.name(feature) + "' is " + schema.type(feature) + ", not " + type);
      }
      values[feature] = v;
      return this;
    }

    public Example build() {
      Example example = new Example(schema, values);
      values = new Object[schema.size()];
      return example;
    }
  }
}
