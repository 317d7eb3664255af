package io.millrace.train;

import io.millrace.ingest.csv.CsvFormatReader;
import io.millrace.record.Example;
import io.millrace.testing.CollectingSink;
import io.millrace.transform.FeatureTransformer;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.tf.TransformGraph;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * Run in a fresh JVM by {@link ModelExportTest}: {@code MODEL_DIR CSV_FILE TRANSFORM_DIR
 * OUTPUT_FILE}. Loads the exported model, feeds the raw CSV records through its {@value
 * TransformGraph#SIGNATURE} signature (raw input convention of {@link TransformGraph}) and the
 * records transformed by the fitted transform at TRANSFORM_DIR through its {@value
 * ModelExport#TRANSFORMED_SIGNATURE} signature, and writes, per signature, the row count, the
 * output width and the outputs (row-major floats).
 */
public final class ModelExportMain {
  private static final int BATCH = 500;

  private ModelExportMain() {}

  public static void main(String[] args) throws Exception {
    List<Example> records =
        CollectingSink.read(new CsvFormatReader(SplitDataset.formatOptions()), Path.of(args[1]))
            .examples;
    FeatureTransformer transformer = FittedTransform.read(Path.of(args[2])).transformer();
    List<Example> transformed = records.stream().map(transformer::apply).toList();
    try (SavedModelBundle bundle =
            SavedModelBundle.loader(args[0]).withTags(TransformGraph.TAG).load();
        DataOutputStream out =
            new DataOutputStream(
                new BufferedOutputStream(Files.newOutputStream(Path.of(args[3]))))) {
      score(bundle.function(TransformGraph.SIGNATURE), records, ModelExportMain::rawFeed, out);
      score(
          bundle.function(ModelExport.TRANSFORMED_SIGNATURE),
          transformed,
          (batch, name) -> transformedFeed(batch, name),
          out);
    }
    System.out.println("scored " + records.size() + " records");
  }

  private static void score(
      SessionFunction function,
      List<Example> rows,
      BiFunction<List<Example>, Map.Entry<String, Signature.TensorDescription>, Tensor> feed,
      DataOutputStream out)
      throws IOException {
    Map<String, Signature.TensorDescription> outputs = function.signature().getOutputs();
    if (outputs.size() != 1) {
      throw new IllegalStateException("expected one output, got " + outputs.keySet());
    }
    String key = outputs.keySet().iterator().next();
    float[] values = null;
    int width = 0;
    for (int from = 0; from < rows.size(); from += BATCH) {
      List<Example> batch = rows.subList(from, Math.min(rows.size(), from + BATCH));
      Map<String, Tensor> feeds = new LinkedHashMap<>();
      try {
        for (Map.Entry<String, Signature.TensorDescription> input :
            function.signature().getInputs().entrySet()) {
          feeds.put(input.getKey(), feed.apply(batch, input));
        }
        try (Result result = function.call(feeds)) {
          TFloat32 p = (TFloat32) result.get(key).orElseThrow();
          Shape shape = p.shape();
          if (shape.size(0) != batch.size() || shape.numDimensions() > 2) {
            throw new IllegalStateException("unexpected output shape " + shape);
          }
          if (values == null) {
            width = shape.numDimensions() == 1 ? 1 : (int) shape.size(1);
            values = new float[rows.size() * width];
          }
          for (int i = 0; i < batch.size(); i++) {
            for (int j = 0; j < width; j++) {
              values[(from + i) * width + j] =
                  shape.numDimensions() == 1 ? p.getFloat(i) : p.getFloat(i, j);
            }
          }
        }
      } finally {
        feeds.values().forEach(Tensor::close);
      }
    }
    out.writeUTF(key);
    out.writeInt(rows.size());
    out.writeInt(width);
    for (float v : values) {
      out.writeFloat(v);
    }
  }

  /** One raw column: first value, NaN or "" when missing. */
  private static Tensor rawFeed(
      List<Example> batch, Map.Entry<String, Signature.TensorDescription> input) {
    String name = input.getKey();
    boolean text = input.getValue().dataType == DataType.DT_STRING;
    byte[][] strings = new byte[batch.size()][];
    double[] numbers = new double[batch.size()];
    for (int i = 0; i < batch.size(); i++) {
      Example r = batch.get(i);
      int index = r.schema().indexOf(name);
      Object v = index < 0 ? null : r.rawValues(index);
      strings[i] = v instanceof byte[][] b && b.length > 0 ? b[0] : new byte[0];
      if (v instanceof double[] d && d.length > 0) {
        numbers[i] = d[0];
      } else if (v instanceof long[] l && l.length > 0) {
        numbers[i] = l[0];
      } else {
        numbers[i] = Double.NaN;
      }
    }
    return text
        ? TString.tensorOfBytes(NdArrays.vectorOfObjects(strings))
        : TFloat64.vectorOf(numbers);
  }

  /** One transformed output as a feed: int64 [batch], float64 [batch] or [batch, depth]. */
  static Tensor transformedFeed(
      List<Example> rows, Map.Entry<String, Signature.TensorDescription> input) {
    String name = input.getKey();
    int index = rows.get(0).schema().requireIndex(name);
    if (rows.get(0).rawValues(index) instanceof long[]) {
      long[] v = new long[rows.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = rows.get(i).int64s(index)[0];
      }
      return TInt64.vectorOf(v);
    }
    int depth = ((double[]) rows.get(0).rawValues(index)).length;
    boolean matrix = input.getValue().shape.numDimensions() == 2;
    TFloat64 t = TFloat64.tensorOf(matrix ? Shape.of(rows.size(), depth) : Shape.of(rows.size()));
    for (int i = 0; i < rows.size(); i++) {
      double[] d = (double[]) rows.get(i).rawValues(index);
      for (int j = 0; j < depth; j++) {
        if (matrix) {
          t.setDouble(d[j], i, j);
        } else {
          t.setDouble(d[j], i);
        }
      }
    }
    return t;
  }
}
