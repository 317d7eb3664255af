package io.millrace.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.millrace.testing.MergeLaws;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Each task's metrics as a mergeable accumulation: parts merged give the one-pass metrics. */
class EvaluationAccumulationTest {
  private static final EvaluationConfig CONFIG =
      EvaluationConfig.defaults()
          .withSlices(List.of(List.of("payment_type")))
          .withMinSliceSize(50)
          .withBootstrap(10, 42);

  /** Scored records of a fixed random stream; every 37th has a label the model cannot use. */
  private static List<ScoredExample> scored(ModelEvaluation.Kind kind, int n) {
    Random r = new Random(5);
    List<ScoredExample> records = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (i % 37 == 0) {
        records.add(ScoredExample.unusableLabel());
        continue;
      }
      List<String> slice = List.of("payment_type=" + (r.nextInt(5) == 0 ? "Cash" : "Card"));
      int[] weights = Bootstrap.poissonWeights(42, i, 10);
      records.add(
          switch (kind) {
            case BINARY -> {
              int label = r.nextInt(2);
              double p = Math.min(1, Math.max(0, 0.3 + 0.4 * label + 0.3 * r.nextGaussian()));
              yield new ScoredExample(slice, label, new double[] {p}, weights);
            }
            case MULTICLASS -> {
              int label = r.nextInt(3);
              double[] p = {r.nextDouble(), r.nextDouble(), r.nextDouble()};
              p[label] += 1;
              double sum = p[0] + p[1] + p[2];
              yield new ScoredExample(
                  slice, label, new double[] {p[0] / sum, p[1] / sum, p[2] / sum}, weights);
            }
            case REGRESSION -> {
              double y = 10 * r.nextDouble();
              yield new ScoredExample(slice, y, new double[] {y + r.nextGaussian()}, weights);
            }
          });
    }
    return records;
  }

  @Test
  void everyTasksRecordsCutInRandomPartsAndMergedGiveTheOnePassMetrics() {
    for (ModelEvaluation.Kind kind : ModelEvaluation.Kind.values()) {
      EvaluationAccumulation accumulation = EvaluationAccumulation.of("candidate", kind, CONFIG);
      MergeLaws.assertPartsMergeToOnePass(
          accumulation, scored(kind, 2_000), 3, EvaluationAccumulationTest::assertSameMetrics);
    }
  }

  @Test
  void everyTasksRecordsInAnyOrderCutAndMergedAnyWayGiveByteIdenticalMetrics() {
    for (ModelEvaluation.Kind kind : ModelEvaluation.Kind.values()) {
      EvaluationAccumulation accumulation = EvaluationAccumulation.of("candidate", kind, CONFIG);
      MergeLaws.assertAnyCutAndMergeOrderGivesIdenticalBytes(
          accumulation,
          scored(kind, 2_000),
          5,
          6,
          metrics -> metrics.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
  }

  @Test
  void unusableLabelsAreCountedAndSmallSlicesDropped() {
    EvaluationAccumulation accumulation =
        EvaluationAccumulation.of("candidate", ModelEvaluation.Kind.BINARY, CONFIG);
    ModelEvaluation state = accumulation.create();
    for (ScoredExample s : scored(ModelEvaluation.Kind.BINARY, 100)) {
      accumulation.add(state, s);
    }
    ModelMetrics metrics = accumulation.extract(state);
    assertEquals(3, metrics.unusableLabels());
    assertEquals(97, metrics.exampleCount());
    assertEquals(List.of("payment_type=Cash"), metrics.droppedSlices());
  }

  @Test
  void aStateOfAnotherModelIsNotReadAsThisOne() {
    EvaluationAccumulation candidate =
        EvaluationAccumulation.of("candidate", ModelEvaluation.Kind.BINARY, CONFIG);
    EvaluationAccumulation baseline =
        EvaluationAccumulation.of("baseline", ModelEvaluation.Kind.BINARY, CONFIG);
    byte[] bytes = MergeLaws.bytes(candidate, candidate.create());
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                baseline.read(
                    new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes))));
    assertEquals(true, e.getMessage().contains("candidate"), e.getMessage());
  }

  private static void assertSameMetrics(ModelMetrics expected, ModelMetrics actual) {
    assertEquals(expected.model(), actual.model());
    assertEquals(expected.kind(), actual.kind());
    assertEquals(expected.unusableLabels(), actual.unusableLabels());
    assertEquals(expected.droppedSlices(), actual.droppedSlices());
    assertEquals(expected.slices().keySet(), actual.slices().keySet());
    for (Map.Entry<String, Map<String, Double>> slice : expected.slices().entrySet()) {
      Map<String, Double> a = actual.slices().get(slice.getKey());
      assertEquals(slice.getValue().keySet(), a.keySet());
      slice
          .getValue()
          .forEach(
              (metric, value) ->
                  assertEquals(
                      value,
                      a.get(metric),
                      1e-12 * Math.max(1, Math.abs(value)),
                      slice.getKey() + " " + metric));
    }
    assertEquals(expected.intervals().keySet(), actual.intervals().keySet());
    expected
        .intervals()
        .forEach(
            (metric, interval) -> {
              Bootstrap.Interval a = actual.intervals().get(metric);
              assertEquals(interval.mean(), a.mean(), 1e-12 * Math.max(1, Math.abs(a.mean())));
              assertEquals(interval.lower(), a.lower(), 1e-12 * Math.max(1, Math.abs(a.lower())));
              assertEquals(interval.samples(), a.samples());
            });
  }
}
