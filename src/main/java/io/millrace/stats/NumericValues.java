package io.millrace.stats;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.memory.Memory;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;

/**
 * The values of one numeric feature: moments, extremes, special values and a KLL quantile sketch.
 *
 * <p>Mean and variance are sums of differences from a shift (the first value seen, then the merged
 * mean): as cheap per value as plain sums of squares but without their cancellation when the mean
 * is large against the spread. Quantiles and histograms are exact while a feature has at most
 * {@value #EXACT_LIMIT} distinct values (hours, codes, prices on a grid: most features), and come
 * from a KLL sketch beyond. Infinities are counted and bound min and max, but are kept out of the
 * moments and the sketch so that mean, standard deviation and histograms stay finite.
 */
public final class NumericValues {
  /** Distinct finite values counted exactly before the sketch takes over. */
  static final int EXACT_LIMIT = 1024;

  private final int sketchK;

  long numNan;
  long numPosInf;
  long numNegInf;
  long numZeros;
  double min = Double.POSITIVE_INFINITY;
  double max = Double.NEGATIVE_INFINITY;

  /** Finite values. */
  long n;

  private double shift = Double.NaN;
  private double s1;
  private double s2;
  private double w;
  private double ws1;
  private double ws2;

  /** Exact counts while there are at most {@link #EXACT_LIMIT} distinct values, else null. */
  private DoubleCounts exact = new DoubleCounts();

  /** The quantile sketch once there were more distinct values, else null. */
  private KllDoublesSketch sketch;

  public NumericValues(int sketchK) {
    this.sketchK = sketchK;
  }

  public void add(double x, double weight) {
    if (x != x) {
      numNan++;
      return;
    }
    if (x < min) {
      min = x;
    }
    if (x > max) {
      max = x;
    }
    if (x == Double.POSITIVE_INFINITY) {
      numPosInf++;
      return;
    }
    if (x == Double.NEGATIVE_INFINITY) {
      numNegInf++;
      return;
    }
    if (x == 0) {
      numZeros++;
    }
    if (n == 0) {
      shift = x;
    }
    double d = x - shift;
    n++;
    s1 += d;
    s2 += d * d;
    double wd = weight * d;
    w += weight;
    ws1 += wd;
    ws2 += wd * d;
    if (exact != null) {
      exact.add(x, 1);
      if (exact.size() > EXACT_LIMIT) {
        switchToSketch();
      }
    } else {
      sketch.update(x);
    }
  }

  private void switchToSketch() {
    sketch = KllDoublesSketch.newHeapInstance(sketchK);
    exact.forEach(sketch::update);
    exact = null;
  }

  /** The number of distinct finite values, or -1 when more than {@link #EXACT_LIMIT}. */
  public long distinctCount() {
    return exact == null ? -1 : exact.size();
  }

  public double mean() {
    return n == 0 ? Double.NaN : shift + s1 / n;
  }

  /** Population standard deviation (divides by N), as TFDV reports. */
  public double stdDev() {
    return n == 0 ? Double.NaN : Math.sqrt(Math.max(0, m2() / n));
  }

  private double m2() {
    return n == 0 ? 0 : s2 - s1 * s1 / n;
  }

  public double weightedMean() {
    return w == 0 ? Double.NaN : shift + ws1 / w;
  }

  public double weightedStdDev() {
    return w == 0 ? Double.NaN : Math.sqrt(Math.max(0, weightedM2() / w));
  }

  private double weightedM2() {
    return w == 0 ? 0 : ws2 - ws1 * ws1 / w;
  }

  public boolean hasFiniteValues() {
    return n > 0;
  }

  /**
   * Quantiles of the finite values: exact while there are few distinct values, else from the
   * sketch, within its rank error.
   */
  public double[] quantiles(double[] fractions) {
    if (exact != null) {
      DoubleCounts.Sorted sorted = exact.sorted();
      double[] result = new double[fractions.length];
      for (int i = 0; i < fractions.length; i++) {
        result[i] = sorted.quantile(fractions[i]);
      }
      return result;
    }
    return readOnlySketch().getQuantiles(fractions, QuantileSearchCriteria.INCLUSIVE);
  }

  /**
   * Approximate number of finite values below each split point (exclusive), from the sketch's
   * ranks. Split points must increase strictly.
   */
  public double[] countsBelow(double[] splitPoints) {
    if (exact != null) {
      DoubleCounts.Sorted sorted = exact.sorted();
      double[] below = new double[splitPoints.length];
      for (int i = 0; i < splitPoints.length; i++) {
        below[i] = sorted.countBelow(splitPoints[i]);
      }
      return below;
    }
    double[] cdf = readOnlySketch().getCDF(splitPoints, QuantileSearchCriteria.EXCLUSIVE);
    double[] below = new double[splitPoints.length];
    for (int i = 0; i < splitPoints.length; i++) {
      below[i] = cdf[i] * n;
    }
    return below;
  }

