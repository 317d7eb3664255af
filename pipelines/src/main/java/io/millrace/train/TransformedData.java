package io.millrace.train;

import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureType;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.FittedTransform.Fitted;
import io.millrace.transform.TransformSpec;
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

  /** How each output of the transform feeds the model. */
  public record Layout(
      List<String> denseFeatures,
      List<String> idColumns,
      List<Integer> cardinalities,
      String label) {}

  /** The layout of a transform's outputs with {@code label} as the label. */
  public static Layout layout(FittedTransform fitted, String label) {
    List<String> dense = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    List<Integer> cardinalities = new ArrayList<>();
    boolean labelFound = false;
    for (int s = 0; s < fitted.fitted().size(); s++) {
      Fitted f = fitted.fitted().get(s);
      if (f.output().equals(label)) {
        labelFound = true;
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
    if (!labelFound) {
      throw new IllegalArgumentException("the transform has no output '" + label + "'");
    }
    return new Layout(dense, ids, cardinalities, label);
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

  /** The examples as training data in the given layout. */
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
    int rows = transformed.size();
    float[] features = new float[rows * width];
    float[] labels = new float[rows];
    long[][] idValues = new long[ids.length][rows];
    for (int r = 0; r < rows; r++) {
      Example e = transformed.get(r);
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
    TrainingData.Builder builder = TrainingData.builder(features, width, labels);
    for (int c = 0; c < ids.length; c++) {
      builder.addIdColumn(idValues[c], layout.cardinalities().get(c));
    }
    return builder.build();
  }

  private static int[] indexes(ExampleSchema schema, List<String> names) {
    return names.stream().mapToInt(schema::requireIndex).toArray();
  }
}
