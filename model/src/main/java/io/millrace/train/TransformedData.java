package io.millrace.train;

import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureType;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.FittedTransform.Fitted;
import io.millrace.transform.TransformSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns transformed examples (the model inputs a {@link FittedTransform} produces) into {@link
 * TrainingData}: numeric outputs become dense float features (a one-hot vector contributes each of
 * its components), categorical outputs (vocabulary ids, buckets, hashes, crosses) become id columns
 * whose cardinality the fitted transform knows, and one output is the label.
 */
public final class TransformedData {
  private TransformedData() {}

  /**
   * How each output of the transform feeds the model.
   *
   * @param numClasses 2 for BINARY, K for MULTICLASS, 1 for REGRESSION
   * @param classNames MULTICLASS: the label vocabulary (UTF-8) in id order; BINARY: "0", "1";
   *     REGRESSION: empty
   */
  public record Layout(
      List<String> denseFeatures,
      List<String> idColumns,
      List<Integer> cardinalities,
      String label,
      Task task,
      int numClasses,
      List<String> classNames) {
    public Layout {
      denseFeatures = List.copyOf(denseFeatures);
      idColumns = List.copyOf(idColumns);
      cardinalities = List.copyOf(cardinalities);
      classNames = List.copyOf(classNames);
    }
  }

  /**
   * The layout of a transform's outputs with {@code label} as the label and the task inferred from
   * it: a vocabulary output is MULTICLASS over its vocabulary, an integer output with two values (a
   * boolean expression) BINARY, any other output REGRESSION.
   */
  public static Layout layout(FittedTransform fitted, String label) {
    return layout(fitted, label, null);
  }

  /** As {@link #layout(FittedTransform, String)} with the task forced (null = inferred). */
  public static Layout layout(FittedTransform fitted, String label, Task task) {
    List<String> dense = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    List<Integer> cardinalities = new ArrayList<>();
    int labelStep = -1;
    for (int s = 0; s < fitted.fitted().size(); s++) {
      Fitted f = fitted.fitted().get(s);
      if (f.output().equals(label)) {
        labelStep = s;
        continue;
      }
      int cardinality = cardinality(fitted.spec().steps().get(s), f);
      if (cardinality > 0) {
        ids.add(f.output());
        cardinalities.add(cardinality);
      } else {
        dense.add(f.output());
      }
    }
    if (labelStep < 0) {
      throw new IllegalArgumentException("the transform has no output '" + label + "'");
    }
    Fitted y = fitted.fitted().get(labelStep);
    boolean vocabulary =
        y.kind() == TransformSpec.Kind.COMPUTE_AND_APPLY_VOCABULARY
            && y.outputType() == FeatureType.INT;
    if (task == null) {
      if (vocabulary) {
        task = Task.MULTICLASS;
      } else if (cardinality(fitted.spec().steps().get(labelStep), y) == 2) {
        task = Task.BINARY;
      } else {
        task = Task.REGRESSION;
      }
    }
    List<String> classNames =
        switch (task) {
          case BINARY -> List.of("0", "1");
          case REGRESSION -> List.of();
          case MULTICLASS -> {
            if (!vocabulary) {
              throw new IllegalArgumentException(
                  "label '"
                      + label
                      + "' is a "
                      + y.kind()
                      + " output, not a vocabulary of classes");
            }
            yield fitted.vocabulary(labelStep).stream()
                .map(b -> new String(b, StandardCharsets.UTF_8))
                .toList();
          }
        };
    int numClasses =
        switch (task) {
          case BINARY -> 2;
          case REGRESSION -> 1;
          case MULTICLASS -> classNames.size();
        };
    if (task == Task.MULTICLASS && numClasses < 2) {
      throw new IllegalArgumentException(
          "label '" + label + "' has " + numClasses + " classes; MULTICLASS needs at least 2");
    }
    return new Layout(dense, ids, cardinalities, label, task, numClasses, classNames);
  }

  /**
   * The number of ids of a categorical output, or 0 for a numeric one. A vocabulary without OOV
   * buckets gets one more id, for its default value (-1), which {@link #of} maps to it.
   */
  private static int cardinality(TransformSpec.Step step, Fitted f) {
    if (f.outputType() != FeatureType.INT) {
      return 0;
    }
    return switch (f.kind()) {
      case COMPUTE_AND_APPLY_VOCABULARY -> {
        long oov = step.integer("num_oov_buckets", 0);
        yield f.vocabularySize() + (int) (oov > 0 ? oov : 1);
      }
      case BUCKETIZE -> f.boundaries().length + 1;
      case HASH_STRINGS, HASHED_CROSS -> (int) step.integer("num_buckets", 1);
      case EXPRESSION -> 2;
      default -> 0;
    };
  }

  /**
   * The examples as training data in the given layout. MULTICLASS rows whose label is not a class
   * (an unseen or out-of-vocabulary label at eval time) are left out and counted in {@link
   * TrainingData#skippedRows()}; a BINARY label must be 0 or 1.
   */
  public static TrainingData of(Layout layout, List<Example> transformed) {
    if (transformed.isEmpty()) {
      throw new IllegalArgumentException("no examples");
    }
    ExampleSchema schema = transformed.get(0).schema();
    int[] dense = indexes(schema, layout.denseFeatures());
    int[] ids = indexes(schema, layout.idColumns());
    int label = schema.requireIndex(layout.label());
    int width = 0;
    for (int f : dense) {
      width += transformed.get(0).valueCount(f);
    }
    int[] kept = new int[transformed.size()];
    int rows = 0;
    for (int r = 0; r < transformed.size(); r++) {
      if (layout.task() != Task.MULTICLASS) {
        kept[rows++] = r;
        continue;
      }
      long y = transformed.get(r).int64s(label)[0];
      if (y >= 0 && y < layout.numClasses()) {
        kept[rows++] = r;
      }
    }
    if (rows == 0) {
      throw new IllegalArgumentException(
          "no example has a label '" + layout.label() + "' among " + layout.classNames());
    }
    float[] features = new float[rows * width];
    float[] labels = new float[rows];
    long[][] idValues = new long[ids.length][rows];
    for (int r = 0; r < rows; r++) {
      Example e = transformed.get(kept[r]);
      int at = r * width;
      for (int f : dense) {
        Object raw = e.rawValues(f);
        if (raw instanceof double[] d) {
          for (double v : d) {
            features[at++] = (float) v;
          }
        } else {
          features[at++] = ((long[]) raw)[0];
        }
      }
      for (int c = 0; c < ids.length; c++) {
        long id = e.int64s(ids[c])[0];
        idValues[c][r] = id < 0 ? layout.cardinalities().get(c) - 1 : id;
      }
      Object y = e.rawValues(label);
      labels[r] = y instanceof long[] l ? l[0] : (float) ((double[]) y)[0];
    }
    TrainingData.Builder builder =
        TrainingData.builder(features, width, labels)
            .task(layout.task(), layout.numClasses())
            .skippedRows(transformed.size() - rows);
    for (int c = 0; c < ids.length; c++) {
      builder.addIdColumn(idValues[c], layout.cardinalities().get(c));
    }
    return builder.build();
  }

  private static int[] indexes(ExampleSchema schema, List<String> names) {
    return names.stream().mapToInt(schema::requireIndex).toArray();
  }
}
