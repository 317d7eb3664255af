package io.millrace.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.ingest.csv.CsvFormatReader;
import io.millrace.record.Example;
import io.millrace.testing.CollectingSink;
import io.millrace.transform.FeatureTransformer;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.TensorProto;

/**
 * A model of each task (and each kind at least once) exported with its transform, reloaded in a
 * fresh JVM and fed raw records (serving signature) and runtime-transformed records (transformed
 * signature), gives what the Java forward pass gives on the runtime-transformed records; its
 * weights are checkpointed variables, not graph constants.
 */
class ModelExportTest {
  /** Eval rows scored in the child JVM per case; enough to cover every class and id. */
  private static final int ROWS = 2000;

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(
            "taxi BINARY WIDE_AND_DEEP",
            (Supplier<SplitDataset>) SplitDataset::taxi,
            List.of(),
            ModelConfig.builder().wideAndDeep(32, 16).epochs(2).learningRate(0.005f).build()),
        Arguments.of(
            "penguins MULTICLASS LINEAR",
            (Supplier<SplitDataset>) SplitDataset::penguins,
            List.of("Adelie,Atlantis,39.1,18.7,181,3750,male,2007"),
            ModelConfig.builder().learningRate(0.05f).epochs(5).batchSize(32).build()),
        Arguments.of(
            "diamonds REGRESSION DNN",
            (Supplier<SplitDataset>) SplitDataset::diamonds,
            List.of("0.5,\"Mediocre\",\"E\",\"SI2\",61.5,55,1000,5.0,5.0,3.1"),
            ModelConfig.builder().dnn(32, 16).epochs(1).learningRate(0.005f).build()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void reloadedSavedModelAgreesWithJavaForwardPass(
      String name,
      Supplier<SplitDataset> dataset,
      List<String> unseenValues,
      ModelConfig config,
      @TempDir Path dir)
      throws Exception {
    SplitDataset data = dataset.get();
    TrainedModel model = new Trainer(config).train(data.train());
    // Eval rows plus rows with values the transform never saw (a vocabulary's -1 id).
    Path csv = dir.resolve("eval.csv");
    List<String> lines = new ArrayList<>();
    lines.add(data.header());
    lines.addAll(data.evalLines().subList(0, Math.min(ROWS, data.evalLines().size())));
    lines.addAll(unseenValues);
    Files.write(csv, lines);
    List<Example> raw =
        CollectingSink.read(new CsvFormatReader(SplitDataset.formatOptions()), csv).examples;
    assertEquals(lines.size() - 1, raw.size());
    FeatureTransformer transformer = data.fitted().transformer();
    List<Example> transformed = raw.stream().map(transformer::apply).toList();
    if (!unseenValues.isEmpty()) {
      Example last = transformed.get(transformed.size() - 1);
      assertTrue(
          data.layout().idColumns().stream()
              .anyMatch(c -> last.int64s(last.schema().requireIndex(c))[0] == -1),
          "the unseen value must give an id of -1");
    }
    TrainingData evalRows = TransformedData.of(data.layout(), transformed);
    assertEquals(0, evalRows.skippedRows(), "rows must stay aligned with the raw records");
    float[] expected = model.predict(evalRows);

    Path exported = dir.resolve("model");
    ModelExport.export(data.fitted(), data.layout(), model, exported);
    assertTrue(Files.exists(exported.resolve("variables").resolve("variables.index")));
    assertWeightsAreVariablesNotConstants(exported, model);

    Path transformDir = dir.resolve("transform");
    data.fitted().write(transformDir, false);
    Path outFile = dir.resolve("out.bin");
    runChild(dir, exported, csv, transformDir, outFile);

    String key = ModelExport.outputKey(model.task());
    try (DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(outFile)))) {
      for (String signature : List.of("serving_default", ModelExport.TRANSFORMED_SIGNATURE)) {
        assertEquals(key, in.readUTF(), signature + " output key");
        assertEquals(raw.size(), in.readInt(), signature + " rows");
        assertEquals(model.outputWidth(), in.readInt(), signature + " width");
        float[] actual = new float[expected.length];
        for (int i = 0; i < actual.length; i++) {
          actual[i] = in.readFloat();
        }
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
        assertTrue(max - min > 0.1f, "degenerate outputs in [" + min + ", " + max + "]");
        System.out.printf(
            "%s, %s: %d rows × %d, max |savedmodel - java| = %.3g%n",
            name, signature, raw.size(), model.outputWidth(), maxDiff);
        assertTrue(
            maxDiff <= 1e-6,
            signature + " value " + worst + ": java " + expected[worst] + " vs " + actual[worst]);
      }
    }
  }

  private static void runChild(Path dir, Path model, Path csv, Path transform, Path out)
      throws IOException, InterruptedException {
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                ModelExportMain.class.getName(),
                model.toString(),
                csv.toString(),
                transform.toString(),
                out.toString())
            .redirectErrorStream(true);
    builder.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    Path log = dir.resolve("child.log");
    builder.redirectOutput(log.toFile());
    Process child = builder.start();
    boolean done = child.waitFor(120, TimeUnit.SECONDS);
    if (!done) {
      child.destroyForcibly();
    }
    String text = Files.readString(log);
    assertTrue(done, "the child JVM did not finish:\n" + text);
    assertEquals(0, child.exitValue(), "the child JVM failed:\n" + text);
  }

  /**
   * Every weight is a VariableV2 node, and no float constant in {@code saved_model.pb} holds a
   * weight's values (as float32 or widened to float64).
   */
  private static void assertWeightsAreVariablesNotConstants(Path dir, TrainedModel model)
      throws IOException {
    SavedModel saved = SavedModel.parseFrom(Files.readAllBytes(dir.resolve("saved_model.pb")));
    List<NodeDef> nodes = saved.getMetaGraphs(0).getGraphDef().getNodeList();
    Set<String> variables = new HashSet<>();
    List<double[]> constants = new ArrayList<>();
    for (NodeDef node : nodes) {
      if (node.getOp().equals("VariableV2")) {
        variables.add(node.getName());
      } else if (node.getOp().equals("Const")) {
        double[] values = floats(node.getAttrOrThrow("value").getTensor());
        if (values != null) {
          constants.add(values);
        }
      }
    }
    for (String weight : model.weightNames()) {
      assertTrue(
          variables.contains(ModelExport.variableName(weight)),
          "no variable for " + weight + " among " + variables);
      float[] w = model.weight(weight);
      double[] widened = new double[w.length];
      for (int i = 0; i < w.length; i++) {
        widened[i] = w[i];
      }
      boolean allZero = Arrays.stream(widened).allMatch(v -> v == 0);
      if (w.length < 2 || allZero) {
        continue;
      }
      for (double[] c : constants) {
        assertFalse(Arrays.equals(c, widened), "a Const op holds the values of " + weight);
      }
    }
  }

  /** The values of a float or double constant, or null for other types. */
  private static double[] floats(TensorProto t) {
    if (t.getDtype() == DataType.DT_FLOAT) {
      if (!t.getTensorContent().isEmpty()) {
        ByteBuffer b = t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        double[] out = new double[b.remaining() / 4];
        for (int i = 0; i < out.length; i++) {
          out[i] = b.getFloat();
        }
        return out;
      }
      return t.getFloatValList().stream().mapToDouble(Float::doubleValue).toArray();
    }
    if (t.getDtype() == DataType.DT_DOUBLE) {
      if (!t.getTensorContent().isEmpty()) {
        ByteBuffer b = t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        double[] out = new double[b.remaining() / 8];
        for (int i = 0; i < out.length; i++) {
          out[i] = b.getDouble();
        }
        return out;
      }
      return t.getDoubleValList().stream().mapToDouble(Double::doubleValue).toArray();
    }
    return null;
  }
}
