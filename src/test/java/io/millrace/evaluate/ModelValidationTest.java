package io.millrace.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.evaluate.ModelValidation.Direction;
import io.millrace.evaluate.ModelValidation.Failure;
import io.millrace.evaluate.ModelValidation.Result;
import io.millrace.evaluate.ModelValidation.Thresholds;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelValidationTest {

  private static Map<String, Map<String, Double>> overall(double auc, double logLoss) {
    return Map.of("", Map.of("auc", auc, "log_loss", logLoss));
  }

  @Test
  void valueThresholdPassAndFail() {
    Thresholds t =
        Thresholds.builder().valueAtLeast("auc", 0.7).valueAtMost("log_loss", 0.5).build();
    Result ok = ModelValidation.validate(overall(0.7, 0.5), null, t);
    assertTrue(ok.blessed());
    assertTrue(ok.failures().isEmpty());

    Result bad = ModelValidation.validate(overall(0.69, 0.51), null, t);
    assertFalse(bad.blessed());
    assertEquals(2, bad.failures().size());
    Failure f = bad.failures().get(0);
    assertEquals("", f.slice());
    assertEquals("auc", f.metric());
    assertEquals(0.69, f.candidateValue());
    assertNull(f.baselineValue());
    assertEquals("value >= 0.7", f.threshold());
    assertTrue(f.message().contains("Overall auc = 0.69"), f.message());
    assertEquals("log_loss", bad.failures().get(1).metric());

    Thresholds range = Thresholds.builder().value("auc", 0.6, 0.95).build();
    assertFalse(ModelValidation.validate(overall(0.99, 0.1), null, range).blessed());
    assertTrue(ModelValidation.validate(overall(0.8, 0.1), null, range).blessed());
  }

  @Test
  void absoluteChangeHigherIsBetter() {
    Thresholds t =
        Thresholds.builder().change("auc", Direction.HIGHER_IS_BETTER, -0.01, null).build();
    Map<String, Map<String, Double>> base = overall(0.80, 0.4);
    assertTrue(ModelValidation.validate(overall(0.795, 0.4), base, t).blessed());
    Result r = ModelValidation.validate(overall(0.78, 0.4), base, t);
    assertFalse(r.blessed());
    Failure f = r.failures().get(0);
    assertEquals(0.78, f.candidateValue());
    assertEquals(0.80, f.baselineValue());
    assertTrue(f.message().contains("absolute change"), f.message());
    assertTrue(f.message().contains("baseline 0.8"), f.message());
  }

  @Test
  void relativeChangeHigherIsBetter() {
    Thresholds t =
        Thresholds.builder().change("auc", Direction.HIGHER_IS_BETTER, null, 0.05).build();
    Map<String, Map<String, Double>> base = overall(0.80, 0.4);
    assertTrue(ModelValidation.validate(overall(0.85, 0.4), base, t).blessed()); // +6.25%
    assertFalse(ModelValidation.validate(overall(0.83, 0.4), base, t).blessed()); // +3.75%
  }

  @Test
  void absoluteAndRelativeChangeLowerIsBetter() {
    Map<String, Map<String, Double>> base = overall(0.8, 0.40);
    Thresholds abs =
        Thresholds.builder().change("log_loss", Direction.LOWER_IS_BETTER, 0.0, null).build();
    assertTrue(ModelValidation.validate(overall(0.8, 0.39), base, abs).blessed());
    assertTrue(ModelValidation.validate(overall(0.8, 0.40), base, abs).blessed());
    assertFalse(ModelValidation.validate(overall(0.8, 0.41), base, abs).blessed());

    Thresholds rel =
        Thresholds.builder().change("log_loss", Direction.LOWER_IS_BETTER, null, -0.1).build();
    assertTrue(ModelValidation.validate(overall(0.8, 0.35), base, rel).blessed()); // -12.5%
    Result r = ModelValidation.validate(overall(0.8, 0.38), base, rel); // -5%
    assertFalse(r.blessed());
    assertTrue(
        r.failures().get(0).message().contains("relative change"), r.failures().get(0).message());
    assertTrue(r.failures().get(0).threshold().contains("LOWER_IS_BETTER"));
  }

  @Test
  void noBaselineSkipsChangeThresholds() {
    Thresholds t =
        Thresholds.builder()
            .valueAtLeast("auc", 0.7)
            .change("auc", Direction.HIGHER_IS_BETTER, 0.0, null)
            .forSlice("payment_type=Cash")
            .change("log_loss", Direction.LOWER_IS_BETTER, null, 0.0)
            .build();
    Map<String, Map<String, Double>> cand =
        Map.of("", Map.of("auc", 0.75), "payment_type=Cash", Map.of("log_loss", 0.3));
    Result r = ModelValidation.validate(cand, null, t);
    assertTrue(r.blessed());
    assertEquals(2, r.skipped().size());
    assertEquals("auc", r.skipped().get(0).metric());
    assertEquals("payment_type=Cash", r.skipped().get(1).slice());
    // A value threshold still fails without a baseline.
    assertFalse(ModelValidation.validate(Map.of("", Map.of("auc", 0.6)), null, t).blessed());
    // With a baseline the change thresholds are checked and not skipped.
    Result withBase = ModelValidation.validate(cand, cand, t);
    assertTrue(withBase.blessed());
    assertTrue(withBase.skipped().isEmpty());
  }

  @Test
  void perSliceFailureIsNamed() {
    Thresholds t =
        Thresholds.builder()
            .valueAtLeast("auc", 0.7)
            .forSlice("payment_type=Cash")
            .valueAtLeast("auc", 0.7)
            .forSlice("payment_type=Card")
            .valueAtLeast("auc", 0.7)
            .build();
    Map<String, Map<String, Double>> cand =
        Map.of(
            "", Map.of("auc", 0.8),
            "payment_type=Cash", Map.of("auc", 0.9),
            "payment_type=Card", Map.of("auc", 0.6));
    Result r = ModelValidation.validate(cand, null, t);
    assertFalse(r.blessed());
    assertEquals(1, r.failures().size());
    Failure f = r.failures().get(0);
    assertEquals("payment_type=Card", f.slice());
    assertTrue(f.message().contains("slice 'payment_type=Card'"), f.message());

    // A slice missing from the candidate is a failure.
    Result missing = ModelValidation.validate(Map.of("", Map.of("auc", 0.8)), null, t);
    assertEquals(2, missing.failures().size());
    assertTrue(missing.failures().get(0).message().contains("missing"));
  }

  @Test
  void allSlicesScopeAndMissingBaselineSlice() {
    Thresholds t =
        Thresholds.builder()
            .forAllSlices()
            .change("auc", Direction.HIGHER_IS_BETTER, -0.05, null)
            .build();
    Map<String, Map<String, Double>> cand =
        Map.of("", Map.of("auc", 0.8), "company=Acme", Map.of("auc", 0.6));
    Map<String, Map<String, Double>> base =
        Map.of("", Map.of("auc", 0.82), "company=Acme", Map.of("auc", 0.7));
    Result r = ModelValidation.validate(cand, base, t);
    assertFalse(r.blessed());
    assertEquals(1, r.failures().size());
    assertEquals("company=Acme", r.failures().get(0).slice());

    Result noBaseSlice = ModelValidation.validate(cand, Map.of("", Map.of("auc", 0.8)), t);
    assertEquals(1, noBaseSlice.failures().size());
    assertTrue(noBaseSlice.failures().get(0).message().contains("missing from baseline"));
  }
}
