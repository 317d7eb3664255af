package io.millrace.examples;

import com.google.common.hash.Hashing;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureSpec;
import io.millrace.record.FeatureType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.Encoder;

/**
 * The Avro layout of ingested examples: one record per example, one field per feature, each a
 * nullable array ({@code null} = missing) of {@code long}, {@code double} or {@code bytes}. Any
 * Avro reader can open the files; Millrace reads and writes them with the datum reader and writer
 * here, which go straight between {@link Example} and Avro's binary encoding.
 *
 * <p>Avro field names allow only {@code [A-Za-z_][A-Za-z0-9_]*}; a feature whose name does not fit
 * gets a sanitized field name and keeps its own in the field property {@value #FEATURE_PROPERTY}.
 */
public final class ExamplesAvro {
  public static final String FEATURE_PROPERTY = "millrace.feature";
  private static final String RECORD_NAME = "Example";
  private static final String NAMESPACE = "io.millrace.examples";

  private ExamplesAvro() {}

  public static Schema avroSchema(ExampleSchema schema) {
    List<Schema.Field> fields = new ArrayList<>();
    List<String> used = new ArrayList<>();
    for (FeatureSpec feature : schema.features()) {
      String fieldName = uniqueFieldName(feature.name(), used);
      used.add(fieldName);
      Schema values = Schema.createArray(Schema.create(avroType(feature.type())));
      Schema.Field field =
          new Schema.Field(
              fieldName,
              Schema.createUnion(Schema.create(Schema.Type.NULL), values),
              null,
              JsonProperties.NULL_VALUE);
      field.addProp(FEATURE_PROPERTY, feature.name());
      fields.add(field);
    }
    return Schema.createRecord(RECORD_NAME, "A Millrace example", NAMESPACE, false, fields);
  }

  /** Reads the example schema back from a file's Avro schema written by {@link #avroSchema}. */
  public static ExampleSchema exampleSchema(Schema avro) {
    List<FeatureSpec> features = new ArrayList<>();
    for (Schema.Field field : avro.getFields()) {
      String name = field.getProp(FEATURE_PROPERTY);
      Schema values = field.schema().getTypes().get(1);
      features.add(
          FeatureSpec.of(name != null ? name : field.name(), featureType(values.getElementType())));
    }
    return ExampleSchema.of(features);
  }

  /**
   * The sync marker of every examples file of an Avro schema: Avro draws one at random per file,
   * which makes two writes of the same records differ in their bytes (and shard fingerprints); a
   * marker derived from the schema keeps equal content byte-identical on every run and runner.
   */
  public static byte[] syncMarker(Schema avro) {
    return Arrays.copyOf(
        Hashing.sha256().hashString(avro.toString(), StandardCharsets.UTF_8).asBytes(), 16);
  }

  public static DatumWriter<Example> writer() {
    return new ExampleDatumWriter();
  }

  public static DatumReader<Example> reader(ExampleSchema schema) {
    return new ExampleDatumReader(schema);
  }

  private static Schema.Type avroType(FeatureType type) {
    switch (type) {
      case INT:
        return Schema.Type.LONG;
      case FLOAT:
        return Schema.Type.DOUBLE;
      default:
        return Schema.Type.BYTES;
    }
  }

  private static FeatureType featureType(Schema element) {
    switch (element.getType()) {
      case LONG:
        return FeatureType.INT;
      case DOUBLE:
        return FeatureType.FLOAT;
      case BYTES:
        return FeatureType.BYTES;
      default:
        throw new IllegalArgumentException("not a Millrace examples schema: " + element);
    }
  }

  private static String uniqueFieldName(String feature, List<String> used) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < feature.length(); i++) {
      char c = feature.charAt(i);
      boolean ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      ok |= i > 0 && c >= '0' && c <= '9';
      s.append(ok ? c : '_');
    }
    String base = s.toString();
    String name = base;
    for (int n = 2; used.contains(name); n++) {
      name = base + "_" + n;
    }
    return name;
  }

  /** Writes the union branch (0 = null, 1 = array) and the values of each feature in order. */
  private static final class ExampleDatumWriter implements DatumWriter<Example> {
    @Override
    public void setSchema(Schema schema) {}

    @Override
    public void write(Example example, Encoder out) throws IOException {
      ExampleSchema schema = example.schema();
      for (int i = 0; i < schema.size(); i++) {
        Object v = example.rawValues(i);
        if (v == null) {
          out.writeIndex(0);
          continue;
        }
        out.writeIndex(1);
        switch (schema.type(i)) {
          case INT:
            long[] ints = (long[]) v;
            out.writeArrayStart();
            out.setItemCount(ints.length);
            for (long x : ints) {
              out.startItem();
              out.writeLong(x);
            }
            out.writeArrayEnd();
            break;
          case FLOAT:
            double[] floats = (double[]) v;
            out.writeArrayStart();
            out.setItemCount(floats.length);
            for (double x : floats) {
              out.startItem();
              out.writeDouble(x);
            }
            out.writeArrayEnd();
            break;
          default:
            byte[][] bytes = (byte[][]) v;
            out.writeArrayStart();
            out.setItemCount(bytes.length);
            for (byte[] x : bytes) {
              out.startItem();
              out.writeBytes(x);
            }
            out.writeArrayEnd();
        }
      }
    }
  }

  /**
   * Reads examples of files whose writer schema is the one {@link #avroSchema} makes for the given
   * example schema.
   */
  private static final class ExampleDatumReader implements DatumReader<Example> {
    private final ExampleSchema schema;
    private ByteBuffer scratch;

    ExampleDatumReader(ExampleSchema schema) {
      this.schema = schema;
    }

    @Override
    public void setSchema(Schema writerSchema) {
      ExampleSchema written = exampleSchema(writerSchema);
      if (!written.equals(schema)) {
        throw new IllegalArgumentException(
            "file holds examples of schema " + written + ", expected " + schema);
      }
    }

    @Override
    public Example read(Example reuse, Decoder in) throws IOException {
      Example.Builder builder = schema.newExample();
      for (int i = 0; i < schema.size(); i++) {
        if (in.readIndex() == 0) {
          in.readNull();
          continue;
        }
        switch (schema.type(i)) {
          case INT:
            {
              long[] values = new long[0];
              int n = 0;
              for (long block = in.readArrayStart(); block > 0; block = in.arrayNext()) {
                values = java.util.Arrays.copyOf(values, n + (int) block);
                for (long j = 0; j < block; j++) {
                  values[n++] = in.readLong();
                }
              }
              builder.setInt64s(i, values);
              break;
            }
          case FLOAT:
            {
              double[] values = new double[0];
              int n = 0;
              for (long block = in.readArrayStart(); block > 0; block = in.arrayNext()) {
                values = java.util.Arrays.copyOf(values, n + (int) block);
                for (long j = 0; j < block; j++) {
                  values[n++] = in.readDouble();
                }
              }
              builder.setFloats(i, values);
              break;
            }
          default:
            {
              byte[][] values = new byte[0][];
              int n = 0;
              for (long block = in.readArrayStart(); block > 0; block = in.arrayNext()) {
                values = java.util.Arrays.copyOf(values, n + (int) block);
                for (long j = 0; j < block; j++) {
                  scratch = in.readBytes(scratch);
                  byte[] b = new byte[scratch.remaining()];
                  scratch.get(b);
                  values[n++] = b;
                }
              }
              builder.setBytes(i, values);
            }
        }
      }
      return builder.build();
    }
  }
}
