package io.millrace.validate;

import io.millrace.schema.Utf8Order;
import io.millrace.tfmd.FeatureNameStatistics;
import io.millrace.tfmd.Histogram;
import io.millrace.tfmd.HistogramSelection;
import io.millrace.tfmd.RankHistogram;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The distances between two distributions that drift and skew comparators threshold, computed as
 * TFDV computes them so that thresholds carry over from TFDV schemas.
 */
public final class Distances {
  private Distances() {}

  /**
   * The L-infinity distance between two value distributions and where it is reached.
   *
   * @param value the value whose normalized frequencies differ most
   * @param treatmentFrequency its frequency in the validated data (current span, or training)
   * @param controlFrequency its frequency in the data compared with (previous span, or serving)
   */
  public record LInfinity(
      double distance, String value, double treatmentFrequency, double controlFrequency) {}

  /**
   * The largest difference between the two normalized value distributions, over the union of their
   * values (a value one side lacks has frequency 0 there). Each side is normalized by its own
   * total, so the counts may come from data sets of any size. Ties go to the last value in byte
   * order, as in TFDV; with no values on either side the distance is 0 at value "".
   */
  public static LInfinity lInfinity(Map<String, Double> treatment, Map<String, Double> control) {
    Map<String, Double> p = normalize(treatment);
    Map<String, Double> q = normalize(control);
    TreeSet<String> keys = new TreeSet<>(Utf8Order.COMPARATOR);
    keys.addAll(p.keySet());
    keys.addAll(q.keySet());
    LInfinity best = new LInfinity(0, "", 0, 0);
    for (String key : keys) {
      double a = p.getOrDefault(key, 0.0);
      double b = q.getOrDefault(key, 0.0);
      double difference = Math.abs(a - b);
      if (difference >= best.distance()) {
        best = new LInfinity(difference, key, a, b);
      }
    }
    return best;
  }

  /** L-infinity between the rank histograms of two features' string statistics. */
  public static LInfinity lInfinity(
      FeatureNameStatistics treatment, FeatureNameStatistics control) {
    return lInfinity(rankCounts(treatment), rankCounts(control));
  }

  /**
   * TFDV's approximate Jensen-Shannon divergence of two features: over their value distributions
   * when both have values in a rank histogram (categorical features), otherwise over their numeric
   * histograms of the selected kind. Empty when neither applies.
   */
  public static OptionalDouble jensenShannon(
      FeatureNameStatistics a, FeatureNameStatistics b, HistogramSelection.Type source) {
    Map<String, Double> countsA = rankCounts(a);
    Map<String, Double> countsB = rankCounts(b);
    if (!countsA.isEmpty() && !countsB.isEmpty()) {
      return jensenShannon(countsA, countsB);
    }
    Histogram histogramA = histogram(a, source);
    Histogram histogramB = histogram(b, source);
    if (histogramA != null && histogramB != null) {
      return jensenShannon(histogramA, histogramB);
    }
    return OptionalDouble.empty();
  }

  /**
   * Jensen-Shannon divergence (log base 2, so within [0, 1]) of two value distributions, over the
   * union of their values. Empty when a side has no values or a count is not positive.
   */
  public static OptionalDouble jensenShannon(Map<String, Double> a, Map<String, Double> b) {
    if (a.isEmpty() || b.isEmpty()) {
      return OptionalDouble.empty();
    }
    TreeMap<String, double[]> joint = new TreeMap<>(Utf8Order.COMPARATOR);
    double sumA = 0;
    double sumB = 0;
    for (Map.Entry<String, Double> e : a.entrySet()) {
      if (!(e.getValue() > 0)) {
        return OptionalDouble.empty();
      }
      joint.computeIfAbsent(e.getKey(), k -> new double[2])[0] += e.getValue();
      sumA += e.getValue();
    }
    for (Map.Entry<String, Double> e : b.entrySet()) {
      if (!(e.getValue() > 0)) {
        return OptionalDouble.empty();
      }
      joint.computeIfAbsent(e.getKey(), k -> new double[2])[1] += e.getValue();
      sumB += e.getValue();
    }
    double kl = 0;
    for (double[] counts : joint.values()) {
      double p = counts[0] / sumA;
      double q = counts[1] / sumB;
      double m = (p + q) / 2;
      if (counts[0] != 0) {
        kl += p * log2(p / m);
      }
      if (counts[1] != 0) {
        kl += q * log2(q / m);
      }
    }
    return OptionalDouble.of(Math.min(kl / 2, 1.0));
  }

