package io.millrace.ingest.avro;

import io.millrace.ingest.DeadLetter;
import io.millrace.ingest.InputException;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureSpec;
import io.millrace.record.FeatureType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;

/**
 * Turns Avro {@link GenericRecord}s of one record schema into {@link Example}s: the mapping shared
 * by the Avro and Parquet readers (Parquet is read through parquet-avro).
 *
 * <p>Each top-level field is one feature of the same name:
 *
 * <ul>
 *   <li>{@code int}, {@code long} and {@code boolean} (as 0/1) are {@link FeatureType#INT}, and so
 *       are their logical types: {@code date} is days since 1970-01-01, {@code time-*} and {@code
 *       timestamp-*} / {@code local-timestamp-*} are the stored number in the unit the logical type
 *       names (milliseconds for {@code -millis}, microseconds for {@code -micros}), not converted.
 *   <li>{@code float} and {@code double} are {@link FeatureType#FLOAT}; so is a {@code decimal}
 *       (rounded to the nearest double).
 *   <li>{@code string} (UTF-8), {@code bytes}, {@code enum} (the symbol) and {@code fixed} are
 *       {@link FeatureType#BYTES}.
 *   <li>{@code union {null, T}} is a nullable T: null is a missing feature. Other unions are not
 *       supported.
 *   <li>{@code array<T>} of the above is a multivalent feature: a null array is missing, an empty
 *       one is present with no values. A null element makes its record a dead letter, since a
 *       feature's value list cannot hold a hole.
 * </ul>
 *
 * <p>Nested records and maps have no flat feature to map to and fail schema inference, naming the
 * field to flatten. A type override may widen an INT field to FLOAT; other overrides would need a
 * parse or a format choice and are refused.
 *
 * <p>A converter is built once per file schema; per record it only reads fields by position and
 * copies values, with no reflection or schema walk.
 */
public final class GenericRecordConverter {
  private static final long[] NO_INT64S = new long[0];
  private static final double[] NO_FLOATS = new double[0];
  private static final byte[][] NO_BYTES = new byte[0][];

  /** How a field's values are held in a generic record, fixed per field when the plan is built. */
  private enum ValueKind {
    /** The Avro {@code null} type: always missing. */
    NONE,
    INT32,
    INT64,
    BOOLEAN,
    FLOAT32,
    FLOAT64,
    STRING,
    BYTES,
    ENUM,
    FIXED,
    DECIMAL_BYTES,
    DECIMAL_FIXED
  }

  /** What one Avro field is, as far as the feature mapping cares. */
  private static final class FieldShape {
    final String name;
    final ValueKind kind;
    final boolean array;
    final String avroType;

    /** The element (or value) schema with unions resolved, for decimal scale and enum symbols. */
    final Schema valueSchema;

    FieldShape(String name, ValueKind kind, boolean array, String avroType, Schema valueSchema) {
      this.name = name;
      this.kind = kind;
      this.array = array;
      this.avroType = avroType;
      this.valueSchema = valueSchema;
    }

    FeatureType naturalType() {
      switch (kind) {
        case INT32:
        case INT64:
        case BOOLEAN:
          return FeatureType.INT;
        case FLOAT32:
        case FLOAT64:
        case DECIMAL_BYTES:
        case DECIMAL_FIXED:
          return FeatureType.FLOAT;
        default:
          return FeatureType.BYTES;
      }
    }

    boolean canBeReadAs(FeatureType type) {
      FeatureType natural = naturalType();
      return kind == ValueKind.NONE
          || natural == type
          || (natural == FeatureType.INT && type == FeatureType.FLOAT);
    }
  }

  /** Reads one field of the record into one feature of the example. */
  private static final class FieldPlan {
    final int position;
    final int feature;
    final FeatureType target;
    final ValueKind kind;
    final boolean array;
    final String name;
    final int decimalScale;
    final Map<String, byte[]> enumSymbols;

