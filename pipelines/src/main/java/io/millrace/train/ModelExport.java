package io.millrace.train;

import io.millrace.record.FeatureType;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.FittedTransform.Fitted;
import io.millrace.transform.TransformSpec;
import io.millrace.transform.tf.TransformGraph;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/**
 * Exports a trained DNN together with its transform as one SavedModel (tag {@value
 * TransformGraph#TAG}): the {@value TransformGraph#SIGNATURE} signature takes the raw features (the
 * {@link TransformGraph} raw input convention), applies the transform, assembles the model inputs
 * as {@link TransformedData#of} does and returns {@value #OUTPUT}, P(label = 1) as float32 {@code
 * [batch]}. A second signature, {@value #TRANSFORMED_SIGNATURE}, takes the transformed features
 * directly.
 *
 * <p>The weights are graph constants, so the reloaded model needs no variable restore. The forward
 * pass mirrors {@link TrainedModel#predictProbabilities}: each layer is computed in float64 from
 * float32 inputs and weights and rounded to float32, as the Java loop does; the sigmoid is in
 * float64.
 */
public final class ModelExport {
  /** The output key of both signatures. */
  public static final String OUTPUT = "probabilities";

  /**
   * The signature that takes the transformed features (the layout's dense features and id columns,
   * keyed by output name, typed as {@link TransformGraph} outputs) instead of raw ones.
   */
  public static final String TRANSFORMED_SIGNATURE = "transformed";

  private ModelExport() {}

  public static void export(
      FittedTransform fitted,
      TransformedData.Layout layout,
      TrainedModel model,
      ModelConfig config,
      Path dir)
      throws IOException {
    if (config.kind() != ModelConfig.Kind.DNN) {
      throw new UnsupportedOperationException("only DNN models are exported, not " + config.kind());
    }
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Map<String, Placeholder<?>> inputs = TransformGraph.placeholders(tf, fitted);
      Map<String, Operand<?>> transformed = TransformGraph.build(tf, fitted, inputs);
      Operand<TFloat32> probabilities =
          network(tf.withSubScope("model"), fitted, layout, model, config, transformed);
      Signature.Builder signature = Signature.builder().key(TransformGraph.SIGNATURE);
      inputs.forEach(signature::input);
      signature.output(OUTPUT, probabilities);

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
          network(tf.withSubScope("model_t"), fitted, layout, model, config, direct);
      Signature.Builder second = Signature.builder().key(TRANSFORMED_SIGNATURE);
      direct.forEach(second::input);
      second.output(OUTPUT, fromTransformed);

      SavedModelBundle.exporter(dir.toString())
          .withTags(TransformGraph.TAG)
          .withSession(session)
          .withSignature(signature.build())
          .withSignature(second.build())
          .export();
    }
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> network(
      Ops tf,
      FittedTransform fitted,
      TransformedData.Layout layout,
      TrainedModel model,
      ModelConfig config,
      Map<String, Operand<?>> transformed) {
    // Dense features in layout order; a one-hot output contributes its columns.
    List<Operand<TFloat64>> parts = new ArrayList<>();
    for (String name : layout.denseFeatures()) {
      Operand<? extends TType> value = (Operand<? extends TType>) transformed.get(name);
      // As TransformedData.of: to float32 (a long or a double rounded to float).
      Operand<TFloat64> x = tf.dtypes.cast(tf.dtypes.cast(value, TFloat32.class), TFloat64.class);
      parts.add(oneHot(fitted, name) ? x : tf.expandDims(x, tf.constant(-1)));
    }
    int dim = config.embeddingDim();
    for (int c = 0; c < layout.idColumns().size(); c++) {
      Operand<TInt64> id = (Operand<TInt64>) transformed.get(layout.idColumns().get(c));
      long last = layout.cardinalities().get(c) - 1L;
      Operand<TInt64> mapped =
          tf.select(
              tf.math.less(id, tf.zerosLike(id)), tf.fill(tf.shape(id), tf.constant(last)), id);
      parts.add(tf.gather(constant(tf, model, "embedding" + c), mapped, tf.constant(0)));
    }
    Operand<TFloat64> input = tf.concat(parts, tf.constant(1));
    for (int layer = 0; layer < config.hiddenUnits().size(); layer++) {
      input = rounded(tf, tf.nn.relu(dense(tf, model, input, "dense" + layer)));
    }
    Operand<TFloat64> logit = rounded(tf, dense(tf, model, input, "logits"));
    Operand<TFloat64> p = tf.math.sigmoid(tf.reshape(logit, tf.constant(new long[] {-1})));
    return tf.dtypes.cast(p, TFloat32.class);
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

  private static Operand<TFloat64> dense(
      Ops tf, TrainedModel model, Operand<TFloat64> in, String prefix) {
    return tf.math.add(
        tf.linalg.matMul(in, constant(tf, model, prefix + "/w")),
        constant(tf, model, prefix + "/b"));
  }

  /** Rounds to float32 and back, as the Java forward pass stores each layer in a float[]. */
  private static Operand<TFloat64> rounded(Ops tf, Operand<TFloat64> x) {
    return tf.dtypes.cast(tf.dtypes.cast(x, TFloat32.class), TFloat64.class);
  }

  private static Operand<TFloat64> constant(Ops tf, TrainedModel model, String name) {
    float[] w = model.weight(name);
    double[] d = new double[w.length];
    for (int i = 0; i < w.length; i++) {
      d[i] = w[i];
    }
    return tf.constant(Shape.of(model.shape(name)), DataBuffers.of(d, true, false));
  }
}