  /**
   * Jensen-Shannon divergence (log base 2) of two numeric histograms, TFDV's approximation: both
   * are re-bucketed onto the union of their bucket boundaries, a bucket's count spread uniformly
   * over its width; zero-width buckets (a single value) are compared as point masses of their own;
   * counts of infinite buckets, and NaN counts, are extra buckets that never overlap (so NaN on
   * both sides still counts as divergence, as in TFDV). Empty when the histograms are of different
   * kinds or one has no counts.
   */
  public static OptionalDouble jensenShannon(Histogram a, Histogram b) {
    if (a.getType() != b.getType()) {
      return OptionalDouble.empty();
    }
    Split splitA = Split.of(a);
    Split splitB = Split.of(b);
    TreeSet<Double> union = new TreeSet<>();
    splitA.addBoundaries(union);
    splitB.addBoundaries(union);
    double[] boundaries = union.stream().mapToDouble(Double::doubleValue).toArray();
    List<Double> p = splitA.rebucket(boundaries);
    List<Double> q = splitB.rebucket(boundaries);
    TreeSet<Double> points = new TreeSet<>(splitA.points.keySet());
    points.addAll(splitB.points.keySet());
    for (double point : points) {
      p.add(splitA.points.getOrDefault(point, 0.0));
      q.add(splitB.points.getOrDefault(point, 0.0));
    }
    if (splitA.infinite != 0) {
      p.add(splitA.infinite);
      q.add(0.0);
    }
    if (splitB.infinite != 0) {
      p.add(0.0);
      q.add(splitB.infinite);
    }
    if (a.getNumNan() > 0 || b.getNumNan() > 0) {
      p.add(0.0);
      p.add((double) a.getNumNan());
      q.add((double) b.getNumNan());
      q.add(0.0);
    }
    double[] pn = normalize(p);
    double[] qn = normalize(q);
    if (pn == null || qn == null) {
      return OptionalDouble.empty();
    }
    double[] m = new double[pn.length];
    for (int i = 0; i < m.length; i++) {
      m[i] = (pn[i] + qn[i]) / 2;
    }
    return OptionalDouble.of(Math.min((kullbackLeibler(pn, m) + kullbackLeibler(qn, m)) / 2, 1.0));
  }

  /** A histogram taken apart: buckets of positive width, point masses, infinite mass. */
  private static final class Split {
    final List<Histogram.Bucket> ranges = new ArrayList<>();
    final TreeMap<Double, Double> points = new TreeMap<>();
    double infinite;

    static Split of(Histogram histogram) {
      Split split = new Split();
      for (Histogram.Bucket bucket : histogram.getBucketsList()) {
        if (!Double.isFinite(bucket.getLowValue()) || !Double.isFinite(bucket.getHighValue())) {
          split.infinite += bucket.getSampleCount();
        } else if (bucket.getLowValue() == bucket.getHighValue()) {
          split.points.merge(bucket.getLowValue(), bucket.getSampleCount(), Double::sum);
        } else {
          split.ranges.add(bucket);
        }
      }
      return split;
    }

    void addBoundaries(TreeSet<Double> boundaries) {
      for (Histogram.Bucket bucket : ranges) {
        boundaries.add(bucket.getLowValue());
        boundaries.add(bucket.getHighValue());
      }
    }

    /** Counts per interval between consecutive boundaries, assuming uniform mass per bucket. */
    List<Double> rebucket(double[] boundaries) {
      double[] counts = new double[Math.max(0, boundaries.length - 1)];
      for (Histogram.Bucket bucket : ranges) {
        double low = bucket.getLowValue();
        double high = bucket.getHighValue();
        double width = high - low;
        for (int i = Arrays.binarySearch(boundaries, low);
            i >= 0 && i + 1 < boundaries.length && boundaries[i] < high;
            i++) {
          counts[i] += bucket.getSampleCount() * (boundaries[i + 1] - boundaries[i]) / width;
        }
      }
      List<Double> result = new ArrayList<>(counts.length + 4);
      for (double c : counts) {
        result.add(c);
      }
      return result;
    }
  }

  private static Histogram histogram(
      FeatureNameStatistics feature, HistogramSelection.Type selection) {
    if (!feature.hasNumStats()) {
      return null;
    }
    Histogram.HistogramType wanted =
        selection == HistogramSelection.Type.QUANTILES
            ? Histogram.HistogramType.QUANTILES
            : Histogram.HistogramType.STANDARD;
    for (Histogram histogram : feature.getNumStats().getHistogramsList()) {
      if (histogram.getType() == wanted) {
        return histogram;
      }
    }
    return null;
  }

  private static Map<String, Double> rankCounts(FeatureNameStatistics feature) {
    TreeMap<String, Double> counts = new TreeMap<>(Utf8Order.COMPARATOR);
    for (RankHistogram.Bucket bucket :
        feature.getStringStats().getRankHistogram().getBucketsList()) {
      counts.putIfAbsent(bucket.getLabel(), bucket.getSampleCount());
    }
    return counts;
  }

  private static Map<String, Double> normalize(Map<String, Double> counts) {
    double sum = 0;
    for (double c : counts.values()) {
      sum += c;
    }
    if (sum == 0) {
      return counts;
    }
    TreeMap<String, Double> result = new TreeMap<>(Utf8Order.COMPARATOR);
    for (Map.Entry<String, Double> e : counts.entrySet()) {
      result.put(e.getKey(), e.getValue() / sum);
    }
    return result;
  }

  private static double[] normalize(List<Double> counts) {
    double total = 0;
    for (double c : counts) {
      total += c;
    }
    if (total == 0) {
      return null;
    }
    double[] result = new double[counts.size()];
    for (int i = 0; i < result.length; i++) {
      result[i] = counts.get(i) / total;
    }
    return result;
  }

  private static double kullbackLeibler(double[] p, double[] q) {
    double result = 0;
    for (int i = 0; i < p.length; i++) {
      if (p[i] > 0 && q[i] > 0) {
        result += p[i] * log2(p[i] / q[i]);
      }
    }
    return result;
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }
}
