package io.millrace.evaluate;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Weighted regression metrics: MSE, RMSE, MAE, mean label and mean prediction. */
public final class RegressionMetrics implements MetricsAccumulator<RegressionMetrics> {

  private static final int VERSION = 1;

  private long count;
  private double weight;
  private double squaredErrorSum;
  private double absoluteErrorSum;
  private double labelSum;
  private double predictionSum;

  public RegressionMetrics add(double label, double prediction) {
    return add(label, prediction, 1.0);
  }

  public RegressionMetrics add(double label, double prediction, double w) {
    if (w < 0 || Double.isNaN(w)) {
      throw new IllegalArgumentException("weight must be >= 0: " + w);
    }
    double e = prediction - label;
    count++;
    weight += w;
    squaredErrorSum += w * e * e;
    absoluteErrorSum += w * Math.abs(e);
    labelSum += w * label;
    predictionSum += w * prediction;
    return this;
  }

  @Override
  public RegressionMetrics newEmpty() {
    return new RegressionMetrics();
  }

  @Override
  public RegressionMetrics merge(RegressionMetrics o) {
    count += o.count;
    weight += o.weight;
    squaredErrorSum += o.squaredErrorSum;
    absoluteErrorSum += o.absoluteErrorSum;
    labelSum += o.labelSum;
    predictionSum += o.predictionSum;
    return this;
  }

  @Override
  public long exampleCount() {
    return count;
  }

  @Override
  public double weightedExampleCount() {
    return weight;
  }

  private double div(double a) {
    return weight == 0 ? Double.NaN : a / weight;
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
    r.put("weighted_example_count", weight);
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
    out.writeDouble(weight);
    out.writeDouble(squaredErrorSum);
    out.writeDouble(absoluteErrorSum);
    out.writeDouble(labelSum);
    out.writeDouble(predictionSum);
  }

  public static RegressionMetrics read(DataInput in) throws IOException {
    int version = in.readInt();
    if (version != VERSION) {
      throw new IOException("unsupported RegressionMetrics version " + version);
    }
    RegressionMetrics m = new RegressionMetrics();
    m.count = in.readLong();
    m.weight = in.readDouble();
    m.squaredErrorSum = in.readDouble();
    m.absoluteErrorSum = in.readDouble();
    m.labelSum = in.readDouble();
    m.predictionSum = in.readDouble();
    return m;
  }
}
