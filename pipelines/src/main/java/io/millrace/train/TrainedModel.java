package io.millrace.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The result of {@link Trainer#train}: the weights read back from the session (float arrays,
 * row-major, with their shapes), the loss curve and timing.
 *
 * <p>Weight names: LINEAR — {@code linear/w} [numFeatures, 1], {@code linear/b} [1], {@code
 * linear/ids<c>} [vocab_c, 1]; DNN — {@code embedding<c>} [vocab_c, embeddingDim], {@code
 * dense<i>/w} [in, out], {@code dense<i>/b} [out], {@code logits/w} [in, 1], {@code logits/b} [1].
 * The DNN input is the features followed by each id column's embedding, in column order.
 */
public final class TrainedModel {
  private final ModelConfig config;
  private final Map<String, float[]> weights;
  private final Map<String, long[]> shapes;
  private final float initialLoss;
  private final float[] lossCurve;
  private final long trainNanos;
  private final long examplesTrained;

  TrainedModel(
      ModelConfig config,
      LinkedHashMap<String, float[]> weights,
      LinkedHashMap<String, long[]> shapes,
      float initialLoss,
      float[] lossCurve,
      long trainNanos,
      long examplesTrained) {
    this.config = config;
    this.weights = Collections.unmodifiableMap(weights);
    this.shapes = Collections.unmodifiableMap(shapes);
    this.initialLoss = initialLoss;
    this.lossCurve = lossCurve;
    this.trainNanos = trainNanos;
    this.examplesTrained = examplesTrained;
  }

  public ModelConfig config() {
    return config;
  }

  /** Weight names in creation order. */
  public List<String> weightNames() {
    return List.copyOf(weights.keySet());
  }

  /** A copy of one weight's values (row-major). */
  public float[] weight(String name) {
    float[] w = weights.get(name);
    if (w == null) {
      throw new IllegalArgumentException("no weight " + name + "; have " + weights.keySet());
    }
    return w.clone();
  }

  public long[] shape(String name) {
    return shapes.get(name).clone();
  }

  /** Mean loss over the whole data set before the first update (no dropout). */
  public float initialLoss() {
    return initialLoss;
  }

  /** Per epoch, the mean (example-weighted) training loss of that epoch's mini-batches. */
  public float[] lossCurve() {
    return lossCurve.clone();
  }

  public float finalLoss() {
    return lossCurve[lossCurve.length - 1];
  }

  /** Wall time of the training loop (excluding graph building and the initial-loss pass). */
  public long trainNanos() {
    return trainNanos;
  }

  public double examplesPerSecond() {
    return examplesTrained / (trainNanos / 1e9);
  }

  /** P(label = 1) per row, computed in plain Java from the weights (no dropout). */
  public float[] predictProbabilities(TrainingData data) {
    float[] out = new float[data.numRows()];
    for (int row = 0; row < out.length; row++) {
      out[row] = (float) (1.0 / (1.0 + Math.exp(-logit(data, row))));
    }
    return out;
  }

  /** Fraction of rows where (probability > 0.5) equals (label > 0.5). */
  public double accuracy(TrainingData data) {
    float[] p = predictProbabilities(data);
    int correct = 0;
    for (int row = 0; row < p.length; row++) {
      if ((p[row] > 0.5f) == (data.label(row) > 0.5f)) {
        correct++;
      }
    }
    return (double) correct / p.length;
  }

  private double logit(TrainingData data, int row) {
    if (config.kind() == ModelConfig.Kind.LINEAR) {
      float[] w = weights.get("linear/w");
      double z = weights.get("linear/b")[0];
      for (int f = 0; f < data.numFeatures(); f++) {
        z += (double) w[f] * data.feature(row, f);
      }
      for (int c = 0; c < data.numIdColumns(); c++) {
        z += weights.get("linear/ids" + c)[(int) data.id(c, row)];
      }
      return z;
    }
    int dim = config.embeddingDim();
    float[] input = new float[data.numFeatures() + data.numIdColumns() * dim];
    for (int f = 0; f < data.numFeatures(); f++) {
      input[f] = data.feature(row, f);
    }
    for (int c = 0; c < data.numIdColumns(); c++) {
      float[] emb = weights.get("embedding" + c);
      System.arraycopy(emb, (int) data.id(c, row) * dim, input, data.numFeatures() + c * dim, dim);
    }
    for (int layer = 0; layer < config.hiddenUnits().size(); layer++) {
      input = dense(input, "dense" + layer, true);
    }
    return dense(input, "logits", false)[0];
  }

  private float[] dense(float[] in, String prefix, boolean relu) {
    float[] w = weights.get(prefix + "/w");
    float[] b = weights.get(prefix + "/b");
    int out = b.length;
    float[] result = new float[out];
    for (int j = 0; j < out; j++) {
      double s = b[j];
      for (int i = 0; i < in.length; i++) {
        s += (double) in[i] * w[i * out + j];
      }
      result[j] = relu ? (float) Math.max(0.0, s) : (float) s;
    }
    return result;
  }
}
