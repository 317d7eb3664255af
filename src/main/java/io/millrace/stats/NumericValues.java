package io.millrace.stats;

import io.millrace.accumulate.ExactSum;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * The values of one numeric feature: moments, extremes, special values and the counts of its
 * values, from which quantiles and histograms come.
 *
 * <p>Every part of the state is a function of the multiset of values added, not of their order or
 * of how a runner cut them into bundles and merged the partial states, so that two runs over the
 * same data give the same bytes:
 *
 * <ul>
 *   <li>Mean and variance come from exact sums of the values and of their squares ({@link
 *       ExactSum}), rounded once when read: no cancellation either, however large the mean against
 *       the spread.
 *   <li>Quantiles and histograms come from counts of values, exact while a feature has at most a
 *       bucket budget of distinct values (hours, codes, prices on a grid: most features). Beyond,
 *       the values are counted in buckets of their leading mantissa bits: the precision is the
 *       largest number of bits at which the whole multiset fits the budget, which merging partial
 *       states at the lower of their precisions and coarsening until the budget holds reproduces
 *       whatever the partition. A randomized sketch (KLL) was rejected: its state depends on the
 *       order of updates and merges. The reported quantile is the bucket's midpoint (relative value
 *       error below 2^-precision) and the rank error is at most the largest bucket's share of the
 *       values, which the statistics report.
 * </ul>
 *
 * Infinities are counted and bound min and max, but are kept out of the moments and the counts so
 * that mean, standard deviation and histograms stay finite.
 */
public final class NumericValues {
  /** Distinct finite values up to which their number is reported. */
  static final int EXACT_LIMIT = 1024;

  /** Mantissa bits of a double: values counted at this precision are counted exactly. */
  private static final int FULL_PRECISION = 52;

  private static final MathContext QUOTIENT = new MathContext(40, RoundingMode.HALF_EVEN);

  /** Buckets of counted values kept at most, from the quantiles' accuracy setting. */
  private final int bucketBudget;

  long numNan;
  long numPosInf;
  long numNegInf;
  long numZeros;
  double min = Double.POSITIVE_INFINITY;
  double max = Double.NEGATIVE_INFINITY;
  private double finiteMin = Double.POSITIVE_INFINITY;
  private double finiteMax = Double.NEGATIVE_INFINITY;

  /** Finite values. */
  long n;

  private final ExactSum sum = new ExactSum();
  private final ExactSum sumOfSquares = new ExactSum();

  /**
   * Weighted moments: values of weight 1 (the usual case: no weight feature) add to the unweighted
   * sums only; the others are summed apart, and subtracted from the unweighted sums when read.
   */
  private long otherWeightCount;

  private final ExactSum otherWeightSum = new ExactSum();
  private final ExactSum otherWeightValueSum = new ExactSum();
  private final ExactSum otherWeightSquareSum = new ExactSum();
  private final ExactSum otherWeightedSum = new ExactSum();
  private final ExactSum otherWeightedSquareSum = new ExactSum();

  /** Mantissa bits the counted values keep. */
  private int precision = FULL_PRECISION;

  private DoubleCounts counts = new DoubleCounts();

