package io.millrace.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.csv.CsvFormatReader;
import io.millrace.record.Example;
import io.millrace.testing.CollectingSink;
import io.millrace.testing.SharedData;
import io.millrace.transform.FeatureTransformer;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.TransformAnalyzer;
import io.millrace.transform.TransformSpec;
import io.millrace.transform.tf.TransformGraph;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;

/**
 * The taxi DNN exported with its transform, reloaded in a fresh JVM and fed raw eval records, gives
 * the probabilities the Java forward pass gives on the runtime-transformed records.
 */
class ModelExportTest {
  private static List<Example> read(Path file) throws IOException {
    return CollectingSink.read(new CsvFormatReader(FormatOptions.defaults()), file).examples;
  }

  @Test
  void reloadedRawServingModelAgreesWithJavaForwardPass(@TempDir Path dir) throws Exception {
    TransformSpec spec = TransformSpec.read(Path.of("..", "examples", "taxi", "transform.json"));
    List<Example> train = read(SharedData.path("taxi/tutorial/train.csv"));
    TransformAnalyzer analyzer = TransformAnalyzer.create(spec, train.get(0).schema());
    train.forEach(analyzer::add);
    FittedTransform fitted = analyzer.fit("taxi");
    FeatureTransformer transformer = fitted.transformer();
    TransformedData.Layout layout = TransformedData.layout(fitted, "big_tipper");
    TrainingData trainData =
        TransformedData.of(layout, train.stream().map(transformer::apply).toList());
    ModelConfig config = ModelConfig.builder().dnn(32, 16).epochs(2).learningRate(0.005f).build();
    TrainedModel model = new Trainer(config).train(trainData);

    Path evalCsv = SharedData.path("taxi/tutorial/eval.csv");
    List<Example> eval = read(evalCsv);
    float[] expected =
        model.predictProbabilities(
            TransformedData.of(layout, eval.stream().map(transformer::apply).toList()));

    Path exported = dir.resolve("model");
    ModelExport.export(fitted, layout, model, config, exported);
    assertTrue(Files.exists(exported.resolve("saved_model.pb")));

    Path outFile = dir.resolve("out.bin");
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                ModelExportMain.class.getName(),
                exported.toString(),
                evalCsv.toString(),
                outFile.toString())
            .redirectErrorStream(true);
    builder.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    builder.redirectOutput(dir.resolve("child.log").toFile());
    Process child = builder.start();
    boolean done = child.waitFor(120, TimeUnit.SECONDS);
    if (!done) {
      child.destroyForcibly();
    }
    String log = Files.readString(dir.resolve("child.log"));
    assertTrue(done, "the child JVM did not finish:\n" + log);
    assertEquals(0, child.exitValue(), "the child JVM failed:\n" + log);

    float[] actual;
    try (DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(outFile)))) {
      actual = new float[in.readInt()];
      for (int i = 0; i < actual.length; i++) {
        actual[i] = in.readFloat();
      }
    }
    assertEquals(expected.length, actual.length, "rows");
    double maxDiff = 0;
    int worst = 0;
    for (int i = 0; i < expected.length; i++) {
      double diff = Math.abs((double) expected[i] - actual[i]);
      if (!(diff <= maxDiff)) {
        maxDiff = diff;
        worst = i;
      }
    }
    float min = Float.MAX_VALUE;
    float max = -Float.MAX_VALUE;
    for (float p : actual) {
      min = Math.min(min, p);
      max = Math.max(max, p);
    }
    assertTrue(max - min > 0.1f, "degenerate probabilities in [" + min + ", " + max + "]");
    System.out.printf(
        "exported taxi DNN, eval.csv: %d rows, max |p_savedmodel - p_java| = %.3g (row %d)%n",
        expected.length, maxDiff, worst);
    assertTrue(
        maxDiff <= 1e-5,
        "row " + worst + ": java " + expected[worst] + " vs SavedModel " + actual[worst]);

    // The second signature, fed the runtime's transformed records, in this JVM.
    List<Example> transformed = eval.stream().map(transformer::apply).toList();
    double maxDirect = 0;
    try (SavedModelBundle bundle =
        SavedModelBundle.loader(exported.toString()).withTags(TransformGraph.TAG).load()) {
      Map<String, Tensor> feeds = new LinkedHashMap<>();
      try {
        for (String name : layout.denseFeatures()) {
          feeds.put(name, column(transformed, name));
        }
        for (String name : layout.idColumns()) {
          feeds.put(name, column(transformed, name));
        }
        try (Result result = bundle.function(ModelExport.TRANSFORMED_SIGNATURE).call(feeds)) {
          TFloat32 p = (TFloat32) result.get(ModelExport.OUTPUT).orElseThrow();
          for (int i = 0; i < expected.length; i++) {
            maxDirect = Math.max(maxDirect, Math.abs((double) expected[i] - p.getFloat(i)));
          }
        }
      } finally {
        feeds.values().forEach(Tensor::close);
      }
    }
    System.out.printf("transformed signature: max |p - p_java| = %.3g%n", maxDirect);
    assertTrue(maxDirect <= 1e-5, "transformed signature differs by " + maxDirect);
  }

  /** One transformed output as a feed: int64 [batch], float64 [batch] or [batch, depth]. */
  private static Tensor column(List<Example> rows, String name) {
    int index = rows.get(0).schema().requireIndex(name);
    if (rows.get(0).rawValues(index) instanceof long[]) {
      long[] v = new long[rows.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = rows.get(i).int64s(index)[0];
      }
      return TInt64.vectorOf(v);
    }
    int depth = ((double[]) rows.get(0).rawValues(index)).length;
    boolean matrix = depth != 1;
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
