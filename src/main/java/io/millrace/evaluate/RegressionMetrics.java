package io.millrace.evaluate;

import io.millrace.accumulate.ExactSum;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Weighted regression metrics: MSE, RMSE, MAE, mean label and mean prediction. */
public final class RegressionMetrics implements MetricsAccumulator<RegressionMetrics> {

  private static final int VERSION = 2;

  private long count;
  private final ExactSum weight = new ExactSum();
  private final ExactSum squaredErrorSum = new ExactSum();
  private final ExactSum absoluteErrorSum = new ExactSum();
  private final ExactSum labelSum = new ExactSum();
  private final ExactSum predictionSum = new ExactSum();

  public RegressionMetrics add(double label, double prediction) {
    return add(label, prediction, 1.0);
  }

  public RegressionMetrics add(double label, double prediction, double w) {
    if (w < 0 || Double.isNaN(w)) {
      throw new IllegalArgumentException("weight must be >= 0: " + w);
    }
    double e = prediction - label;
    count++;
    // Exact sums: the metrics do not depend on how the examples were cut and merged.
    weight.add(w);
    squaredErrorSum.addProduct(w, e * e);
    absoluteErrorSum.addProduct(w, Math.abs(e));
    labelSum.addProduct(w, label);
    predictionSum.addProduct(w, prediction);
    return this;
  }

  @Override
  public RegressionMetrics newEmpty() {
    return new RegressionMetrics();
  }

  @Override
  public RegressionMetrics merge(RegressionMetrics o) {
    count += o.count;
    weight.add(o.weight);
    squaredErrorSum.add(o.squaredErrorSum);
    absoluteErrorSum.add(o.absoluteErrorSum);
    labelSum.add(o.labelSum);
    predictionSum.add(o.predictionSum);
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

  private double div(ExactSum sum) {
    return sum.dividedBy(weight);
  }

  public double meanSquaredError() {
    return div(squaredErrorSum);
  }

  public double rootMeanSquaredError() {
    return Math.sqrt(meanSquaredError());
  }

  public double meanAbsoluteError() {
    return div(absoluteErrorSum);
  }

  public double meanLabel() {
    return div(labelSum);
  }

  public double meanPrediction() {
    return div(predictionSum);
  }

  @Override
  public Map<String, Double> result() {
    Map<String, Double> r = new LinkedHashMap<>();
    r.put("example_count", (double) count);
    r.put("weighted_example_count", weight.doubleValue());
    r.put("mean_squared_error", meanSquaredError());
    r.put("root_mean_squared_error", rootMeanSquaredError());
    r.put("mean_absolute_error", meanAbsoluteError());
    r.put("mean_label", meanLabel());
    r.put("mean_prediction", meanPrediction());
    return r;
  }

  @Override
  public void write(DataOutput out) throws IOException {
    out.writeInt(VERSION);
    out.writeLong(count);
    weight.write(out);
    squaredErrorSum.write(out);
    absoluteErrorSum.write(out);
    labelSum.write(out);
    predictionSum.write(out);
  }

  public static RegressionMetrics read(DataInput in) throws IOException {
    int version = in.readInt();
    if (version != VERSION) {
      throw new IOException("unsupported RegressionMetrics version " + version);
    }
    RegressionMetrics m = new RegressionMetrics();
    m.count = in.readLong();
    m.weight.add(ExactSum.read(in));
    m.squaredErrorSum.add(ExactSum.read(in));
    m.absoluteErrorSum.add(ExactSum.read(in));
    m.labelSum.add(ExactSum.read(in));
    m.predictionSum.add(ExactSum.read(in));
    return m;
  }
}
