package io.millrace.model;

import io.millrace.record.FeatureType;
import io.millrace.train.ModelExport;
import io.millrace.train.Task;
import io.millrace.train.TransformedData;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.FittedTransform.Fitted;
import io.millrace.transform.tf.TransformGraph;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;

/**
 * Hand-built MULTICLASS and REGRESSION models over the taxi transform, exported with the signatures
 * of the trainer contract, until the trainer exports those tasks itself.
 *
 * <ul>
 *   <li>REGRESSION: label {@code fare_z}, prediction {@code 0.5 * trip_miles_z + 0.1}.
 *   <li>MULTICLASS: label {@code payment_type_id} (K = vocabulary + 10 OOV buckets), probabilities
 *       {@code softmax(trip_miles_z * 0.1 * (1..K))}.
 * </ul>
 */
final class SyntheticModels {
  private SyntheticModels() {}

  static String label(Task task) {
    return task == Task.REGRESSION ? "fare_z" : "payment_type_id";
  }

  static List<String> classNames(FittedTransform fitted) {
    int step = 0;
    while (!fitted.fitted().get(step).output().equals("payment_type_id")) {
      step++;
    }
    List<String> names = new ArrayList<>();
    fitted.vocabulary(step).forEach(v -> names.add(new String(v, StandardCharsets.UTF_8)));
    for (int i = 0; i < 10; i++) {
      names.add("OOV-" + i);
    }
    return names;
  }

  static ModelArtifact write(Path dir, Task task) throws IOException {
    FittedTransform fitted = TaxiModels.fitted();
    TransformedData.Layout layout = TransformedData.layout(fitted, label(task));
    List<String> classNames = task == Task.MULTICLASS ? classNames(fitted) : List.of();
    return ModelArtifact.write(
        dir,
        "synthetic-" + task.name().toLowerCase(),
        fitted,
        task,
        layout.label(),
        classNames,
        new ModelArtifact.Inputs(
            layout.denseFeatures(), layout.idColumns(), layout.cardinalities()),
        Map.of("kind", "synthetic"),
        new ModelArtifact.TrainingSummary(List.of(1.0, 0.5, 0.25), null, 0, 0, Map.of()),
        Map.of(),
        savedModel -> export(fitted, layout, task, classNames.size(), savedModel));
  }

  private static void export(
      FittedTransform fitted, TransformedData.Layout layout, Task task, int k, Path dir)
      throws IOException {
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Map<String, Placeholder<?>> raw = TransformGraph.placeholders(tf, fitted);
      Map<String, Operand<?>> transformed = TransformGraph.build(tf, fitted, raw);
      Signature.Builder serving = Signature.builder().key(TransformGraph.SIGNATURE);
      raw.forEach(serving::input);
      serving.output(
          ModelExport.outputKey(task), head(tf.withSubScope("m1"), transformed, task, k));

      Ops in = tf.withSubScope("transformed_in");
      Map<String, Operand<?>> direct = new LinkedHashMap<>();
      for (String name : layout.denseFeatures()) {
        Ops named = in.withName(name);
        direct.put(
            name,
            fitted(fitted, name).outputType() == FeatureType.INT
                ? named.placeholder(TInt64.class, Placeholder.shape(Shape.of(-1)))
                : named.placeholder(TFloat64.class, Placeholder.shape(Shape.of(-1))));
      }
      for (String name : layout.idColumns()) {
        direct.put(
            name, in.withName(name).placeholder(TInt64.class, Placeholder.shape(Shape.of(-1))));
      }
      Signature.Builder second = Signature.builder().key(ModelExport.TRANSFORMED_SIGNATURE);
      direct.forEach(second::input);
      second.output(ModelExport.outputKey(task), head(tf.withSubScope("m2"), direct, task, k));
      SavedModelBundle.exporter(dir.toString())
          .withTags(TransformGraph.TAG)
          .withSession(session)
          .withSignature(serving.build())
          .withSignature(second.build())
          .export();
    }
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> head(
      Ops tf, Map<String, Operand<?>> transformed, Task task, int k) {
    Operand<TFloat64> x = (Operand<TFloat64>) transformed.get("trip_miles_z");
    if (task == Task.REGRESSION) {
      return tf.dtypes.cast(
          tf.math.add(tf.math.mul(x, tf.constant(0.5)), tf.constant(0.1)), TFloat32.class);
    }
    double[][] scale = new double[1][k];
    for (int c = 0; c < k; c++) {
      scale[0][c] = 0.1 * (c + 1);
    }
    Operand<TFloat64> logits =
        tf.linalg.matMul(tf.expandDims(x, tf.constant(-1)), tf.constant(scale));
    return tf.dtypes.cast(tf.nn.softmax(logits), TFloat32.class);
  }

  private static Fitted fitted(FittedTransform fitted, String output) {
    return fitted.fitted().stream()
        .filter(f -> f.output().equals(output))
        .findFirst()
        .orElseThrow();
  }
}