  /**
   * @param quantilesSketchK the quantiles' accuracy setting: the values are counted in at most
   *     {@code 5 * quantilesSketchK} (and at least 1,024) buckets
   */
  public NumericValues(int quantilesSketchK) {
    this.bucketBudget = Math.max(EXACT_LIMIT, 5 * quantilesSketchK);
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
      x = 0.0; // -0.0 and 0.0 are one value
    }
    if (x < finiteMin) {
      finiteMin = x;
    }
    if (x > finiteMax) {
      finiteMax = x;
    }
    n++;
    sum.add(x);
    sumOfSquares.addProduct(x, x);
    if (weight != 1.0) {
      otherWeightCount++;
      otherWeightSum.add(weight);
      otherWeightValueSum.add(x);
      otherWeightSquareSum.addProduct(x, x);
      otherWeightedSum.addProduct(weight, x);
      // The product weight * x rounded, then times x exactly: each value's term depends on that
      // value alone, so the sum stays independent of order.
      otherWeightedSquareSum.addProduct(weight * x, x);
    }
    counts.add(truncate(x, precision), 1);
    if (counts.size() > bucketBudget) {
      coarsenToBudget();
    }
  }

  /** {@code x} with only its {@code bits} leading mantissa bits. */
  private static double truncate(double x, int bits) {
    if (bits >= FULL_PRECISION) {
      return x;
    }
    long mask = -1L << (FULL_PRECISION - bits);
    return Double.longBitsToDouble(Double.doubleToRawLongBits(x) & mask);
  }

  /** Drops mantissa bits until the buckets fit the budget (or only sign and exponent are left). */
  private void coarsenToBudget() {
    while (counts.size() > bucketBudget && precision > 0) {
      coarsenTo(precision - 1);
    }
  }

  private void coarsenTo(int bits) {
    precision = bits;
    DoubleCounts coarser = new DoubleCounts();
    counts.forEach((value, count) -> coarser.add(truncate(value, bits), count));
    counts = coarser;
  }

  /** The number of distinct finite values, or -1 when more than {@link #EXACT_LIMIT}. */
  public long distinctCount() {
    return precision == FULL_PRECISION && counts.size() <= EXACT_LIMIT ? counts.size() : -1;
  }

  public double mean() {
    return n == 0 ? Double.NaN : sum.dividedBy(BigDecimal.valueOf(n));
  }

  /** Population standard deviation (divides by N), as TFDV reports. */
  public double stdDev() {
    return n == 0
        ? Double.NaN
        : populationStdDev(BigDecimal.valueOf(n), sum.toBigDecimal(), sumOfSquares.toBigDecimal());
  }

  /** sqrt((W * S2 - S1^2) / W^2), exact up to the one division. */
  private static double populationStdDev(BigDecimal weight, BigDecimal s1, BigDecimal s2) {
    BigDecimal m2 = weight.multiply(s2).subtract(s1.multiply(s1));
    double variance = m2.divide(weight.multiply(weight), QUOTIENT).doubleValue();
    return Math.sqrt(Math.max(0, variance));
  }

  private BigDecimal weightTotal() {
    return BigDecimal.valueOf(n - otherWeightCount).add(otherWeightSum.toBigDecimal());
  }

  private BigDecimal weightedSum() {
    return sum.toBigDecimal()
        .subtract(otherWeightValueSum.toBigDecimal())
        .add(otherWeightedSum.toBigDecimal());
  }

  public double weightedMean() {
    BigDecimal w = weightTotal();
    return w.signum() == 0 ? Double.NaN : weightedSum().divide(w, QUOTIENT).doubleValue();
  }

  public double weightedStdDev() {
    BigDecimal w = weightTotal();
    if (w.signum() == 0) {
      return Double.NaN;
    }
    BigDecimal weightedSquares =
        sumOfSquares
            .toBigDecimal()
            .subtract(otherWeightSquareSum.toBigDecimal())
            .add(otherWeightedSquareSum.toBigDecimal());
    return populationStdDev(w, weightedSum(), weightedSquares);
  }

  public boolean hasFiniteValues() {
    return n > 0;
  }

  /** The counted values (bucket midpoints once coarsened) in ascending order. */
  private DoubleCounts.Sorted sorted() {
    DoubleCounts.Sorted sorted = counts.sorted();
    if (precision == FULL_PRECISION) {
      return sorted;
    }
    double[] values = sorted.values().clone();
    long half = 1L << (FULL_PRECISION - precision - 1);
    for (int i = 0; i < values.length; i++) {
      if (values[i] == 0) {
        // Zero's bucket holds zero and denormals far below any value's precision: its midpoint in
        // bits would be a denormal such as 2.2e-311 where the data's quantile is 0.
        continue;
      }
      double midpoint = Double.longBitsToDouble(Double.doubleToRawLongBits(values[i]) | half);
      values[i] = Math.min(finiteMax, Math.max(finiteMin, midpoint));
    }
    return new DoubleCounts.Sorted(values, sorted.cumulative());
  }

  /**
   * Quantiles of the finite values: exact while the values fit the bucket budget, else bucket
   * midpoints.
   */
  public double[] quantiles(double[] fractions) {
    DoubleCounts.Sorted sorted = sorted();
    double[] result = new double[fractions.length];
    for (int i = 0; i < fractions.length; i++) {
      result[i] = sorted.quantile(fractions[i]);
    }
    return result;
  }

  /**
   * Number of finite values below each split point (exclusive): exact while the values fit the
   * bucket budget, else counted by bucket midpoint. Split points must increase strictly.
   */
  public double[] countsBelow(double[] splitPoints) {
    DoubleCounts.Sorted sorted = sorted();
    double[] below = new double[splitPoints.length];
    for (int i = 0; i < splitPoints.length; i++) {
      below[i] = sorted.countBelow(splitPoints[i]);
    }
    return below;
  }

  public double finiteMin() {
    return finiteMin;
  }

  public double finiteMax() {
    return finiteMax;
  }

  /** A bound on the quantiles' rank error: 0 while exact, else the largest bucket's share. */
  public double normalizedRankError() {
    if (precision == FULL_PRECISION || n == 0) {
      return 0;
    }
    long[] largest = {0};
    counts.forEach((value, count) -> largest[0] = Math.max(largest[0], count));
    return (double) largest[0] / n;
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
    finiteMin = Math.min(finiteMin, o.finiteMin);
    finiteMax = Math.max(finiteMax, o.finiteMax);
    n += o.n;
    sum.add(o.sum);
    sumOfSquares.add(o.sumOfSquares);
    otherWeightCount += o.otherWeightCount;
    otherWeightSum.add(o.otherWeightSum);
    otherWeightValueSum.add(o.otherWeightValueSum);
    otherWeightSquareSum.add(o.otherWeightSquareSum);
    otherWeightedSum.add(o.otherWeightedSum);
    otherWeightedSquareSum.add(o.otherWeightedSquareSum);
    // Both at the lower precision, then as coarse as the union needs: the precision the whole
    // multiset fits at, whichever way it was cut.
    if (o.precision < precision) {
      coarsenTo(o.precision);
    }
    int bits = precision;
    o.counts.forEach((value, count) -> counts.add(truncate(value, bits), count));
    if (counts.size() > bucketBudget) {
      coarsenToBudget();
    }
  }

  public void write(DataOutput out) throws IOException {
    out.writeLong(numNan);
    out.writeLong(numPosInf);
    out.writeLong(numNegInf);
    out.writeLong(numZeros);
    out.writeDouble(min);
    out.writeDouble(max);
    out.writeDouble(finiteMin);
    out.writeDouble(finiteMax);
    out.writeLong(n);
    sum.write(out);
    sumOfSquares.write(out);
    out.writeLong(otherWeightCount);
    otherWeightSum.write(out);
    otherWeightValueSum.write(out);
    otherWeightSquareSum.write(out);
    otherWeightedSum.write(out);
    otherWeightedSquareSum.write(out);
    out.writeInt(precision);
    // In ascending order of value: equal states write equal bytes.
    DoubleCounts.Sorted sorted = counts.sorted();
    double[] values = sorted.values();
    long[] cumulative = sorted.cumulative();
    out.writeInt(values.length);
    for (int i = 0; i < values.length; i++) {
      out.writeDouble(values[i]);
      out.writeLong(cumulative[i] - (i == 0 ? 0 : cumulative[i - 1]));
    }
  }

  public static NumericValues read(DataInput in, int quantilesSketchK) throws IOException {
    NumericValues v = new NumericValues(quantilesSketchK);
    v.numNan = in.readLong();
    v.numPosInf = in.readLong();
    v.numNegInf = in.readLong();
    v.numZeros = in.readLong();
    v.min = in.readDouble();
    v.max = in.readDouble();
    v.finiteMin = in.readDouble();
    v.finiteMax = in.readDouble();
    v.n = in.readLong();
    v.sum.add(ExactSum.read(in));
    v.sumOfSquares.add(ExactSum.read(in));
    v.otherWeightCount = in.readLong();
    v.otherWeightSum.add(ExactSum.read(in));
    v.otherWeightValueSum.add(ExactSum.read(in));
    v.otherWeightSquareSum.add(ExactSum.read(in));
    v.otherWeightedSum.add(ExactSum.read(in));
    v.otherWeightedSquareSum.add(ExactSum.read(in));
    v.precision = in.readInt();
    if (v.precision < 0 || v.precision > FULL_PRECISION) {
      throw new IOException("corrupt numeric state: precision " + v.precision);
    }
    int size = in.readInt();
    for (int i = 0; i < size; i++) {
      v.counts.add(in.readDouble(), in.readLong());
    }
    return v;
  }
}
