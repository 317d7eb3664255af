package io.millrace.train;

import java.util.Random;

/** Seeded synthetic data for each task. */
final class SyntheticData {
  private SyntheticData() {}

  /**
   * The same rows (features, label, the first id column) in another order, as another shard layout
   * of the same examples would hand them over.
   */
  static TrainingData permuted(TrainingData data, long seed) {
    int[] permutation = data.epochOrder(seed, 0);
    float[] x = new float[data.numRows() * data.numFeatures()];
    float[] y = new float[data.numRows()];
    long[] ids = new long[data.numRows()];
    for (int i = 0; i < permutation.length; i++) {
      for (int f = 0; f < data.numFeatures(); f++) {
        x[i * data.numFeatures() + f] = data.feature(permutation[i], f);
      }
      y[i] = data.label(permutation[i]);
      ids[i] = data.id(0, permutation[i]);
    }
    return TrainingData.builder(x, data.numFeatures(), y)
        .addIdColumn(ids, data.vocabularySize(0))
        .build();
  }

  /** Binary classification: label = (w·x + idEffect + noise > 0). */
  static TrainingData generate(int rows, int numFeatures, int vocab, long seed) {
    return binary(rows, numFeatures, vocab, seed, 0.0);
  }

  /** As {@link #generate}, with each label flipped with probability {@code flipRate}. */
  static TrainingData binary(int rows, int numFeatures, int vocab, long seed, double flipRate) {
    Random random = new Random(seed);
    float[] w = gaussians(random, numFeatures);
    float[] idEffect = gaussians(random, vocab);
    float[] x = new float[rows * numFeatures];
    long[] ids = new long[rows];
    float[] labels = new float[rows];
    for (int r = 0; r < rows; r++) {
      double z = 0;
      for (int f = 0; f < numFeatures; f++) {
        float v = (float) random.nextGaussian();
        x[r * numFeatures + f] = v;
        z += w[f] * v;
      }
      ids[r] = random.nextInt(vocab);
      z += idEffect[(int) ids[r]] + 0.3 * random.nextGaussian();
      // sigmoid(z) > 0.5  <=>  z > 0
      labels[r] = 1.0 / (1.0 + Math.exp(-z)) > 0.5 ? 1f : 0f;
      if (flipRate > 0 && random.nextDouble() < flipRate) {
        labels[r] = 1f - labels[r];
      }
    }
    return TrainingData.builder(x, numFeatures, labels).addIdColumn(ids, vocab).build();
  }

  /** K classes: label = argmax_k (W_k·x + idEffect_k + noise). */
  static TrainingData multiclass(int rows, int numFeatures, int vocab, int classes, long seed) {
    Random random = new Random(seed);
    float[] w = gaussians(random, numFeatures * classes);
    float[] idEffect = gaussians(random, vocab * classes);
    float[] x = new float[rows * numFeatures];
    long[] ids = new long[rows];
    float[] labels = new float[rows];
    for (int r = 0; r < rows; r++) {
      for (int f = 0; f < numFeatures; f++) {
        x[r * numFeatures + f] = (float) random.nextGaussian();
      }
      ids[r] = random.nextInt(vocab);
      int best = 0;
      double bestScore = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < classes; k++) {
        double score = idEffect[(int) ids[r] * classes + k] + 0.3 * random.nextGaussian();
        for (int f = 0; f < numFeatures; f++) {
          score += w[f * classes + k] * x[r * numFeatures + f];
        }
        if (score > bestScore) {
          bestScore = score;
          best = k;
        }
      }
      labels[r] = best;
    }
    return TrainingData.builder(x, numFeatures, labels)
        .addIdColumn(ids, vocab)
        .task(Task.MULTICLASS, classes)
        .build();
  }

  /** Regression: label = w·x + idEffect + sin(x_0) + noise. */
  static TrainingData regression(int rows, int numFeatures, int vocab, long seed) {
    Random random = new Random(seed);
    float[] w = gaussians(random, numFeatures);
    float[] idEffect = gaussians(random, vocab);
    float[] x = new float[rows * numFeatures];
    long[] ids = new long[rows];
    float[] labels = new float[rows];
    for (int r = 0; r < rows; r++) {
      double z = 0;
      for (int f = 0; f < numFeatures; f++) {
        float v = (float) random.nextGaussian();
        x[r * numFeatures + f] = v;
        z += w[f] * v;
      }
      ids[r] = random.nextInt(vocab);
      z += idEffect[(int) ids[r]] + Math.sin(x[r * numFeatures]) + 0.1 * random.nextGaussian();
      labels[r] = (float) z;
    }
    return TrainingData.builder(x, numFeatures, labels)
        .addIdColumn(ids, vocab)
        .task(Task.REGRESSION)
        .build();
  }

  private static float[] gaussians(Random random, int n) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) random.nextGaussian();
    }
    return out;
  }
}