    FieldPlan(int position, int feature, FeatureType target, FieldShape shape) {
      this.position = position;
      this.feature = feature;
      this.target = target;
      this.kind = shape.kind;
      this.array = shape.array;
      this.name = shape.name;
      LogicalType logical = shape.valueSchema.getLogicalType();
      this.decimalScale =
          logical instanceof LogicalTypes.Decimal ? ((LogicalTypes.Decimal) logical).getScale() : 0;
      if (shape.kind == ValueKind.ENUM) {
        // Symbols are few: share one immutable byte array per symbol instead of encoding each time.
        enumSymbols = new HashMap<>();
        for (String symbol : shape.valueSchema.getEnumSymbols()) {
          enumSymbols.put(symbol, symbol.getBytes(StandardCharsets.UTF_8));
        }
      } else {
        enumSymbols = null;
      }
    }
  }

  private final Schema recordSchema;
  private final FieldPlan[] plans;

  private GenericRecordConverter(Schema recordSchema, FieldPlan[] plans) {
    this.recordSchema = recordSchema;
    this.plans = plans;
  }

  /**
   * The features an Avro record schema maps to, in field order, with {@code typeOverrides} applied.
   *
   * @param source the file the schema comes from, named in errors
   * @throws InputException when a field cannot be a feature (nested record, map, union of several
   *     types) or an override does not fit, naming the field and the file
   */
  public static ExampleSchema exampleSchema(
      Schema recordSchema, String source, Map<String, FeatureType> typeOverrides) {
    Map<String, FieldShape> shapes = shapes(recordSchema, source);
    for (String name : typeOverrides.keySet()) {
      if (!shapes.containsKey(name)) {
        throw new InputException(
            "a type is given for feature '"
                + name
                + "', but "
                + source
                + " has no such field; its fields are "
                + shapes.keySet());
      }
    }
    List<FeatureSpec> features = new ArrayList<>();
    for (FieldShape shape : shapes.values()) {
      FeatureType type = typeOverrides.getOrDefault(shape.name, shape.naturalType());
      if (!shape.canBeReadAs(type)) {
        throw new InputException(
            "field '"
                + shape.name
                + "' of "
                + source
                + " is "
                + shape.avroType
                + " and cannot be read as "
                + type
                + "; a type override can only widen INT to FLOAT");
      }
      features.add(FeatureSpec.of(shape.name, type));
    }
    return ExampleSchema.of(features);
  }

  /**
   * A converter from records of {@code recordSchema} to examples of {@code target}, matching fields
   * to features by name.
   *
   * @throws InputException when the record schema does not provide exactly the target's features
   *     with compatible types; the message says what differs
   */
  public static GenericRecordConverter create(
      Schema recordSchema, ExampleSchema target, String source) {
    Map<String, FieldShape> shapes = shapes(recordSchema, source);
    List<String> lacking = new ArrayList<>();
    for (FeatureSpec feature : target.features()) {
      if (!shapes.containsKey(feature.name())) {
        lacking.add(feature.name());
      }
    }
    List<String> extra = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    FieldPlan[] plans = new FieldPlan[shapes.size()];
    int i = 0;
    for (FieldShape shape : shapes.values()) {
      int feature = target.indexOf(shape.name);
      if (feature < 0) {
        extra.add(shape.name);
      } else if (!shape.canBeReadAs(target.type(feature))) {
        problems.add(
            "field '"
                + shape.name
                + "' is "
                + shape.avroType
                + " here but "
                + target.type(feature)
                + " in the schema");
      } else {
        plans[i] =
            new FieldPlan(
                recordSchema.getField(shape.name).pos(), feature, target.type(feature), shape);
      }
      i++;
    }
    if (!lacking.isEmpty()) {
      problems.add("the file lacks the schema's features " + lacking);
    }
    if (!extra.isEmpty()) {
      problems.add("the file has fields the schema lacks " + extra);
    }
    if (!problems.isEmpty()) {
      throw new InputException(
          "the file's fields do not match the data set's schema: " + String.join("; ", problems));
    }
    return new GenericRecordConverter(recordSchema, plans);
  }

