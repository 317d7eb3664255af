package io.millrace.train;

import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.ArtifactKind;
import io.millrace.artifact.StoragePaths;
import io.millrace.record.FeatureType;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.FittedTransform.Fitted;
import io.millrace.transform.TransformSpec;
import io.millrace.transform.tf.TransformGraph;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/**
 * Exports a trained model of any kind and task together with its transform as one standard
 * SavedModel (tag {@value TransformGraph#TAG}), loadable by TensorFlow Serving.
 *
 * <p>Signatures: {@value TransformGraph#SIGNATURE} takes the raw features (the {@link
 * TransformGraph} raw input convention), applies the transform and assembles the model inputs as
 * {@link TransformedData#of} does (an id of -1 becomes the column's last id); {@value
 * #TRANSFORMED_SIGNATURE} takes the layout's dense features and id columns by output name, typed as
 * {@link TransformGraph} outputs (float64 {@code [batch]}, float64 {@code [batch, depth]} for a
 * one-hot, int64 {@code [batch]} for integer features and ids). Output ({@link #outputKey}): BINARY
 * {@value #PROBABILITIES}, P(label = 1) as float32 {@code [batch]}; MULTICLASS {@value
 * #PROBABILITIES}, float32 {@code [batch, K]}; REGRESSION {@value #PREDICTIONS}, float32 {@code
 * [batch]}.
 *
 * <p>The weights are float32 variables ({@code VariableV2}, named {@code weights/NAME} with '/' in
 * NAME as '_'); their values live in the checkpoint under {@code variables/} and are restored on
 * load, so {@code saved_model.pb} holds no weight values and the model needs no init op. The
 * forward pass mirrors {@link TrainedModel#predict}: each layer is computed in float64 from float32
 * inputs and weights and rounded to float32, as the Java loop does; sigmoid and softmax are in
 * float64.
 */
public final class ModelExport {
  /** The output key of BINARY and MULTICLASS models. */
  public static final String PROBABILITIES = "probabilities";

  /** The output key of REGRESSION models. */
  public static final String PREDICTIONS = "predictions";

  /**
   * The signature that takes the transformed features (the layout's dense features and id columns,
   * keyed by output name, typed as {@link TransformGraph} outputs) instead of raw ones.
   */
  public static final String TRANSFORMED_SIGNATURE = "transformed";

  /** The scope of the weight variables. */
  public static final String WEIGHTS_SCOPE = "weights";

  /** What an overwriting export may replace: a SavedModel directory. */
  public static final ArtifactKind SAVED_MODEL =
      ArtifactKind.withEntries("a SavedModel", "saved_model.pb");

  private ModelExport() {}

  /** The output key of both signatures for a model of {@code task}. */
  public static String outputKey(Task task) {
    return task == Task.REGRESSION ? PREDICTIONS : PROBABILITIES;
  }

  /** The variable op name of weight {@code name} (e.g. {@code weights/dense0_w}). */
  public static String variableName(String weight) {
    return WEIGHTS_SCOPE + "/" + weight.replace('/', '_');
  }

  /** Exports to {@code dir}, which must not exist or be empty. */
  public static void export(
      FittedTransform fitted, TransformedData.Layout layout, TrainedModel model, Path dir)
      throws IOException {
    export(fitted, layout, model, dir, false);
  }

  /**
   * Exports to {@code dir} atomically (written beside it, checked, then renamed into place);
   * replaces an existing directory only if {@code overwrite}.
   */
  public static void export(
      FittedTransform fitted,
      TransformedData.Layout layout,
      TrainedModel model,
      Path dir,
      boolean overwrite)
      throws IOException {
    if (layout.task() != model.task() || layout.numClasses() != model.numClasses()) {
      throw new IllegalArgumentException(
          "the layout is "
              + layout.task()
              + " with "
              + layout.numClasses()
              + " classes; the model is "
              + model.task()
              + " with "
              + model.numClasses());
    }
    if (StoragePaths.isRemote(dir)) {
      exportAndUpload(fitted, layout, model, dir, overwrite);
      return;
    }
    ArtifactDirectory artifact = ArtifactDirectory.begin(dir, overwrite, SAVED_MODEL);
    try {
      write(fitted, layout, model, artifact.staging());
      serializeDeterministically(artifact.staging().resolve("saved_model.pb"));
      verify(model, artifact.staging());
      artifact.commit();
    } catch (IOException | RuntimeException e) {
      artifact.abandon();
      throw e;
    }
  }

  /**
   * TensorFlow writes only local files: the SavedModel is exported and checked in a local temporary
   * folder, then uploaded as an artifact committed like any other.
   */
  private static void exportAndUpload(
      FittedTransform fitted,
      TransformedData.Layout layout,
      TrainedModel model,
      Path dir,
      boolean overwrite)
      throws IOException {
    Path local = Files.createTempDirectory("millrace-export");
    try {
      Path exported = local.resolve(dir.getFileName().toString());
      export(fitted, layout, model, exported, false);
      ArtifactDirectory artifact = ArtifactDirectory.begin(dir, overwrite, SAVED_MODEL);
      try {
        ArtifactDirectory.copyRecursively(exported, artifact.staging());
        artifact.commit();
      } catch (IOException | RuntimeException e) {
        artifact.abandon();
        throw e;
      }
    } finally {
      ArtifactDirectory.deleteRecursively(local);
    }
  }

