package io.millrace.evaluate;

import io.millrace.accumulate.ExactSum;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Multiclass metrics from a class-probability vector per example: accuracy (arg-max, ties to the
 * lowest class index), top-k accuracy for each configured k, and log loss {@code -log(p[label])}
 * with {@code p} clipped to {@code [1e-15, 1 - 1e-15]}.
 *
 * <p>Top-k rank of the label: the number of classes with a strictly higher probability plus the
 * number of lower-indexed classes with an equal probability; the example is a top-k hit when that
 * rank is {@code < k}.
 */
public final class MulticlassMetrics implements MetricsAccumulator<MulticlassMetrics> {

  private static final int VERSION = 2;

  private final int[] topK;
  private long count;
  private final ExactSum weight = new ExactSum();
  private final ExactSum logLossSum = new ExactSum();
  private final double[] topKHits;

  public MulticlassMetrics() {
    this(List.of());
  }

  /** Accumulator reporting top-k accuracy for each k in {@code topK} (each k >= 1). */
  public MulticlassMetrics(List<Integer> topK) {
    this.topK = topK.stream().mapToInt(Integer::intValue).toArray();
    for (int k : this.topK) {
      if (k < 1) {
        throw new IllegalArgumentException("k must be >= 1: " + k);
      }
    }
    this.topKHits = new double[this.topK.length + 1]; // index 0: k = 1 (accuracy)
  }

  public List<Integer> topK() {
    List<Integer> out = new ArrayList<>();
    for (int k : topK) {
      out.add(k);
    }
    return List.copyOf(out);
  }

  public MulticlassMetrics add(int label, double[] probabilities) {
    return add(label, probabilities, 1.0);
  }

  public MulticlassMetrics add(int label, double[] probabilities, double w) {
    if (label < 0 || label >= probabilities.length) {
      throw new IllegalArgumentException(
          "label " + label + " out of range for " + probabilities.length + " classes");
    }
    if (w < 0 || Double.isNaN(w)) {
      throw new IllegalArgumentException("weight must be >= 0: " + w);
    }
    count++;
    weight.add(w);
    double pl = probabilities[label];
    int rank = 0;
    for (int c = 0; c < probabilities.length; c++) {
      if (probabilities[c] > pl || (probabilities[c] == pl && c < label)) {
        rank++;
      }
    }
    if (rank < 1) {
      topKHits[0] += w;
    }
    for (int i = 0; i < topK.length; i++) {
      if (rank < topK[i]) {
        topKHits[i + 1] += w;
      }
    }
    double p = Math.min(Math.max(pl, BinaryMetrics.EPSILON), 1 - BinaryMetrics.EPSILON);
    logLossSum.addProduct(-w, Math.log(p));
    return this;
  }

  @Override
  public MulticlassMetrics newEmpty() {
    return new MulticlassMetrics(topK());
  }

  @Override
  public MulticlassMetrics merge(MulticlassMetrics o) {
    if (!Arrays.equals(topK, o.topK)) {
      throw new IllegalArgumentException("cannot merge accumulators with different k values");
    }
    count += o.count;
    weight.add(o.weight);
    logLossSum.add(o.logLossSum);
    for (int i = 0; i < topKHits.length; i++) {
      topKHits[i] += o.topKHits[i];
    }
    return this;
  }

  @Override
  public long exampleCount() {
    return count;
  }

  @Override
  public double weightedExampleCount() {
    return weight.doubleValue();
  }

  private double div(double a) {
    return weight.isZero() ? Double.NaN : a / weight.doubleValue();
  }

  public double accuracy() {
    return div(topKHits[0]);
  }

  /** Top-k accuracy for a configured k (k = 1 is always available). */
  public double topKAccuracy(int k) {
    if (k == 1) {
      return accuracy();
    }
    for (int i = 0; i < topK.length; i++) {
      if (topK[i] == k) {
        return div(topKHits[i + 1]);
      }
    }
    throw new IllegalArgumentException("k not configured: " + k);
  }

  public double logLoss() {
    return logLossSum.dividedBy(weight);
  }

  @Override
  public Map<String, Double> result() {
    Map<String, Double> r = new LinkedHashMap<>();
    r.put("example_count", (double) count);
    r.put("weighted_example_count", weight.doubleValue());
    r.put("accuracy", accuracy());
    for (int i = 0; i < topK.length; i++) {
      r.put("top_k_accuracy@" + topK[i], div(topKHits[i + 1]));
    }
    r.put("log_loss", logLoss());
    return r;
  }

  @Override
  public void write(DataOutput out) throws IOException {
    out.writeInt(VERSION);
    out.writeInt(topK.length);
    for (int k : topK) {
      out.writeInt(k);
    }
    out.writeLong(count);
    weight.write(out);
    logLossSum.write(out);
    for (double h : topKHits) {
      out.writeDouble(h);
    }
  }

  public static MulticlassMetrics read(DataInput in) throws IOException {
    int version = in.readInt();
    if (version != VERSION) {
      throw new IOException("unsupported MulticlassMetrics version " + version);
    }
    int n = in.readInt();
    List<Integer> ks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ks.add(in.readInt());
    }
    MulticlassMetrics m = new MulticlassMetrics(ks);
    m.count = in.readLong();
    m.weight.add(ExactSum.read(in));
    m.logLossSum.add(ExactSum.read(in));
    for (int i = 0; i < m.topKHits.length; i++) {
      m.topKHits[i] = in.readDouble();
    }
    return m;
  }
}