  /**
   * Checks that several files map to the same features (by name and type, in any order).
   *
   * @throws InputException naming both files and the difference
   */
  public static void requireSameFeatures(
      ExampleSchema expected, String expectedSource, ExampleSchema actual, String actualSource) {
    Set<FeatureSpec> expectedSet = new HashSet<>(expected.features());
    Set<FeatureSpec> actualSet = new HashSet<>(actual.features());
    if (expectedSet.equals(actualSet)) {
      return;
    }
    Set<FeatureSpec> onlyExpected = new HashSet<>(expectedSet);
    onlyExpected.removeAll(actualSet);
    Set<FeatureSpec> onlyActual = new HashSet<>(actualSet);
    onlyActual.removeAll(expectedSet);
    throw new InputException(
        "the files disagree on their features: "
            + actualSource
            + " has "
            + onlyActual
            + " where "
            + expectedSource
            + " has "
            + onlyExpected
            + "; all files of a data set need the same field names and types");
  }

  /** The record schema this converter was built for. */
  public Schema recordSchema() {
    return recordSchema;
  }

  /**
   * Sets the record's values into the builder. On success returns null and the builder holds the
   * complete example; otherwise returns the dead letter and leaves the builder partly filled (the
   * caller resets it with {@code build()}).
   */
  public DeadLetter convert(
      GenericRecord record, Example.Builder builder, String source, long recordNumber) {
    for (FieldPlan plan : plans) {
      Object value = record.get(plan.position);
      if (value == null) {
        continue;
      }
      if (!plan.array) {
        builder.setRaw(plan.feature, single(plan, value));
        continue;
      }
      List<?> elements = (List<?>) value;
      int size = elements.size();
      Object values;
      switch (plan.target) {
        case INT:
          long[] ints = size == 0 ? NO_INT64S : new long[size];
          for (int j = 0; j < size; j++) {
            Object element = elements.get(j);
            if (element == null) {
              return nullElement(plan, j, record, source, recordNumber);
            }
            ints[j] = toLong(plan, element);
          }
          values = ints;
          break;
        case FLOAT:
          double[] floats = size == 0 ? NO_FLOATS : new double[size];
          for (int j = 0; j < size; j++) {
            Object element = elements.get(j);
            if (element == null) {
              return nullElement(plan, j, record, source, recordNumber);
            }
            floats[j] = toDouble(plan, element);
          }
          values = floats;
          break;
        default:
          byte[][] bytes = size == 0 ? NO_BYTES : new byte[size][];
          for (int j = 0; j < size; j++) {
            Object element = elements.get(j);
            if (element == null) {
              return nullElement(plan, j, record, source, recordNumber);
            }
            bytes[j] = toBytes(plan, element);
          }
          values = bytes;
      }
      builder.setRaw(plan.feature, values);
    }
    return null;
  }

  private static Object single(FieldPlan plan, Object value) {
    switch (plan.target) {
      case INT:
        return new long[] {toLong(plan, value)};
      case FLOAT:
        return new double[] {toDouble(plan, value)};
      default:
        return new byte[][] {toBytes(plan, value)};
    }
  }

  private static long toLong(FieldPlan plan, Object value) {
    switch (plan.kind) {
      case INT32:
        return (Integer) value;
      case INT64:
        return (Long) value;
      default:
        return ((Boolean) value) ? 1 : 0;
    }
  }

  private static double toDouble(FieldPlan plan, Object value) {
    switch (plan.kind) {
      case FLOAT32:
        return (Float) value;
      case FLOAT64:
        return (Double) value;
      case DECIMAL_BYTES:
        ByteBuffer buffer = ((ByteBuffer) value).duplicate();
        byte[] unscaled = new byte[buffer.remaining()];
        buffer.get(unscaled);
        return new BigDecimal(new BigInteger(unscaled), plan.decimalScale).doubleValue();
      case DECIMAL_FIXED:
        return new BigDecimal(new BigInteger(((GenericFixed) value).bytes()), plan.decimalScale)
            .doubleValue();
      default:
        // An INT field widened to FLOAT by a type override.
        return toLong(plan, value);
    }
  }

