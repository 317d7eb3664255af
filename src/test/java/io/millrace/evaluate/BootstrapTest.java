package io.millrace.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BootstrapTest {

  private static Bootstrap<BinaryMetrics> run(long seed) {
    Bootstrap<BinaryMetrics> b = new Bootstrap<>(new BinaryMetrics(), 20, seed);
    Random data = new Random(42);
    for (int i = 0; i < 2000; i++) {
      int y = data.nextDouble() < 0.4 ? 1 : 0;
      double p = 1 / (1 + Math.exp(-(data.nextGaussian() + 1.5 * y - 0.5)));
      b.add((m, w) -> m.add(y, p, w));
    }
    return b;
  }

  @Test
  void intervalContainsPointEstimate() {
    Map<String, Bootstrap.Interval> r = run(1234).result();
    for (String metric :
        new String[] {"auc", "auc_precision_recall", "accuracy", "log_loss", "calibration"}) {
      Bootstrap.Interval iv = r.get(metric);
      assertTrue(iv.contains(iv.pointEstimate()), metric + " " + iv);
      assertTrue(iv.lower() < iv.upper(), metric + " " + iv);
      assertEquals(20, iv.samples());
    }
    Bootstrap.Interval auc = r.get("auc");
    assertTrue(auc.upper() - auc.lower() < 0.1, auc.toString());
    assertEquals(2000.0, r.get("example_count").pointEstimate());
  }

  @Test
  void deterministicForSeed() {
    assertEquals(run(99).result(), run(99).result());
    assertNotEquals(run(99).result().get("auc"), run(100).result().get("auc"));
  }

  @Test
  void poissonOneHasMeanAndVarianceOne() {
    SplittableRandom rng = new SplittableRandom(5);
    int n = 200_000;
    double sum = 0;
    double sq = 0;
    for (int i = 0; i < n; i++) {
      int k = Bootstrap.poisson1(rng);
      sum += k;
      sq += (double) k * k;
    }
    double mean = sum / n;
    assertEquals(1.0, mean, 0.01);
    assertEquals(1.0, sq / n - mean * mean, 0.02);
  }

  @Test
  void tQuantiles() {
    assertEquals(2.093, Bootstrap.tQuantile975(19), 1e-9);
    assertEquals(2.021, Bootstrap.tQuantile975(40), 1e-3);
    assertEquals(1.984, Bootstrap.tQuantile975(100), 1e-3);
  }
}
