package io.millrace.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.millrace.evaluate.Bootstrap;
import io.millrace.evaluate.ModelEvaluation;
import io.millrace.evaluate.ModelMetrics;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;

/** The partial evaluations the Beam evaluator merges, runner-free. */
class ModelEvaluationTest {
  private static final EvaluateModels.ModelEvaluationCoder CODER =
      EvaluateModels.ModelEvaluationCoder.INSTANCE;

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
  void partialsMergedInAnyBundlingGiveTheOnePassResult() throws Exception {
    ModelMetrics onePass =
        add(ModelEvaluation.binary("candidate", List.of(), 20), 0, 3000).result(0);
    ModelEvaluation a = add(ModelEvaluation.binary("candidate", List.of(), 20), 0, 1000);
    ModelEvaluation b = add(ModelEvaluation.binary("candidate", List.of(), 20), 1000, 1700);
    ModelEvaluation c = add(ModelEvaluation.binary("candidate", List.of(), 20), 1700, 3000);
    ModelEvaluation merged = CoderUtils.clone(CODER, c).merge(CoderUtils.clone(CODER, a)).merge(b);
    ModelMetrics m = merged.result(0);
    assertEquals(onePass.slices().keySet(), m.slices().keySet());
    assertEquals(onePass.exampleCount(), m.exampleCount());
    assertEquals(onePass.metric("", "auc"), m.metric("", "auc"), 1e-12);
    assertEquals(onePass.intervals().get("auc").lower(), m.intervals().get("auc").lower(), 1e-12);
    assertEquals(3000, m.exampleCount());
  }

  @Test
  void anEmptyPartialHasAnOverallSliceAndReadingItChangesNothing() throws Exception {
    ModelEvaluation empty = ModelEvaluation.binary("candidate", List.of(0.3), 5);
    empty.addUnusableLabels(2);
    byte[] before = CoderUtils.encodeToByteArray(CODER, empty);
    ModelEvaluation copy = empty.newEmpty().merge(empty);
    assertArrayEquals(before, CoderUtils.encodeToByteArray(CODER, empty));
    assertArrayEquals(before, CoderUtils.encodeToByteArray(CODER, CoderUtils.clone(CODER, empty)));
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

  @Test
  void sliceKeysCoverEveryValueAndCross() {
    var schema =
        io.millrace.record.ExampleSchema.of(
            io.millrace.record.FeatureSpec.of("a", io.millrace.record.FeatureType.BYTES),
            io.millrace.record.FeatureSpec.of("h", io.millrace.record.FeatureType.INT));
    var record = schema.newExample().setString(0, "x").setInt64s(1, 3, 4).build();
    assertEquals(
        List.of("a=x", "h=3", "h=4", "a=x,h=3", "a=x,h=4"),
        EvaluateModels.sliceKeys(record, List.of(List.of("a"), List.of("h"), List.of("a", "h"))));
    var missing = schema.newExample().setString(0, "x").build();
    assertEquals(
        List.of("a=x"),
        EvaluateModels.sliceKeys(missing, List.of(List.of("a"), List.of("h"), List.of("a", "h"))));
  }
}
