package io.millrace.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.tfmd.Histogram;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class ValidationDistancesTest {
  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }

  private static Histogram histogram(double... lowHighCount) {
    Histogram.Builder h = Histogram.newBuilder().setType(Histogram.HistogramType.STANDARD);
    for (int i = 0; i < lowHighCount.length; i += 3) {
      h.addBuckets(
          Histogram.Bucket.newBuilder()
              .setLowValue(lowHighCount[i])
              .setHighValue(lowHighCount[i + 1])
              .setSampleCount(lowHighCount[i + 2]));
    }
    return h.build();
  }

  @Test
  void lInfinityOverTheUnionOfValues() {
    Distances.LInfinity d =
        Distances.lInfinity(Map.of("a", 6.0, "b", 4.0), Map.of("a", 1.0, "c", 1.0));
    // a: 0.6 vs 0.5, b: 0.4 vs 0, c: 0 vs 0.5
    assertEquals("c", d.value());
    assertEquals(0.5, d.distance(), 1e-15);
    assertEquals(0.0, d.treatmentFrequency());
    assertEquals(0.5, d.controlFrequency());
    // Ties go to the last value in byte order, as in TFDV.
    assertEquals("b", Distances.lInfinity(Map.of("a", 1.0), Map.of("b", 1.0)).value());
    assertEquals(new Distances.LInfinity(0, "", 0, 0), Distances.lInfinity(Map.of(), Map.of()));
  }

  @Test
  void jensenShannonOfValueDistributions() {
    assertEquals(1.0, Distances.jensenShannon(Map.of("a", 3.0), Map.of("b", 5.0)).orElseThrow());
    assertEquals(0.0, Distances.jensenShannon(Map.of("a", 3.0), Map.of("a", 5.0)).orElseThrow());
    // p = (1/2, 1/2), q = (1, 0): m = (3/4, 1/4).
    double expected = (0.5 * log2(0.5 / 0.75) + 0.5 * log2(0.5 / 0.25) + 1 * log2(1 / 0.75)) / 2;
    assertEquals(
        expected,
        Distances.jensenShannon(Map.of("a", 1.0, "b", 1.0), Map.of("a", 7.0)).orElseThrow(),
        1e-15);
    assertFalse(Distances.jensenShannon(Map.of(), Map.of("a", 1.0)).isPresent());
    assertFalse(Distances.jensenShannon(Map.of("a", 0.0), Map.of("a", 1.0)).isPresent());
  }

  @Test
  void jensenShannonRebucketsHistogramsAssumingUniformBuckets() {
    Histogram a = histogram(0, 10, 5, 10, 20, 5);
    assertEquals(0.0, Distances.jensenShannon(a, a).orElseThrow());
    assertEquals(
        1.0, Distances.jensenShannon(a, histogram(30, 40, 10)).orElseThrow(), "disjoint ranges");

    // [0,1] holding 10 against [0,2] holding 10: on [0,1],[1,2] that is (1, 0) and (1/2, 1/2).
    double expected = (1 * log2(1 / 0.75) + 0.5 * log2(0.5 / 0.75) + 0.5 * log2(0.5 / 0.25)) / 2;
    assertEquals(
        expected,
        Distances.jensenShannon(histogram(0, 1, 10), histogram(0, 2, 10)).orElseThrow(),
        1e-15);

    // A single value is a point mass, compared with point masses only.
    assertEquals(
        0.0, Distances.jensenShannon(histogram(5, 5, 3), histogram(5, 5, 9)).orElseThrow());
    assertEquals(
        1.0, Distances.jensenShannon(histogram(5, 5, 3), histogram(0, 10, 9)).orElseThrow());
  }

  @Test
  void jensenShannonKeepsTfdvsTreatmentOfNan() {
    Histogram withNan = histogram(0, 10, 5).toBuilder().setNumNan(5).build();
    double divergence = Distances.jensenShannon(withNan, withNan).orElseThrow();
    assertTrue(divergence > 0, "NaN buckets never overlap in TFDV");
    OptionalDouble mixed =
        Distances.jensenShannon(
            histogram(0, 1, 1),
            histogram(0, 1, 1).toBuilder().setType(Histogram.HistogramType.QUANTILES).build());
    assertFalse(mixed.isPresent(), "different kinds of histogram");
    assertFalse(Distances.jensenShannon(histogram(), histogram(0, 1, 1)).isPresent());
  }
}