  private static void write(
      FittedTransform fitted, TransformedData.Layout layout, TrainedModel model, Path dir)
      throws IOException {
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Map<String, Operand<TFloat64>> weights = weights(tf, session, model);
      String key = outputKey(model.task());

      Map<String, Placeholder<?>> inputs = TransformGraph.placeholders(tf, fitted);
      Map<String, Operand<?>> transformed = TransformGraph.build(tf, fitted, inputs);
      Operand<TFloat32> output =
          network(tf.withSubScope("model"), fitted, layout, model, weights, transformed);
      Signature.Builder signature = Signature.builder().key(TransformGraph.SIGNATURE);
      inputs.forEach(signature::input);
      signature.output(key, output);

      Ops in = tf.withSubScope("transformed_in");
      Map<String, Operand<?>> direct = new LinkedHashMap<>();
      for (String name : layout.denseFeatures()) {
        Fitted f = fitted(fitted, name);
        Ops named = in.withName(name);
        if (f.outputType() == FeatureType.INT) {
          direct.put(name, named.placeholder(TInt64.class, Placeholder.shape(Shape.of(-1))));
        } else {
          Shape shape = oneHot(fitted, name) ? Shape.of(-1, -1) : Shape.of(-1);
          direct.put(name, named.placeholder(TFloat64.class, Placeholder.shape(shape)));
        }
      }
      for (String name : layout.idColumns()) {
        direct.put(
            name, in.withName(name).placeholder(TInt64.class, Placeholder.shape(Shape.of(-1))));
      }
      Operand<TFloat32> fromTransformed =
          network(tf.withSubScope("model_t"), fitted, layout, model, weights, direct);
      Signature.Builder second = Signature.builder().key(TRANSFORMED_SIGNATURE);
      direct.forEach(second::input);
      second.output(key, fromTransformed);

      SavedModelBundle.exporter(dir.toString())
          .withTags(TransformGraph.TAG)
          .withSession(session)
          .withSignature(signature.build())
          .withSignature(second.build())
          .export();
    }
  }

  /**
   * Creates one uninitialized float32 variable per weight, assigns the trained values to it through
   * a fed placeholder (so the values never become graph constants) and returns it read as float64.
   */
  private static Map<String, Operand<TFloat64>> weights(
      Ops tf, Session session, TrainedModel model) {
    Ops scope = tf.withSubScope(WEIGHTS_SCOPE);
    Ops assignScope = tf.withSubScope("assign_weights");
    Map<String, Operand<TFloat64>> read = new LinkedHashMap<>();
    Session.Runner runner = session.runner();
    List<Tensor> values = new ArrayList<>();
    try {
      for (String name : model.weightNames()) {
        Shape shape = Shape.of(model.shape(name));
        String opName = name.replace('/', '_');
        Variable<TFloat32> variable = scope.withName(opName).variable(shape, TFloat32.class);
        Placeholder<TFloat32> value =
            assignScope.withName(opName).placeholder(TFloat32.class, Placeholder.shape(shape));
        Op assign = assignScope.assign(variable, value);
        TFloat32 tensor = TFloat32.tensorOf(shape, DataBuffers.of(model.weight(name), true, false));
        values.add(tensor);
        runner.feed(value, tensor).addTarget(assign);
        read.put(name, tf.dtypes.cast(variable, TFloat64.class));
      }
      runner.run().close();
    } finally {
      values.forEach(Tensor::close);
    }
    return read;
  }

  /** Reloads the export and checks that the checkpoint exists and restores the trained weights. */
  /**
   * Rewrites saved_model.pb with its map fields (node attributes, signatures) in key order: the C++
   * writer orders them by hash, so two exports of the same model differed byte for byte and the
   * model's fingerprint could not identify it across runs and runners.
   */
  private static void serializeDeterministically(Path file) throws IOException {
    org.tensorflow.proto.SavedModel proto =
        org.tensorflow.proto.SavedModel.parseFrom(java.nio.file.Files.readAllBytes(file));
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    com.google.protobuf.CodedOutputStream out =
        com.google.protobuf.CodedOutputStream.newInstance(bytes);
    out.useDeterministicSerialization();
    proto.writeTo(out);
    out.flush();
    ArtifactDirectory.writeAtomically(file, bytes.toByteArray());
  }

  private static void verify(TrainedModel model, Path dir) throws IOException {
    Path index = dir.resolve("variables").resolve("variables.index");
    if (!Files.exists(index)) {
      throw new IOException("the SavedModel was written without its variables: no " + index);
    }
    try (SavedModelBundle bundle =
        SavedModelBundle.loader(dir.toString()).withTags(TransformGraph.TAG).load()) {
      Session.Runner runner = bundle.session().runner();
      List<String> names = model.weightNames();
      for (String name : names) {
        runner.fetch(variableName(name));
      }
      try (Result result = runner.run()) {
        for (int i = 0; i < names.size(); i++) {
          TFloat32 restored = (TFloat32) result.get(i);
          float[] expected = model.weight(names.get(i));
          float[] actual = new float[expected.length];
          restored.copyTo(DataBuffers.of(actual, false, false));
          if (!java.util.Arrays.equals(expected, actual)) {
            throw new IOException(
                dir + ": weight " + names.get(i) + " reloads with other values than trained");
          }
        }
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> network(
      Ops tf,
      FittedTransform fitted,
      TransformedData.Layout layout,
      TrainedModel model,
      Map<String, Operand<TFloat64>> weights,
      Map<String, Operand<?>> transformed) {
    // Dense features in layout order; a one-hot output contributes its columns.
    List<Operand<TFloat64>> denseParts = new ArrayList<>();
    for (String name : layout.denseFeatures()) {
      Operand<? extends TType> value = (Operand<? extends TType>) transformed.get(name);
      // As TransformedData.of: to float32 (a long or a double rounded to float).
      Operand<TFloat64> x = tf.dtypes.cast(tf.dtypes.cast(value, TFloat32.class), TFloat64.class);
      denseParts.add(oneHot(fitted, name) ? x : tf.expandDims(x, tf.constant(-1)));
    }
    Operand<TFloat64> dense =
        denseParts.size() == 1 ? denseParts.get(0) : tf.concat(denseParts, tf.constant(1));
    List<Operand<TInt64>> ids = new ArrayList<>();
    for (int c = 0; c < layout.idColumns().size(); c++) {
      Operand<TInt64> id = (Operand<TInt64>) transformed.get(layout.idColumns().get(c));
      long last = layout.cardinalities().get(c) - 1L;
      ids.add(
          tf.select(
              tf.math.less(id, tf.zerosLike(id)), tf.fill(tf.shape(id), tf.constant(last)), id));
    }
    ModelConfig config = model.config();
    Operand<TFloat64> z = null;
    if (config.wide()) {
      String prefix = config.kind() == ModelConfig.Kind.LINEAR ? "linear" : "wide";
      z = tf.linalg.matMul(dense, weights.get(prefix + "/w"));
      for (int c = 0; c < ids.size(); c++) {
        z = tf.math.add(z, tf.gather(weights.get(prefix + "/ids" + c), ids.get(c), tf.constant(0)));
      }
    }
    if (config.deep()) {
      List<Operand<TFloat64>> parts = new ArrayList<>();
      parts.add(dense);
      for (int c = 0; c < ids.size(); c++) {
        parts.add(tf.gather(weights.get("embedding" + c), ids.get(c), tf.constant(0)));
      }
      Operand<TFloat64> h = parts.size() == 1 ? dense : tf.concat(parts, tf.constant(1));
      for (int layer = 0; layer < config.hiddenUnits().size(); layer++) {
        String prefix = "dense" + layer;
        h =
            rounded(
                tf,
                tf.nn.relu(
                    tf.math.add(
                        tf.linalg.matMul(h, weights.get(prefix + "/w")),
                        weights.get(prefix + "/b"))));
      }
      Operand<TFloat64> deep = tf.linalg.matMul(h, weights.get("logits/w"));
      z = z == null ? deep : tf.math.add(z, deep);
    }
    String bias = config.kind() == ModelConfig.Kind.LINEAR ? "linear/b" : "logits/b";
    Operand<TFloat64> logits = rounded(tf, tf.math.add(z, weights.get(bias)));
    Operand<TFloat64> out =
        switch (model.task()) {
          case BINARY -> tf.math.sigmoid(flat(tf, logits));
          case REGRESSION -> flat(tf, logits);
          case MULTICLASS -> tf.nn.softmax(logits);
        };
    return tf.dtypes.cast(out, TFloat32.class);
  }

  private static Operand<TFloat64> flat(Ops tf, Operand<TFloat64> x) {
    return tf.reshape(x, tf.constant(new long[] {-1}));
  }

  private static boolean oneHot(FittedTransform fitted, String output) {
    Fitted f = fitted(fitted, output);
    return f.kind() == TransformSpec.Kind.COMPUTE_AND_APPLY_VOCABULARY
        && f.outputType() == FeatureType.FLOAT;
  }

  private static Fitted fitted(FittedTransform fitted, String output) {
    for (Fitted f : fitted.fitted()) {
      if (f.output().equals(output)) {
        return f;
      }
    }
    throw new IllegalArgumentException("the transform has no output '" + output + "'");
  }

  /** Rounds to float32 and back, as the Java forward pass stores each layer in a float[]. */
  private static Operand<TFloat64> rounded(Ops tf, Operand<TFloat64> x) {
    return tf.dtypes.cast(tf.dtypes.cast(x, TFloat32.class), TFloat64.class);
  }
}
