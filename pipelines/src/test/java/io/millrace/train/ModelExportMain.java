package io.millrace.train;

import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.csv.CsvFormatReader;
import io.millrace.record.Example;
import io.millrace.testing.CollectingSink;
import io.millrace.transform.tf.TransformGraph;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TString;

/**
 * Run in a fresh JVM by {@link ModelExportTest}: {@code MODEL_DIR CSV_FILE OUTPUT_FILE}. Loads the
 * exported model, feeds the raw CSV records through its serving signature (raw input convention of
 * {@link TransformGraph}) and writes the row count and the probabilities.
 */
public final class ModelExportMain {
  private static final int BATCH = 500;

  private ModelExportMain() {}

  public static void main(String[] args) throws Exception {
    List<Example> records =
        CollectingSink.read(new CsvFormatReader(FormatOptions.defaults()), Path.of(args[1]))
            .examples;
    float[] probabilities = new float[records.size()];
    try (SavedModelBundle bundle =
        SavedModelBundle.loader(args[0]).withTags(TransformGraph.TAG).load()) {
      SessionFunction function = bundle.function(TransformGraph.SIGNATURE);
      Map<String, Signature.TensorDescription> inputs = function.signature().getInputs();
      for (int from = 0; from < records.size(); from += BATCH) {
        List<Example> batch = records.subList(from, Math.min(records.size(), from + BATCH));
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        try {
          inputs.forEach(
              (name, d) -> feeds.put(name, feed(batch, name, d.dataType == DataType.DT_STRING)));
          try (Result result = function.call(feeds)) {
            TFloat32 p = (TFloat32) result.get(ModelExport.OUTPUT).orElseThrow();
            if (p.shape().numDimensions() != 1 || p.shape().size(0) != batch.size()) {
              throw new IllegalStateException("unexpected output shape " + p.shape());
            }
            for (int i = 0; i < batch.size(); i++) {
              probabilities[from + i] = p.getFloat(i);
            }
          }
        } finally {
          feeds.values().forEach(Tensor::close);
        }
      }
    }
    try (DataOutputStream out =
        new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(Path.of(args[2]))))) {
      out.writeInt(probabilities.length);
      for (float p : probabilities) {
        out.writeFloat(p);
      }
    }
    System.out.println("scored " + records.size() + " records");
  }

  /** One raw column: first value, NaN or "" when missing. */
  private static Tensor feed(List<Example> batch, String name, boolean text) {
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
}
