package io.millrace.evaluate;

import io.millrace.accumulate.ExactSum;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Binary classification metrics with TFMA semantics.
 *
 * <ul>
 *   <li>A prediction is positive at threshold {@code t} when {@code prediction > t} (as in
 *       TFMA/Keras confusion matrices); accuracy, precision and recall use {@code t = 0.5}.
 *   <li>{@code log_loss} clips predictions to {@code [1e-15, 1 - 1e-15]}; {@code calibration} is
 *       {@code sum(w * prediction) / sum(w * label)}.
 *   <li>AUCs are computed as TFMA does: from a weighted histogram of predictions over {@value
 *       #NUM_BUCKETS} equal-width buckets in {@code [0, 1]}, giving confusion matrices at the
 *       thresholds {@code i / NUM_BUCKETS}. ROC AUC is the trapezoidal sum over (FPR, TPR); PR AUC
 *       uses the Keras/TFMA {@code summation_method='interpolation'} rule (Davis &amp; Goadrich
 *       2006: precision is interpolated linearly in true positives between thresholds, not linearly
 *       between PR points).
 *   <li>Undefined ratios (e.g. precision with no predicted positives, AUC with one class) are
 *       {@code NaN}.
 * </ul>
 */
public final class BinaryMetrics implements MetricsAccumulator<BinaryMetrics> {

  public static final int NUM_BUCKETS = 10_000;
  public static final double EPSILON = 1e-15;
  public static final double DEFAULT_THRESHOLD = 0.5;
  private static final int VERSION = 2;

  /** Weighted confusion matrix at one threshold. */
  public record ConfusionMatrix(double threshold, double tp, double fp, double tn, double fn) {}

  private final double[] thresholds;
  private long count;
  private final ExactSum weight = new ExactSum();
  private final ExactSum weightedLabels = new ExactSum();
  private final ExactSum weightedPredictions = new ExactSum();
  private final ExactSum logLossSum = new ExactSum();
  private final double[] posHist = new double[NUM_BUCKETS];
  private final double[] negHist = new double[NUM_BUCKETS];
  // Per configured threshold, plus DEFAULT_THRESHOLD at index 0: tp, fp, tn, fn.
  private final double[][] cm;

  /** Accumulator reporting confusion matrices at 0.5 only. */
  public BinaryMetrics() {
    this(List.of());
  }

  /** Accumulator that also reports confusion matrices at each of {@code thresholds}. */
  public BinaryMetrics(List<Double> thresholds) {
    this.thresholds = thresholds.stream().mapToDouble(Double::doubleValue).toArray();
    this.cm = new double[this.thresholds.length + 1][4];
  }

  public List<Double> thresholds() {
    List<Double> out = new ArrayList<>();
    for (double t : thresholds) {
      out.add(t);
    }
    return Collections.unmodifiableList(out);
  }

  /** Adds an example with weight 1. */
  public BinaryMetrics add(int label, double prediction) {
    return add(label, prediction, 1.0);
  }

  /** Adds an example: {@code label} is 0 or 1, {@code prediction} a probability. */
  public BinaryMetrics add(int label, double prediction, double w) {
    if (label != 0 && label != 1) {
      throw new IllegalArgumentException("label must be 0 or 1: " + label);
    }
    if (Double.isNaN(prediction)) {
      throw new IllegalArgumentException("prediction is NaN");
    }
    if (w < 0 || Double.isNaN(w)) {
      throw new IllegalArgumentException("weight must be >= 0: " + w);
    }
    count++;
    // Exact sums: the metrics do not depend on how the examples were cut and merged. The
    // histograms and confusion matrices add weights, whole numbers (1 or bootstrap counts): exact
    // in doubles too.
    weight.add(w);
    weightedLabels.addProduct(w, label);
    weightedPredictions.addProduct(w, prediction);
    double p = Math.min(Math.max(prediction, EPSILON), 1 - EPSILON);
    logLossSum.addProduct(-w, label == 1 ? Math.log(p) : Math.log1p(-p));
    int b = bucket(prediction);
    if (label == 1) {
      posHist[b] += w;
    } else {
      negHist[b] += w;
    }
    updateCm(cm[0], DEFAULT_THRESHOLD, label, prediction, w);
    for (int i = 0; i < thresholds.length; i++) {
      updateCm(cm[i + 1], thresholds[i], label, prediction, w);
    }
    return this;
  }

  private static void updateCm(double[] m, double t, int label, double prediction, double w) {
    boolean predictedPositive = prediction > t;
    if (label == 1) {
      m[predictedPositive ? 0 : 3] += w;
    } else {
      m[predictedPositive ? 1 : 2] += w;
    }
  }

  static int bucket(double prediction) {
    int b = (int) Math.floor(prediction * NUM_BUCKETS);
    return Math.max(0, Math.min(NUM_BUCKETS - 1, b));
  }

  @Override
  public BinaryMetrics newEmpty() {
    return new BinaryMetrics(thresholds());
  }

  @Override
  public BinaryMetrics merge(BinaryMetrics o) {
    if (!Arrays.equals(thresholds, o.thresholds)) {
      throw new IllegalArgumentException("cannot merge accumulators with different thresholds");
    }
    count += o.count;
    weight.add(o.weight);
    weightedLabels.add(o.weightedLabels);
    weightedPredictions.add(o.weightedPredictions);
    logLossSum.add(o.logLossSum);
    for (int i = 0; i < NUM_BUCKETS; i++) {
      posHist[i] += o.posHist[i];
      negHist[i] += o.negHist[i];
    }
    for (int i = 0; i < cm.length; i++) {
      for (int j = 0; j < 4; j++) {
        cm[i][j] += o.cm[i][j];
      }
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

  private static ConfusionMatrix toCm(double t, double[] m) {
    return new ConfusionMatrix(t, m[0], m[1], m[2], m[3]);
  }

  /** Confusion matrix at 0.5 or at one of the configured thresholds. */
  public ConfusionMatrix confusionMatrix(double threshold) {
    if (threshold == DEFAULT_THRESHOLD) {
      return toCm(DEFAULT_THRESHOLD, cm[0]);
    }
    for (int i = 0; i < thresholds.length; i++) {
      if (thresholds[i] == threshold) {
        return toCm(threshold, cm[i + 1]);
      }
    }
    throw new IllegalArgumentException("threshold not configured: " + threshold);
  }

  /** Confusion matrices at the configured thresholds, in configuration order. */
  public List<ConfusionMatrix> confusionMatrices() {
    List<ConfusionMatrix> out = new ArrayList<>();
    for (int i = 0; i < thresholds.length; i++) {
      out.add(toCm(thresholds[i], cm[i + 1]));
    }
    return out;
  }

  private static double div(double a, double b) {
    return b == 0 ? Double.NaN : a / b;
  }

  public double accuracy() {
    double[] m = cm[0];
    return div(m[0] + m[2], m[0] + m[1] + m[2] + m[3]);
  }

  public double precision() {
    return div(cm[0][0], cm[0][0] + cm[0][1]);
  }

  public double recall() {
    return div(cm[0][0], cm[0][0] + cm[0][3]);
  }

  public double logLoss() {
    return logLossSum.dividedBy(weight);
  }

  public double meanLabel() {
    return weightedLabels.dividedBy(weight);
  }

  public double meanPrediction() {
    return weightedPredictions.dividedBy(weight);
  }

  public double calibration() {
    return weightedPredictions.dividedBy(weightedLabels);
  }

  /**
   * Weighted (tp, fp, fn) at thresholds {@code i / NUM_BUCKETS}, {@code i = 0..NUM_BUCKETS}; at i =
   * 0 everything is predicted positive, at i = NUM_BUCKETS nothing is.
   */
  private double[][] histogramCurve() {
    int n = NUM_BUCKETS + 1;
    double[] tp = new double[n];
    double[] fp = new double[n];
    for (int i = NUM_BUCKETS - 1; i >= 0; i--) {
      tp[i] = tp[i + 1] + posHist[i];
      fp[i] = fp[i + 1] + negHist[i];
    }
    return new double[][] {tp, fp};
  }

  /** Area under the ROC curve (trapezoidal over the histogram thresholds). */
  public double auc() {
    double[][] c = histogramCurve();
    double[] tp = c[0];
    double[] fp = c[1];
    double pos = tp[0];
    double neg = fp[0];
    if (pos <= 0 || neg <= 0) {
      return Double.NaN;
    }
    double area = 0;
    for (int i = 0; i < NUM_BUCKETS; i++) {
      double dx = (fp[i] - fp[i + 1]) / neg;
      area += dx * (tp[i] + tp[i + 1]) / (2 * pos);
    }
    return area;
  }

  /** Area under the precision-recall curve (Keras/TFMA interpolation rule). */
  public double aucPrecisionRecall() {
    double[][] c = histogramCurve();
    double[] tp = c[0];
    double[] fp = c[1];
    double pos = tp[0];
    if (pos <= 0) {
      return Double.NaN;
    }
    double area = 0;
    for (int i = 0; i < NUM_BUCKETS; i++) {
      double dtp = tp[i] - tp[i + 1];
      double p0 = tp[i] + fp[i];
      double p1 = tp[i + 1] + fp[i + 1];
      double dp = p0 - p1;
      if (dtp == 0 || dp <= 0) {
        continue;
      }
      double slope = dtp / dp;
      double intercept = tp[i + 1] - slope * p1;
      double ratio = (p0 > 0 && p1 > 0) ? p0 / p1 : 1.0;
      area += slope * (dtp + intercept * Math.log(ratio)) / pos;
    }
    return area;
  }

  private static String fmt(double t) {
    return Double.toString(t);
  }

  @Override
  public Map<String, Double> result() {
    Map<String, Double> r = new LinkedHashMap<>();
    r.put("example_count", (double) count);
    r.put("weighted_example_count", weight.doubleValue());
    r.put("accuracy", accuracy());
    r.put("precision", precision());
    r.put("recall", recall());
    r.put("log_loss", logLoss());
    r.put("mean_label", meanLabel());
    r.put("mean_prediction", meanPrediction());
    r.put("calibration", calibration());
    r.put("auc", auc());
    r.put("auc_precision_recall", aucPrecisionRecall());
    for (ConfusionMatrix m : confusionMatrices()) {
      String t = fmt(m.threshold());
      r.put("tp@" + t, m.tp());
      r.put("fp@" + t, m.fp());
      r.put("tn@" + t, m.tn());
      r.put("fn@" + t, m.fn());
    }
    return r;
  }

  @Override
  public void write(DataOutput out) throws IOException {
    out.writeInt(VERSION);
    out.writeInt(thresholds.length);
    for (double t : thresholds) {
      out.writeDouble(t);
    }
    out.writeLong(count);
    weight.write(out);
    weightedLabels.write(out);
    weightedPredictions.write(out);
    logLossSum.write(out);
    for (double[] m : cm) {
      for (double v : m) {
        out.writeDouble(v);
      }
    }
    // Sparse histogram: only non-empty buckets.
    int nonEmpty = 0;
    for (int i = 0; i < NUM_BUCKETS; i++) {
      if (posHist[i] != 0 || negHist[i] != 0) {
        nonEmpty++;
      }
    }
    out.writeInt(nonEmpty);
    for (int i = 0; i < NUM_BUCKETS; i++) {
      if (posHist[i] != 0 || negHist[i] != 0) {
        out.writeInt(i);
        out.writeDouble(posHist[i]);
        out.writeDouble(negHist[i]);
      }
    }
  }

  public static BinaryMetrics read(DataInput in) throws IOException {
    int version = in.readInt();
    if (version != VERSION) {
      throw new IOException("unsupported BinaryMetrics version " + version);
    }
    int nt = in.readInt();
    List<Double> ts = new ArrayList<>();
    for (int i = 0; i < nt; i++) {
      ts.add(in.readDouble());
    }
    BinaryMetrics m = new BinaryMetrics(ts);
    m.count = in.readLong();
    m.weight.add(ExactSum.read(in));
    m.weightedLabels.add(ExactSum.read(in));
    m.weightedPredictions.add(ExactSum.read(in));
    m.logLossSum.add(ExactSum.read(in));
    for (double[] row : m.cm) {
      for (int j = 0; j < row.length; j++) {
        row[j] = in.readDouble();
      }
    }
    int nonEmpty = in.readInt();
    for (int k = 0; k < nonEmpty; k++) {
      int i = in.readInt();
      if (i < 0 || i >= NUM_BUCKETS) {
        throw new IOException("bad bucket index " + i);
      }
      m.posHist[i] = in.readDouble();
      m.negHist[i] = in.readDouble();
    }
    return m;
  }
}
