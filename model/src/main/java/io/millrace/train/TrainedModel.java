package io.millrace.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The result of {@link Trainer#train}: the weights read back from the session (float arrays,
 * row-major, with their shapes), the loss curves and timing.
 *
 * <p>Weight names, with W the output width ({@link #outputWidth()}): LINEAR — {@code linear/w}
 * [numFeatures, W], {@code linear/b} [W], {@code linear/ids<c>} [vocab_c, W]; DNN — {@code
 * embedding<c>} [vocab_c, embeddingDim], {@code dense<i>/w} [in, out], {@code dense<i>/b} [out],
 * {@code logits/w} [in, W], {@code logits/b} [W]; WIDE_AND_DEEP — the DNN's weights plus {@code
 * wide/w} [numFeatures, W] and {@code wide/ids<c>} [vocab_c, W], added to the DNN's logits before
 * the shared bias {@code logits/b}. The DNN input is the features followed by each id column's
 * embedding, in column order.
 */
public final class TrainedModel {
  private final ModelConfig config;
  private final Task task;
  private final int numClasses;
  private final Map<String, float[]> weights;
  private final Map<String, long[]> shapes;
  private final float initialLoss;
  private final float[] lossCurve;
  private final float[] evalLossCurve;
  private final float[] stepLosses;
  private final int bestEpoch;
  private final boolean stoppedEarly;
  private final long steps;
  private final long trainNanos;
  private final long examplesTrained;

  TrainedModel(
      ModelConfig config,
      Task task,
      int numClasses,
      LinkedHashMap<String, float[]> weights,
      LinkedHashMap<String, long[]> shapes,
      float initialLoss,
      float[] lossCurve,
      float[] evalLossCurve,
      float[] stepLosses,
      int bestEpoch,
      boolean stoppedEarly,
      long steps,
      long trainNanos,
      long examplesTrained) {
    this.config = config;
    this.task = task;
    this.numClasses = numClasses;
    this.weights = Collections.unmodifiableMap(weights);
    this.shapes = Collections.unmodifiableMap(shapes);
    this.initialLoss = initialLoss;
    this.lossCurve = lossCurve;
    this.evalLossCurve = evalLossCurve;
    this.stepLosses = stepLosses;
    this.bestEpoch = bestEpoch;
    this.stoppedEarly = stoppedEarly;
    this.steps = steps;
    this.trainNanos = trainNanos;
    this.examplesTrained = examplesTrained;
  }

  public ModelConfig config() {
    return config;
  }

  public Task task() {
    return task;
  }

  /** 2 for BINARY, K for MULTICLASS, 1 for REGRESSION. */
  public int numClasses() {
    return numClasses;
  }

  /** Values per row of {@link #predict}: K for MULTICLASS, else 1. */
  public int outputWidth() {
    return task == Task.MULTICLASS ? numClasses : 1;
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

  /** Mean loss over the whole training set before the first update (no dropout). */
  public float initialLoss() {
    return initialLoss;
  }

  /** Per epoch run, the mean (example-weighted) training loss of that epoch's mini-batches. */
  public float[] lossCurve() {
    return lossCurve.clone();
  }

  /** Per epoch run, the mean loss over the eval data after it (no dropout); empty without eval. */
  public float[] evalLossCurve() {
    return evalLossCurve.clone();
  }

  /** The training loss of every step, in order. */
  public float[] stepLosses() {
    return stepLosses.clone();
  }

  /**
   * The epoch (0-based) whose weights these are: the lowest eval loss with early stopping, else the
   * last epoch run.
   */
  public int bestEpoch() {
    return bestEpoch;
  }

  /** Whether early stopping ended training before the configured epochs or steps. */
  public boolean stoppedEarly() {
    return stoppedEarly;
  }

  /** Optimizer steps run (including those after the best epoch). */
  public long steps() {
    return steps;
  }

  public float finalLoss() {
    return lossCurve[lossCurve.length - 1];
  }

  /** Wall time of the training steps (excluding graph building and every evaluation pass). */
  public long trainNanos() {
    return trainNanos;
  }

  public double examplesPerSecond() {
    return examplesTrained / (trainNanos / 1e9);
  }

  /**
   * Predictions computed in plain Java from the weights (no dropout), row-major {@code numRows ×
   * outputWidth()}: P(label = 1) for BINARY, the K class probabilities for MULTICLASS, the value
   * for REGRESSION. Each layer is computed in double and stored as float, as the exported graph
   * does.
   */
  public float[] predict(TrainingData data) {
    requireCompatible(data);
    int width = outputWidth();
    float[] out = new float[data.numRows() * width];
    for (int row = 0; row < data.numRows(); row++) {
      float[] z = logits(data, row);
      switch (task) {
        case BINARY -> out[row] = (float) (1.0 / (1.0 + Math.exp(-(double) z[0])));
        case REGRESSION -> out[row] = z[0];
        case MULTICLASS -> {
          double max = Double.NEGATIVE_INFINITY;
          for (float v : z) {
            max = Math.max(max, v);
          }
          double sum = 0;
          double[] e = new double[width];
          for (int j = 0; j < width; j++) {
            e[j] = Math.exp(z[j] - max);
            sum += e[j];
          }
          for (int j = 0; j < width; j++) {
            out[row * width + j] = (float) (e[j] / sum);
          }
        }
      }
    }
    return out;
  }

  /** P(label = 1) per row (BINARY only), as {@link #predict}. */
  public float[] predictProbabilities(TrainingData data) {
    if (task != Task.BINARY) {
      throw new IllegalStateException("predictProbabilities is for BINARY models, not " + task);
    }
    return predict(data);
  }

  /**
   * Fraction of rows predicted right: BINARY (probability > 0.5) equals (label > 0.5); MULTICLASS
   * the most probable class (lowest index on ties) equals the label.
   */
  public double accuracy(TrainingData data) {
    float[] p = predict(data);
    int correct = 0;
    for (int row = 0; row < data.numRows(); row++) {
      boolean right =
          switch (task) {
            case BINARY -> (p[row] > 0.5f) == (data.label(row) > 0.5f);
            case MULTICLASS -> argmax(p, row * numClasses, numClasses) == (int) data.label(row);
            case REGRESSION ->
                throw new IllegalStateException("accuracy is not defined for REGRESSION");
          };
      if (right) {
        correct++;
      }
    }
    return (double) correct / data.numRows();
  }

  private static int argmax(float[] values, int from, int n) {
    int best = 0;
    for (int j = 1; j < n; j++) {
      if (values[from + j] > values[from + best]) {
        best = j;
      }
    }
    return best;
  }

  private void requireCompatible(TrainingData data) {
    String prefix = config.kind() == ModelConfig.Kind.LINEAR ? "linear" : "wide";
    String idWeight = config.deep() ? "embedding" : prefix + "/ids";
    List<Long> vocabularies = new java.util.ArrayList<>();
    while (shapes.containsKey(idWeight + vocabularies.size())) {
      vocabularies.add(shapes.get(idWeight + vocabularies.size())[0]);
    }
    long features =
        config.deep()
            ? shapes.get("dense0/w")[0] - (long) vocabularies.size() * config.embeddingDim()
            : shapes.get(prefix + "/w")[0];
    List<Long> dataVocabularies = new java.util.ArrayList<>();
    for (int c = 0; c < data.numIdColumns(); c++) {
      dataVocabularies.add((long) data.vocabularySize(c));
    }
    if (data.numFeatures() != features || !dataVocabularies.equals(vocabularies)) {
      throw new IllegalArgumentException(
          "data has "
              + data.numFeatures()
              + " features and id columns of vocabulary sizes "
              + dataVocabularies
              + "; the model takes "
              + features
              + " and "
              + vocabularies);
    }
    if (data.task() != task || data.numClasses() != numClasses) {
      throw new IllegalArgumentException(
          "data is "
              + data.task()
              + " with "
              + data.numClasses()
              + " classes; the model is "
              + task
              + " with "
              + numClasses);
    }
  }

  /** The logits of one row, each rounded to float. */
  private float[] logits(TrainingData data, int row) {
    int width = outputWidth();
    double[] z = new double[width];
    if (config.wide()) {
      String prefix = config.kind() == ModelConfig.Kind.LINEAR ? "linear" : "wide";
      float[] w = weights.get(prefix + "/w");
      for (int f = 0; f < data.numFeatures(); f++) {
        double x = data.feature(row, f);
        for (int j = 0; j < width; j++) {
          z[j] += x * w[f * width + j];
        }
      }
      for (int c = 0; c < data.numIdColumns(); c++) {
        float[] ids = weights.get(prefix + "/ids" + c);
        int id = (int) data.id(c, row);
        for (int j = 0; j < width; j++) {
          z[j] += ids[id * width + j];
        }
      }
    }
    if (config.deep()) {
      int dim = config.embeddingDim();
      float[] input = new float[data.numFeatures() + data.numIdColumns() * dim];
      for (int f = 0; f < data.numFeatures(); f++) {
        input[f] = data.feature(row, f);
      }
      for (int c = 0; c < data.numIdColumns(); c++) {
        float[] emb = weights.get("embedding" + c);
        System.arraycopy(
            emb, (int) data.id(c, row) * dim, input, data.numFeatures() + c * dim, dim);
      }
      for (int layer = 0; layer < config.hiddenUnits().size(); layer++) {
        input = dense(input, "dense" + layer);
      }
      float[] w = weights.get("logits/w");
      for (int i = 0; i < input.length; i++) {
        for (int j = 0; j < width; j++) {
          z[j] += (double) input[i] * w[i * width + j];
        }
      }
    }
    float[] b = weights.get(config.kind() == ModelConfig.Kind.LINEAR ? "linear/b" : "logits/b");
    float[] out = new float[width];
    for (int j = 0; j < width; j++) {
      out[j] = (float) (z[j] + b[j]);
    }
    return out;
  }

  /** relu(in · PREFIX/w + PREFIX/b), rounded to float. */
  private float[] dense(float[] in, String prefix) {
    float[] w = weights.get(prefix + "/w");
    float[] b = weights.get(prefix + "/b");
    int out = b.length;
    float[] result = new float[out];
    for (int j = 0; j < out; j++) {
      double s = b[j];
      for (int i = 0; i < in.length; i++) {
        s += (double) in[i] * w[i * out + j];
      }
      result[j] = (float) Math.max(0.0, s);
    }
    return result;
  }
}