  /**
   * A copy to query: KLL sorts its buffer in place when queried, which changes its serialized form,
   * and Beam rightly rejects a DoFn that changes its input's encoding.
   */
  private KllDoublesSketch readOnlySketch() {
    return KllDoublesSketch.heapify(Memory.wrap(sketch.toByteArray()));
  }

  public double finiteMin() {
    if (exact != null) {
      double[] values = exact.sorted().values();
      return values[0];
    }
    return sketch.getMinItem();
  }

  public double finiteMax() {
    if (exact != null) {
      double[] values = exact.sorted().values();
      return values[values.length - 1];
    }
    return sketch.getMaxItem();
  }

  /** 0 while quantiles are exact. */
  public double normalizedRankError() {
    return sketch == null ? 0 : sketch.getNormalizedRankError(false);
  }

  public void merge(NumericValues o) {
    numNan += o.numNan;
    numPosInf += o.numPosInf;
    numNegInf += o.numNegInf;
    numZeros += o.numZeros;
    min = Math.min(min, o.min);
    max = Math.max(max, o.max);
    if (o.n == 0) {
      return;
    }
    if (n == 0) {
      n = o.n;
      shift = o.shift;
      s1 = o.s1;
      s2 = o.s2;
      w = o.w;
      ws1 = o.ws1;
      ws2 = o.ws2;
    } else {
      long total = n + o.n;
      double meanA = mean();
      double meanB = o.mean();
      double delta = meanB - meanA;
      double mean = meanA + delta * o.n / total;
      double m2 = m2() + o.m2() + delta * delta * ((double) n * o.n / total);

      double wTotal = w + o.w;
      double wMean;
      double wM2;
      if (o.w == 0) {
        wMean = weightedMean();
        wM2 = weightedM2();
      } else if (w == 0) {
        wMean = o.weightedMean();
        wM2 = o.weightedM2();
      } else {
        double wDelta = o.weightedMean() - weightedMean();
        wMean = weightedMean() + wDelta * o.w / wTotal;
        wM2 = weightedM2() + o.weightedM2() + wDelta * wDelta * (w * o.w / wTotal);
      }
      n = total;
      shift = mean;
      s1 = 0;
      s2 = m2;
      w = wTotal;
      ws1 = wTotal == 0 ? 0 : wTotal * (wMean - shift);
      ws2 = wTotal == 0 ? 0 : wM2 + ws1 * ws1 / wTotal;
    }
    if (exact != null && o.exact != null) {
      o.exact.forEach(exact::add);
      if (exact.size() > EXACT_LIMIT) {
        switchToSketch();
      }
      return;
    }
    if (exact != null) {
      switchToSketch();
    }
    if (o.exact != null) {
      o.exact.forEach(sketch::update);
    } else {
      sketch.merge(o.sketch);
    }
  }

  public void write(DataOutput out) throws IOException {
    out.writeLong(numNan);
    out.writeLong(numPosInf);
    out.writeLong(numNegInf);
    out.writeLong(numZeros);
    out.writeDouble(min);
    out.writeDouble(max);
    out.writeLong(n);
    out.writeDouble(shift);
    out.writeDouble(s1);
    out.writeDouble(s2);
    out.writeDouble(w);
    out.writeDouble(ws1);
    out.writeDouble(ws2);
    out.writeBoolean(exact != null);
    if (exact != null) {
      out.writeInt(exact.size());
      exact.forEach(
          (value, count) -> {
            try {
              out.writeDouble(value);
              out.writeLong(count);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    } else {
      byte[] bytes = sketch.toByteArray();
      out.writeInt(bytes.length);
      out.write(bytes);
    }
  }

  public static NumericValues read(DataInput in, int sketchK) throws IOException {
    NumericValues v = new NumericValues(sketchK);
    v.numNan = in.readLong();
    v.numPosInf = in.readLong();
    v.numNegInf = in.readLong();
    v.numZeros = in.readLong();
    v.min = in.readDouble();
    v.max = in.readDouble();
    v.n = in.readLong();
    v.shift = in.readDouble();
    v.s1 = in.readDouble();
    v.s2 = in.readDouble();
    v.w = in.readDouble();
    v.ws1 = in.readDouble();
    v.ws2 = in.readDouble();
    if (in.readBoolean()) {
      int size = in.readInt();
      for (int i = 0; i < size; i++) {
        v.exact.add(in.readDouble(), in.readLong());
      }
    } else {
      byte[] bytes = new byte[in.readInt()];
      in.readFully(bytes);
      v.sketch = KllDoublesSketch.heapify(Memory.wrap(bytes));
      v.exact = null;
    }
    return v;
  }
}
