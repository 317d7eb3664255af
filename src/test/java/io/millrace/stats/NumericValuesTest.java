package io.millrace.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.csv.CsvFormatReader;
import io.millrace.record.Example;
import io.millrace.testing.CollectingSink;
import io.millrace.testing.SharedData;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The deterministic quantiles beyond exact counting stay within TFDV's accuracy. */
class NumericValuesTest {

  /** Every percentile's rank error, as a fraction of the values, against the sorted values. */
  private static double worstRankError(double[] values, NumericValues counted) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    double worst = 0;
    for (int p = 1; p < 100; p++) {
      double fraction = p / 100.0;
      double q = counted.quantiles(new double[] {fraction})[0];
      int below = lowerBound(sorted, q);
      int atOrBelow = upperBound(sorted, q);
      double target = fraction * sorted.length;
      double error = target < below ? below - target : target > atOrBelow ? target - atOrBelow : 0;
      worst = Math.max(worst, error / sorted.length);
    }
    return worst;
  }

  private static int lowerBound(double[] sorted, double x) {
    int i = Arrays.binarySearch(sorted, x);
    if (i < 0) {
      return -i - 1;
    }
    while (i > 0 && sorted[i - 1] == x) {
      i--;
    }
    return i;
  }

  private static int upperBound(double[] sorted, double x) {
    int i = Arrays.binarySearch(sorted, x);
    if (i < 0) {
      return -i - 1;
    }
    while (i < sorted.length && sorted[i] == x) {
      i++;
    }
    return i;
  }

  private static void assertWithinOnePercent(double[] values, String what) {
    NumericValues counted = new NumericValues(StatisticsOptions.DEFAULT_QUANTILES_SKETCH_K);
    for (double v : values) {
      counted.add(v, 1);
    }
    assertTrue(counted.distinctCount() < 0, what + " should leave exact counting");
    double error = worstRankError(values, counted);
    assertTrue(error <= 0.01, what + ": worst percentile rank error " + error);
    assertTrue(
        error <= counted.normalizedRankError() + 1e-12,
        what + ": error " + error + " above the reported bound " + counted.normalizedRankError());
  }

  @Test
  void quantilesAmongManyZerosAreZeroNotTheirBucketsMidpoint() {
    // As taxi tips: most are 0, the rest too many distinct values to count exactly.
    Random random = new Random(7);
    NumericValues counted = new NumericValues(StatisticsOptions.DEFAULT_QUANTILES_SKETCH_K);
    for (int i = 0; i < 100_000; i++) {
      counted.add(i % 10 < 7 ? 0 : Math.exp(random.nextGaussian()), 1);
    }
    assertTrue(counted.distinctCount() < 0, "should leave exact counting");
    double[] q = counted.quantiles(new double[] {0, 0.5, 0.69});
    assertEquals(0.0, q[0]);
    assertEquals(0.0, q[1]);
    assertEquals(0.0, q[2]);
  }

  @Test
  void percentilesOfRealAndHeavyTailedValuesAreWithinOnePercentRankError() throws IOException {
    List<Example> diamonds =
        CollectingSink.read(
                new CsvFormatReader(FormatOptions.defaults()),
                SharedData.path("diamonds/diamonds.csv"))
            .examples;
    int price = diamonds.get(0).schema().requireIndex("price");
    double[] prices = new double[diamonds.size()];
    for (int i = 0; i < diamonds.size(); i++) {
      Object p = diamonds.get(i).rawValues(price);
      prices[i] = p instanceof long[] l ? l[0] : ((double[]) p)[0];
    }
    assertWithinOnePercent(prices, "diamonds price");

    Random random = new Random(5);
    double[] lognormal = new double[200_000];
    double[] narrow = new double[200_000];
    for (int i = 0; i < lognormal.length; i++) {
      lognormal[i] = Math.exp(2 + 1.5 * random.nextGaussian());
      // Timestamps: a large mean against a small spread.
      narrow[i] = 1.4e9 + Math.floor(3e7 * random.nextDouble());
    }
    assertWithinOnePercent(lognormal, "log-normal");
    assertWithinOnePercent(narrow, "timestamps");
  }
}
