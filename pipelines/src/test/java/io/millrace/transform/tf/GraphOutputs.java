package io.millrace.transform.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureType;
import io.millrace.transform.FeatureTransformer;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.tensorflow.Result;
import org.tensorflow.Tensor;
import org.tensorflow.TensorFunction;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;

/** What the graph computed for a set of records: integer outputs and float rows per output. */
final class GraphOutputs {
  final Map<String, List<Long>> ints = new LinkedHashMap<>();
  final Map<String, List<double[]>> floats = new LinkedHashMap<>();

  /** Runs {@code function} over {@code raw} in batches of {@code batch} records. */
  static GraphOutputs run(TensorFunction function, RawColumns raw, int batch) {
    GraphOutputs outputs = new GraphOutputs();
    for (int from = 0; from < raw.size; from += batch) {
      RawColumns slice = raw.slice(from, Math.min(raw.size, from + batch));
      Map<String, Tensor> feeds = slice.tensors();
      try (Result result = function.call(feeds)) {
        for (Map.Entry<String, Tensor> e : result) {
          outputs.append(e.getKey(), e.getValue(), slice.size);
        }
      } finally {
        feeds.values().forEach(Tensor::close);
      }
    }
    return outputs;
  }

  private void append(String name, Tensor t, int rows) {
    assertEquals(rows, t.shape().size(0), name + ": batch size");
    if (t instanceof TInt64 ints64) {
      assertEquals(1, t.shape().numDimensions(), name);
      List<Long> column = ints.computeIfAbsent(name, k -> new ArrayList<>());
      for (int i = 0; i < rows; i++) {
        column.add(ints64.getLong(i));
      }
    } else if (t instanceof TFloat64 f64) {
      List<double[]> column = floats.computeIfAbsent(name, k -> new ArrayList<>());
      if (t.shape().numDimensions() == 1) {
        for (int i = 0; i < rows; i++) {
          column.add(new double[] {f64.getDouble(i)});
        }
      } else {
        int depth = (int) t.shape().size(1);
        for (int i = 0; i < rows; i++) {
          double[] row = new double[depth];
          for (int j = 0; j < depth; j++) {
            row[j] = f64.getDouble(i, j);
          }
          column.add(row);
        }
      }
    } else {
      fail(name + ": unexpected output type " + t.dataType());
    }
  }

  void write(DataOutputStream out) throws IOException {
    out.writeInt(ints.size());
    for (Map.Entry<String, List<Long>> e : ints.entrySet()) {
      out.writeUTF(e.getKey());
      out.writeInt(e.getValue().size());
      for (long v : e.getValue()) {
        out.writeLong(v);
      }
    }
    out.writeInt(floats.size());
    for (Map.Entry<String, List<double[]>> e : floats.entrySet()) {
      out.writeUTF(e.getKey());
      out.writeInt(e.getValue().size());
      for (double[] row : e.getValue()) {
        out.writeInt(row.length);
        for (double v : row) {
          out.writeLong(Double.doubleToRawLongBits(v));
        }
      }
    }
  }

  static GraphOutputs read(DataInputStream in) throws IOException {
    GraphOutputs o = new GraphOutputs();
    for (int n = in.readInt(); n > 0; n--) {
      List<Long> column = new ArrayList<>();
      o.ints.put(in.readUTF(), column);
      for (int i = in.readInt(); i > 0; i--) {
        column.add(in.readLong());
      }
    }
    for (int n = in.readInt(); n > 0; n--) {
      List<double[]> column = new ArrayList<>();
      o.floats.put(in.readUTF(), column);
      for (int i = in.readInt(); i > 0; i--) {
        double[] row = new double[in.readInt()];
        for (int j = 0; j < row.length; j++) {
          row[j] = Double.longBitsToDouble(in.readLong());
        }
        column.add(row);
      }
    }
    return o;
  }

  /** What the comparison saw: values compared, float values not bit-identical, worst error. */
  record Agreement(
      long values, long inexact, double maxRelativeError, Set<String> inexactOutputs) {}

  /**
   * Asserts that the graph's outputs equal {@code runtime.apply(reference.apply(record))}: integer
   * outputs exactly, float outputs within 1e-6 relative (or both NaN, or equal infinities).
   */
  Agreement assertAgrees(
      FeatureTransformer runtime, List<Example> records, UnaryOperator<Example> reference) {
    ExampleSchema out = runtime.outputSchema();
    long values = 0;
    long inexact = 0;
    double worst = 0;
    Set<String> inexactOutputs = new TreeSet<>();
    for (int f = 0; f < out.size(); f++) {
      String name = out.name(f);
      boolean isInt = out.type(f) == FeatureType.INT;
      assertTrue(isInt ? ints.containsKey(name) : floats.containsKey(name), "no output " + name);
      assertEquals(
          records.size(), isInt ? ints.get(name).size() : floats.get(name).size(), name + " rows");
    }
    for (int i = 0; i < records.size(); i++) {
      Example expected = runtime.apply(reference.apply(records.get(i)));
      for (int f = 0; f < out.size(); f++) {
        String name = out.name(f);
        if (out.type(f) == FeatureType.INT) {
          long e = expected.int64s(f)[0];
          long a = ints.get(name).get(i);
          if (e != a) {
            fail(
                name
                    + " of record "
                    + i
                    + ": runtime "
                    + e
                    + ", graph "
                    + a
                    + ": "
                    + records.get(i));
          }
          values++;
        } else {
          double[] e = expected.floats(f);
          double[] a = floats.get(name).get(i);
          assertEquals(e.length, a.length, name + " of record " + i + ": length");
          for (int j = 0; j < e.length; j++) {
            values++;
            if (Double.doubleToLongBits(e[j]) == Double.doubleToLongBits(a[j]) || e[j] == a[j]) {
              continue;
            }
            inexact++;
            inexactOutputs.add(name);
            double error = Math.abs(e[j] - a[j]) / Math.max(Math.abs(e[j]), Math.abs(a[j]));
            if (!(error <= 1e-6)) {
              fail(
                  name
                      + "["
                      + j
                      + "] of record "
                      + i
                      + ": runtime "
                      + e[j]
                      + ", graph "
                      + a[j]
                      + ": "
                      + records.get(i));
            }
            worst = Math.max(worst, error);
          }
        }
      }
    }
    return new Agreement(values, inexact, worst, inexactOutputs);
  }
}
