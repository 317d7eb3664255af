package io.millrace.evaluate;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Poisson bootstrap confidence intervals. Alongside a point-estimate accumulator (weight 1 per
 * example) it keeps {@code replicates} accumulators; for each example and replicate a weight {@code
 * ~ Poisson(1)} is drawn from that replicate's RNG (seeded from {@code seed} and the replicate
 * index) and multiplies the example weight.
 *
 * <p>Deterministic for a given seed and example order. Per metric the result gives the unsampled
 * point estimate, the replicate mean and sample standard deviation, and a 95% interval {@code mean
 * ± t(0.975, R - 1) * stddev} (the Student-t interval TFMA uses for bootstrap samples).
 */
public final class Bootstrap<A extends MetricsAccumulator<A>> {

  public static final int DEFAULT_REPLICATES = 20;

  /** Adds one example to an accumulator with the given weight. */
  @FunctionalInterface
  public interface WeightedAdd<A> {
    void add(A accumulator, double weight);
  }

  /** Bootstrap summary of one metric. */
  public record Interval(
      double pointEstimate, double mean, double stdDev, double lower, double upper, int samples)
      implements java.io.Serializable {
    public boolean contains(double v) {
      return v >= lower && v <= upper;
    }
  }

  private final A point;
  private final List<A> replicas = new ArrayList<>();
  private final List<SplittableRandom> rngs = new ArrayList<>();

  public Bootstrap(A prototype, long seed) {
    this(prototype, DEFAULT_REPLICATES, seed);
  }

  public Bootstrap(A prototype, int replicates, long seed) {
    if (replicates < 2) {
      throw new IllegalArgumentException("need at least 2 replicates: " + replicates);
    }
    this.point = prototype.newEmpty();
    for (int r = 0; r < replicates; r++) {
      replicas.add(prototype.newEmpty());
      rngs.add(new SplittableRandom(mix(seed, r)));
    }
  }

  private static long mix(long seed, int r) {
    long z = seed * 0x9E3779B97F4A7C15L + (r + 1) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Poisson(1) by Knuth's multiplication method. */
  static int poisson1(SplittableRandom rng) {
    double limit = Math.exp(-1.0);
    int k = 0;
    double p = rng.nextDouble();
    while (p > limit) {
      k++;
      p *= rng.nextDouble();
    }
    return k;
  }

  /** Adds an example of weight 1. */
  public Bootstrap<A> add(WeightedAdd<? super A> add) {
    return add(1.0, add);
  }

  /** Adds an example of weight {@code weight}. */
  public Bootstrap<A> add(double weight, WeightedAdd<? super A> add) {
    add.add(point, weight);
    for (int r = 0; r < replicas.size(); r++) {
      add.add(replicas.get(r), weight * poisson1(rngs.get(r)));
    }
    return this;
  }

  public A pointEstimate() {
    return point;
  }

  public List<A> replicates() {
    return List.copyOf(replicas);
  }

  /** Interval per metric of the point estimate; NaN replicate values are ignored. */
  public Map<String, Interval> result() {
    return intervals(point, replicas);
  }

  /**
   * Poisson(1) weights of one example for {@code samples} replicates, drawn from an RNG seeded by
   * {@code seed} and {@code exampleKey} alone: the same whatever the order or bundling of the
   * examples, so that a distributed evaluation can resample without coordination (and two models
   * scored on the same examples see the same resamples).
   */
  public static int[] poissonWeights(long seed, long exampleKey, int samples) {
    SplittableRandom rng = new SplittableRandom(mix(seed, 0) ^ mix(exampleKey, 1));
    int[] weights = new int[samples];
    for (int r = 0; r < samples; r++) {
      weights[r] = poisson1(rng);
    }
    return weights;
  }

  /**
   * A 64-bit hash of a record's feature names and values (missing and empty told apart): the
   * example key of {@link #poissonWeights} when records have no id.
   */
  public static long contentHash(Example record) {
    Hasher h = Hashing.murmur3_128().newHasher();
    ExampleSchema schema = record.schema();
    for (int f = 0; f < schema.size(); f++) {
      h.putString(schema.name(f), StandardCharsets.UTF_8);
      Object v = record.rawValues(f);
      if (v == null) {
        h.putByte((byte) 0);
      } else if (v instanceof long[] l) {
        h.putByte((byte) 1).putInt(l.length);
        for (long x : l) {
          h.putLong(x);
        }
      } else if (v instanceof double[] d) {
        h.putByte((byte) 2).putInt(d.length);
        for (double x : d) {
          h.putDouble(x);
        }
      } else {
        byte[][] b = (byte[][]) v;
        h.putByte((byte) 3).putInt(b.length);
        for (byte[] x : b) {
          h.putInt(x.length).putBytes(x);
        }
      }
    }
    return h.hash().asLong();
  }

  /** Intervals per metric of {@code point} from replicate accumulators (at least 2). */
  public static <A extends MetricsAccumulator<A>> Map<String, Interval> intervals(
      A point, List<A> replicates) {
    Map<String, Interval> out = new LinkedHashMap<>();
    List<Map<String, Double>> reps = new ArrayList<>();
    for (A a : replicates) {
      reps.add(a.result());
    }
    for (Map.Entry<String, Double> e : point.result().entrySet()) {
      double sum = 0;
      int n = 0;
      for (Map<String, Double> rep : reps) {
        Double v = rep.get(e.getKey());
        if (v != null && !Double.isNaN(v)) {
          sum += v;
          n++;
        }
      }
      double mean = n == 0 ? Double.NaN : sum / n;
      double ss = 0;
      for (Map<String, Double> rep : reps) {
        Double v = rep.get(e.getKey());
        if (v != null && !Double.isNaN(v)) {
          ss += (v - mean) * (v - mean);
        }
      }
      double sd = n < 2 ? Double.NaN : Math.sqrt(ss / (n - 1));
      double half = n < 2 ? Double.NaN : tQuantile975(n - 1) * sd;
      out.put(e.getKey(), new Interval(e.getValue(), mean, sd, mean - half, mean + half, n));
    }
    return out;
  }

  private static final double[] T975 = {
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042
  };

  /** 97.5% quantile of Student's t: table up to 30 d.f., Cornish-Fisher expansion beyond. */
  static double tQuantile975(int df) {
    if (df < 1) {
      throw new IllegalArgumentException("df must be >= 1");
    }
    if (df <= T975.length) {
      return T975[df - 1];
    }
    double z = 1.959963984540054;
    double z3 = z * z * z;
    double z5 = z3 * z * z;
    double z7 = z5 * z * z;
    return z
        + (z3 + z) / (4.0 * df)
        + (5 * z5 + 16 * z3 + 3 * z) / (96.0 * df * df)
        + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384.0 * df * df * df);
  }
}
