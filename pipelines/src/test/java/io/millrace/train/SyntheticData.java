package io.millrace.train;

import java.util.Random;

/** Seeded synthetic binary-classification data: label = (w·x + idEffect + noise > 0). */
final class SyntheticData {
  private SyntheticData() {}

  static TrainingData generate(int rows, int numFeatures, int vocab, long seed) {
    Random random = new Random(seed);
    float[] w = new float[numFeatures];
    for (int f = 0; f < numFeatures; f++) {
      w[f] = (float) random.nextGaussian();
    }
    float[] idEffect = new float[vocab];
    for (int i = 0; i < vocab; i++) {
      idEffect[i] = (float) random.nextGaussian();
    }
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
    }
    return TrainingData.builder(x, numFeatures, labels).addIdColumn(ids, vocab).build();
  }
}
