package io.millrace.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MetricsTest {

  /** Exact weighted AUC by sorting (Mann-Whitney U with ties counted 1/2). */
  static double exactAuc(int[] labels, double[] preds) {
    Integer[] idx = new Integer[preds.length];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, (a, b) -> Double.compare(preds[a], preds[b]));
    double pos = 0;
    double neg = 0;
    for (int l : labels) {
      if (l == 1) {
        pos++;
      } else {
        neg++;
      }
    }
    double u = 0;
    double negBelow = 0;
    int i = 0;
    while (i < idx.length) {
      int j = i;
      double tieNeg = 0;
      double tiePos = 0;
      while (j < idx.length && preds[idx[j]] == preds[idx[i]]) {
        if (labels[idx[j]] == 1) {
          tiePos++;
        } else {
          tieNeg++;
        }
        j++;
      }
      u += tiePos * (negBelow + tieNeg / 2);
      negBelow += tieNeg;
      i = j;
    }
    return u / (pos * neg);
  }

  @Test
  void aucMatchesExactMannWhitneyOnRandomData() {
    Random rnd = new Random(7);
    for (int trial = 0; trial < 5; trial++) {
      int n = 5000;
      int[] labels = new int[n];
      double[] preds = new double[n];
      BinaryMetrics m = new BinaryMetrics();
      for (int i = 0; i < n; i++) {
        labels[i] = rnd.nextDouble() < 0.3 ? 1 : 0;
        double z = rnd.nextGaussian() + (labels[i] == 1 ? 0.8 * (trial + 1) / 2 : 0);
        preds[i] = 1 / (1 + Math.exp(-z));
        m.add(labels[i], preds[i]);
      }
      assertEquals(exactAuc(labels, preds), m.auc(), 1e-3);
    }
  }

  @Test
  void perfectAndRandomClassifiers() {
    BinaryMetrics perfect = new BinaryMetrics();
    Random rnd = new Random(1);
    for (int i = 0; i < 1000; i++) {
      int y = i % 2;
      perfect.add(y, y == 1 ? 0.6 + 0.4 * rnd.nextDouble() : 0.4 * rnd.nextDouble());
    }
    assertEquals(1.0, perfect.auc(), 1e-12);
    assertEquals(1.0, perfect.aucPrecisionRecall(), 1e-9);
    assertEquals(1.0, perfect.accuracy(), 0);

    BinaryMetrics random = new BinaryMetrics();
    for (int i = 0; i < 100_000; i++) {
      random.add(rnd.nextDouble() < 0.5 ? 1 : 0, rnd.nextDouble());
    }
    assertEquals(0.5, random.auc(), 0.01);
    assertEquals(0.5, random.aucPrecisionRecall(), 0.01);
  }

  @Test
  void aucPrecisionRecallCloseToAveragePrecision() {
    Random rnd = new Random(3);
    int n = 4000;
    int[] labels = new int[n];
    double[] preds = new double[n];
    BinaryMetrics m = new BinaryMetrics();
    for (int i = 0; i < n; i++) {
      labels[i] = rnd.nextDouble() < 0.4 ? 1 : 0;
      preds[i] = 1 / (1 + Math.exp(-(rnd.nextGaussian() + labels[i])));
      m.add(labels[i], preds[i]);
    }
    // Average precision (step interpolation) with distinct predictions.
    Integer[] idx = new Integer[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, (a, b) -> Double.compare(preds[b], preds[a]));
    double pos = Arrays.stream(labels).sum();
    double tp = 0;
    double ap = 0;
    for (int k = 0; k < n; k++) {
      if (labels[idx[k]] == 1) {
        tp++;
        ap += tp / (k + 1) / pos;
      }
    }
    assertEquals(ap, m.aucPrecisionRecall(), 0.01);
  }

  @Test
  void logLossCalibrationAndThresholdMetricsByHand() {
    BinaryMetrics m = new BinaryMetrics(List.of(0.25, 0.8));
    m.add(1, 0.9).add(0, 0.2).add(1, 0.4).add(0, 0.6);
    double expectedLogLoss = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.4) + Math.log(0.4)) / 4;
    assertEquals(expectedLogLoss, m.logLoss(), 1e-12);
    // mean prediction 0.525 / mean label 0.5
    assertEquals(1.05, m.calibration(), 1e-12);
    assertEquals(0.5, m.accuracy(), 1e-12);
    assertEquals(0.5, m.precision(), 1e-12);
    assertEquals(0.5, m.recall(), 1e-12);
    assertEquals(new BinaryMetrics.ConfusionMatrix(0.25, 2, 1, 1, 0), m.confusionMatrix(0.25));
    assertEquals(new BinaryMetrics.ConfusionMatrix(0.8, 1, 0, 2, 1), m.confusionMatrix(0.8));
    assertEquals(2.0, m.result().get("tp@0.25"));
    assertEquals(4.0, m.result().get("example_count"));
    // Pairs (pos, neg): (0.9,0.2) (0.9,0.6) (0.4,0.2) win, (0.4,0.6) loses -> 3/4.
    assertEquals(0.75, m.auc(), 1e-12);
  }

  @Test
  void logLossClipsExtremePredictions() {
    BinaryMetrics m = new BinaryMetrics().add(1, 0.0).add(0, 1.0);
    // 1 - 1e-15 is not exact in double precision, hence the tolerance.
    assertEquals(-Math.log(1e-15), m.logLoss(), 1e-3);
  }

  @Test
  void weightsApply() {
    BinaryMetrics m = new BinaryMetrics().add(1, 0.9, 3).add(0, 0.9, 1);
    assertEquals(2, m.exampleCount());
    assertEquals(4.0, m.weightedExampleCount(), 0);
    assertEquals(0.75, m.precision(), 1e-12);
    assertEquals(0.9 / 0.75, m.calibration(), 1e-12);
  }

  @Test
  void mergeOfPartialsEqualsOnePass() {
    Random rnd = new Random(11);
    BinaryMetrics all = new BinaryMetrics(List.of(0.3));
    BinaryMetrics[] parts = {
      new BinaryMetrics(List.of(0.3)),
      new BinaryMetrics(List.of(0.3)),
      new BinaryMetrics(List.of(0.3))
    };
    MulticlassMetrics mcAll = new MulticlassMetrics(List.of(2));
    MulticlassMetrics[] mcParts = {
      new MulticlassMetrics(List.of(2)), new MulticlassMetrics(List.of(2))
    };
    RegressionMetrics rAll = new RegressionMetrics();
    RegressionMetrics[] rParts = {new RegressionMetrics(), new RegressionMetrics()};
    for (int i = 0; i < 3000; i++) {
      int y = rnd.nextInt(2);
      double p = rnd.nextDouble();
      double w = 1 + rnd.nextInt(3);
      all.add(y, p, w);
      parts[i % 3].add(y, p, w);
      double[] probs = {rnd.nextDouble(), rnd.nextDouble(), rnd.nextDouble()};
      int c = rnd.nextInt(3);
      mcAll.add(c, probs, w);
      mcParts[i % 2].add(c, probs, w);
      rAll.add(p * 10, y * 10, w);
      rParts[i % 2].add(p * 10, y * 10, w);
    }
    BinaryMetrics merged = parts[0].newEmpty().merge(parts[2]).merge(parts[0]).merge(parts[1]);
    assertMapsClose(all.result(), merged.result());
    assertMapsClose(mcAll.result(), mcParts[1].merge(mcParts[0]).result());
    assertMapsClose(rAll.result(), rParts[0].merge(rParts[1]).result());
    assertThrows(IllegalArgumentException.class, () -> all.merge(new BinaryMetrics()));
  }

  static void assertMapsClose(Map<String, Double> a, Map<String, Double> b) {
    assertEquals(a.keySet(), b.keySet());
    for (String k : a.keySet()) {
      assertEquals(a.get(k), b.get(k), 1e-9 * Math.max(1, Math.abs(a.get(k))), k);
    }
  }

  interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  static DataInputStream roundTrip(Writer w) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      w.write(out);
    }
    return new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()));
  }

  @Test
  void serializationRoundTrip() throws IOException {
    Random rnd = new Random(5);
    BinaryMetrics b = new BinaryMetrics(List.of(0.1, 0.7));
    MulticlassMetrics mc = new MulticlassMetrics(List.of(2, 3));
    RegressionMetrics r = new RegressionMetrics();
    for (int i = 0; i < 500; i++) {
      b.add(rnd.nextInt(2), rnd.nextDouble(), rnd.nextDouble());
      mc.add(rnd.nextInt(4), new double[] {0.1, 0.2, 0.3, 0.4});
      r.add(rnd.nextGaussian(), rnd.nextGaussian());
    }
    BinaryMetrics b2 = BinaryMetrics.read(roundTrip(b::write));
    assertEquals(b.result(), b2.result());
    assertEquals(b.thresholds(), b2.thresholds());
    // Still mergeable after the round trip.
    assertEquals(b.newEmpty().merge(b).merge(b).result(), b2.merge(b).result());
    assertEquals(mc.result(), MulticlassMetrics.read(roundTrip(mc::write)).result());
    assertEquals(r.result(), RegressionMetrics.read(roundTrip(r::write)).result());
    BinaryMetrics empty = BinaryMetrics.read(roundTrip(new BinaryMetrics()::write));
    assertEquals(0, empty.exampleCount());
    assertTrue(Double.isNaN(empty.auc()));
  }

  @Test
  void regressionMetricsExact() {
    RegressionMetrics r = new RegressionMetrics().add(1, 2).add(2, 2).add(3, 5).add(4, 3);
    // errors: 1, 0, 2, -1
    assertEquals(6.0 / 4, r.meanSquaredError(), 0);
    assertEquals(Math.sqrt(1.5), r.rootMeanSquaredError(), 0);
    assertEquals(1.0, r.meanAbsoluteError(), 0);
    assertEquals(2.5, r.meanLabel(), 0);
    assertEquals(3.0, r.meanPrediction(), 0);
    assertEquals(4.0, r.result().get("example_count"));
    RegressionMetrics w = new RegressionMetrics().add(0, 1, 3).add(0, -3, 1);
    assertEquals((3 * 1 + 9) / 4.0, w.meanSquaredError(), 0);
    assertEquals((3 + 3) / 4.0, w.meanAbsoluteError(), 0);
  }

  @Test
  void multiclassTopKAndLogLoss() {
    MulticlassMetrics m = new MulticlassMetrics(List.of(2, 3));
    m.add(0, new double[] {0.5, 0.3, 0.2}); // rank 0
    m.add(1, new double[] {0.5, 0.3, 0.2}); // rank 1
    m.add(2, new double[] {0.5, 0.3, 0.2}); // rank 2
    m.add(2, new double[] {0.4, 0.2, 0.4}); // tie with class 0: rank 1
    assertEquals(0.25, m.accuracy(), 1e-12);
    assertEquals(0.75, m.topKAccuracy(2), 1e-12);
    assertEquals(1.0, m.topKAccuracy(3), 1e-12);
    assertEquals(0.75, m.result().get("top_k_accuracy@2"), 1e-12);
    double ll = -(Math.log(0.5) + Math.log(0.3) + Math.log(0.2) + Math.log(0.4)) / 4;
    assertEquals(ll, m.logLoss(), 1e-12);
    assertThrows(IllegalArgumentException.class, () -> m.topKAccuracy(5));
  }
}
