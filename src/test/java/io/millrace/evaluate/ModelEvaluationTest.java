package io.millrace.evaluate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.millrace.testing.MergeLaws;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The partial evaluations the Beam evaluator merges, moved between workers as bytes. */
class ModelEvaluationTest {
  /** Writes and reads partial evaluations of the candidate, as the Beam coder does. */
  private static final EvaluationAccumulation CANDIDATE =
      EvaluationAccumulation.of(
          "candidate", ModelEvaluation.Kind.BINARY, EvaluationConfig.defaults());

  private static ModelEvaluation clone(ModelEvaluation e) {
    return MergeLaws.roundTrip(CANDIDATE, e);
  }

  private static byte[] bytes(ModelEvaluation e) {
    return MergeLaws.bytes(CANDIDATE, e);
  }

  /** Adds examples {@code from..to} of a fixed random stream, with content-keyed weights. */
  private static ModelEvaluation add(ModelEvaluation e, int from, int to) {
    Random r = new Random(11);
    for (int i = 0; i < to; i++) {
      int label = r.nextInt(2);
      double p = Math.min(1, Math.max(0, 0.3 + 0.4 * label + 0.3 * r.nextGaussian()));
      String slice = "payment_type=" + (r.nextInt(3) == 0 ? "Cash" : "Credit Card");
      if (i >= from) {
        e.addBinary(List.of(slice), label, p, Bootstrap.poissonWeights(5, i, 20));
      }
    }
    return e;
  }

  @Test
  void partialsMergedInAnyBundlingGiveTheOnePassResult() {
    ModelMetrics onePass =
        add(ModelEvaluation.binary("candidate", List.of(), 20), 0, 3000).result(0);
    ModelEvaluation a = add(ModelEvaluation.binary("candidate", List.of(), 20), 0, 1000);
    ModelEvaluation b = add(ModelEvaluation.binary("candidate", List.of(), 20), 1000, 1700);
    ModelEvaluation c = add(ModelEvaluation.binary("candidate", List.of(), 20), 1700, 3000);
    ModelEvaluation merged = clone(c).merge(clone(a)).merge(b);
    ModelMetrics m = merged.result(0);
    assertEquals(onePass.slices().keySet(), m.slices().keySet());
    assertEquals(onePass.exampleCount(), m.exampleCount());
    assertEquals(onePass.metric("", "auc"), m.metric("", "auc"), 1e-12);
    assertEquals(onePass.intervals().get("auc").lower(), m.intervals().get("auc").lower(), 1e-12);
    assertEquals(3000, m.exampleCount());
  }

  @Test
  void anEmptyPartialHasAnOverallSliceAndReadingItChangesNothing() {
    ModelEvaluation empty = ModelEvaluation.binary("candidate", List.of(0.3), 5);
    empty.addUnusableLabels(2);
    byte[] before = bytes(empty);
    ModelEvaluation copy = empty.newEmpty().merge(empty);
    assertArrayEquals(before, bytes(empty));
    assertArrayEquals(before, bytes(clone(empty)));
    ModelMetrics m = copy.result(10);
    assertEquals(0, m.exampleCount());
    assertEquals(2, m.unusableLabels());
    assertEquals(List.of(""), List.copyOf(m.slices().keySet()));
  }

  @Test
  void partialsOfDifferentConfigurationsDoNotMerge() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            ModelEvaluation.binary("candidate", List.of(), 0)
                .merge(ModelEvaluation.binary("candidate", List.of(), 20)));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            ModelEvaluation.binary("candidate", List.of(), 0)
                .merge(ModelEvaluation.regression("candidate", 0)));
  }
}
