package io.millrace.transform.tf;

import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureSpec;
import io.millrace.record.FeatureType;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TString;

/**
 * Raw records in the graph's input convention ({@link TransformGraph}): per raw input feature, the
 * first values as doubles with NaN for missing, or as bytes with "" for missing.
 */
final class RawColumns {
  private static final byte[] EMPTY = new byte[0];

  final ExampleSchema schema;
  final int size;
  final Map<String, double[]> numbers = new LinkedHashMap<>();
  final Map<String, byte[][]> strings = new LinkedHashMap<>();

  private RawColumns(ExampleSchema schema, int size) {
    this.schema = schema;
    this.size = size;
  }

  /** Encodes records by feature name; a feature a record lacks is missing. */
  static RawColumns of(ExampleSchema inputSchema, List<Example> records) {
    RawColumns c = new RawColumns(inputSchema, records.size());
    for (int f = 0; f < inputSchema.size(); f++) {
      String name = inputSchema.name(f);
      if (inputSchema.type(f) == FeatureType.BYTES) {
        byte[][] column = new byte[records.size()][];
        for (int i = 0; i < records.size(); i++) {
          Example r = records.get(i);
          int index = r.schema().indexOf(name);
          Object v = index < 0 ? null : r.rawValues(index);
          column[i] = v instanceof byte[][] b && b.length > 0 ? b[0] : EMPTY;
        }
        c.strings.put(name, column);
      } else {
        double[] column = new double[records.size()];
        for (int i = 0; i < records.size(); i++) {
          Example r = records.get(i);
          int index = r.schema().indexOf(name);
          Object v = index < 0 ? null : r.rawValues(index);
          if (v instanceof double[] d && d.length > 0) {
            column[i] = d[0];
          } else if (v instanceof long[] l && l.length > 0) {
            column[i] = l[0];
          } else {
            column[i] = Double.NaN;
          }
        }
        c.numbers.put(name, column);
      }
    }
    return c;
  }

  RawColumns slice(int from, int to) {
    RawColumns c = new RawColumns(schema, to - from);
    numbers.forEach((k, v) -> c.numbers.put(k, Arrays.copyOfRange(v, from, to)));
    strings.forEach((k, v) -> c.strings.put(k, Arrays.copyOfRange(v, from, to)));
    return c;
  }

  /** The feeds, keyed by raw feature name; the caller closes them. */
  Map<String, Tensor> tensors() {
    Map<String, Tensor> feeds = new LinkedHashMap<>();
    try {
      numbers.forEach((k, v) -> feeds.put(k, TFloat64.vectorOf(v)));
      strings.forEach((k, v) -> feeds.put(k, TString.tensorOfBytes(NdArrays.vectorOfObjects(v))));
    } catch (RuntimeException e) {
      feeds.values().forEach(Tensor::close);
      throw e;
    }
    return feeds;
  }

  void write(DataOutputStream out) throws IOException {
    out.writeInt(schema.size());
    for (int f = 0; f < schema.size(); f++) {
      out.writeUTF(schema.name(f));
      out.writeUTF(schema.type(f).name());
    }
    out.writeInt(size);
    for (double[] column : numbers.values()) {
      for (double v : column) {
        out.writeLong(Double.doubleToRawLongBits(v));
      }
    }
    for (byte[][] column : strings.values()) {
      for (byte[] v : column) {
        out.writeInt(v.length);
        out.write(v);
      }
    }
  }

  static RawColumns read(DataInputStream in) throws IOException {
    int features = in.readInt();
    List<FeatureSpec> specs = new ArrayList<>();
    for (int f = 0; f < features; f++) {
      specs.add(FeatureSpec.of(in.readUTF(), FeatureType.valueOf(in.readUTF())));
    }
    ExampleSchema schema = ExampleSchema.of(specs);
    RawColumns c = new RawColumns(schema, in.readInt());
    for (FeatureSpec spec : specs) {
      if (spec.type() != FeatureType.BYTES) {
        double[] column = new double[c.size];
        for (int i = 0; i < c.size; i++) {
          column[i] = Double.longBitsToDouble(in.readLong());
        }
        c.numbers.put(spec.name(), column);
      }
    }
    for (FeatureSpec spec : specs) {
      if (spec.type() == FeatureType.BYTES) {
        byte[][] column = new byte[c.size][];
        for (int i = 0; i < c.size; i++) {
          column[i] = in.readNBytes(in.readInt());
        }
        c.strings.put(spec.name(), column);
      }
    }
    return c;
  }

  static String text(byte[] value) {
    return new String(value, StandardCharsets.UTF_8);
  }
}