  private static byte[] toBytes(FieldPlan plan, Object value) {
    switch (plan.kind) {
      case STRING:
        if (value instanceof Utf8) {
          // A reused Utf8's array may be longer than its content.
          Utf8 utf8 = (Utf8) value;
          return Arrays.copyOf(utf8.getBytes(), utf8.getByteLength());
        }
        return value.toString().getBytes(StandardCharsets.UTF_8);
      case BYTES:
        ByteBuffer buffer = ((ByteBuffer) value).duplicate();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
      case ENUM:
        String symbol = value.toString();
        byte[] known = plan.enumSymbols.get(symbol);
        return known != null ? known : symbol.getBytes(StandardCharsets.UTF_8);
      default:
        byte[] fixed = ((GenericFixed) value).bytes();
        return Arrays.copyOf(fixed, fixed.length);
    }
  }

  private static DeadLetter nullElement(
      FieldPlan plan, int index, GenericRecord record, String source, long recordNumber) {
    return DeadLetter.of(
        source,
        recordNumber,
        plan.name,
        "array field '"
            + plan.name
            + "' holds a null element at index "
            + index
            + "; a feature's values cannot have gaps (drop or replace the nulls)",
        record.toString());
  }

  /** Shapes of the record's fields by name, in field order. */
  private static Map<String, FieldShape> shapes(Schema recordSchema, String source) {
    if (recordSchema.getType() != Schema.Type.RECORD) {
      throw new InputException(
          source + " holds Avro values of type " + recordSchema.getType() + ", not records");
    }
    Map<String, FieldShape> shapes = new LinkedHashMap<>();
    for (Schema.Field field : recordSchema.getFields()) {
      shapes.put(field.name(), shape(field.name(), field.schema(), source));
    }
    return shapes;
  }

  private static FieldShape shape(String name, Schema schema, String source) {
    Schema value = withoutNull(name, schema, source);
    boolean array = value.getType() == Schema.Type.ARRAY;
    if (array) {
      value = withoutNull(name, value.getElementType(), source);
    }
    switch (value.getType()) {
      case RECORD:
        throw new InputException(
            source + ": nested records are not supported; flatten field '" + name + "'");
      case MAP:
        throw new InputException(source + ": maps are not supported; flatten field '" + name + "'");
      case ARRAY:
        throw new InputException(
            source + ": nested arrays are not supported; flatten field '" + name + "'");
      default:
    }
    String avroType =
        (array ? "array<" : "")
            + (value.getLogicalType() != null
                ? value.getLogicalType().getName() + " " + value.getType().getName()
                : value.getType().getName())
            + (array ? ">" : "");
    return new FieldShape(name, kind(value), array, avroType, value);
  }

  /** Resolves {@code union {null, T}} to T; a bare null stays null (always missing). */
  private static Schema withoutNull(String name, Schema schema, String source) {
    if (schema.getType() != Schema.Type.UNION) {
      return schema;
    }
    Schema nonNull = null;
    for (Schema branch : schema.getTypes()) {
      if (branch.getType() == Schema.Type.NULL) {
        continue;
      }
      if (nonNull != null) {
        throw new InputException(
            source
                + ": field '"
                + name
                + "' is a union of several types "
                + schema
                + "; only a union of null and one type is supported");
      }
      nonNull = branch;
    }
    return nonNull != null ? nonNull : Schema.create(Schema.Type.NULL);
  }

  private static ValueKind kind(Schema value) {
    boolean decimal = value.getLogicalType() instanceof LogicalTypes.Decimal;
    switch (value.getType()) {
      case INT:
        return ValueKind.INT32;
      case LONG:
        return ValueKind.INT64;
      case BOOLEAN:
        return ValueKind.BOOLEAN;
      case FLOAT:
        return ValueKind.FLOAT32;
      case DOUBLE:
        return ValueKind.FLOAT64;
      case STRING:
        return ValueKind.STRING;
      case BYTES:
        return decimal ? ValueKind.DECIMAL_BYTES : ValueKind.BYTES;
      case FIXED:
        return decimal ? ValueKind.DECIMAL_FIXED : ValueKind.FIXED;
      case ENUM:
        return ValueKind.ENUM;
      default:
        return ValueKind.NONE;
    }
  }
}
