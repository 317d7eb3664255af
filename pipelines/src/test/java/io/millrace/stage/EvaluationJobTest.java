package io.millrace.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.evaluate.Evaluation;
import io.millrace.evaluate.EvaluationConfig;
import io.millrace.evaluate.EvaluationConfig.Change;
import io.millrace.evaluate.EvaluationConfig.Threshold;
import io.millrace.evaluate.ModelValidation;
import io.millrace.evaluate.ModelValidation.Direction;
import io.millrace.model.ModelArtifact;
import io.millrace.model.TaxiModels;
import io.millrace.record.Example;
import io.millrace.testing.SharedData;
import io.millrace.testing.TestPipelineExtension;
import io.millrace.transforms.coders.ExampleCoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The evaluation job: metrics, validation against thresholds, the artifact and its report. */
@ExtendWith(TestPipelineExtension.class)
class EvaluationJobTest {
  @TempDir static Path dir;
  private static ModelArtifact good;
  private static ModelArtifact shuffled;

  /** 2,000 eval records, every 100th without tips. */
  private static List<Example> input;

  @BeforeAll
  static void train() throws IOException {
    good = TaxiModels.writeGood(dir.resolve("good"), "big-tipper");
    shuffled = TaxiModels.writeShuffled(dir.resolve("shuffled"), "big-tipper");
    input = TaxiModels.evalWithMissingLabels(2_000, 100);
  }

  private static PCollection<Example> eval(TestPipeline pipeline) {
    return pipeline.apply(Create.of(input).withCoder(ExampleCoder.of(input.get(0).schema())));
  }

  private static final Threshold AUC_AT_LEAST_0_7 = new Threshold("auc", null, 0.7, null, null);
  private static final Threshold AUC_NOT_WORSE =
      new Threshold("auc", null, null, null, new Change(-0.01, null, Direction.HIGHER_IS_BETTER));

  private static EvaluationConfig config(Threshold... thresholds) {
    return EvaluationConfig.defaults()
        .withSlices(List.of(List.of("payment_type")))
        .withMinSliceSize(10)
        .withThresholds(List.of(thresholds));
  }

  @Test
  void aModelThatLearnedNothingIsNotBlessedAndTheFailingThresholdIsNamed(TestPipeline pipeline)
      throws IOException {
    Path out = dir.resolve("eval-shuffled");
    Threshold creditCardAuc = new Threshold("auc", "payment_type=Credit Card", 0.6, null, null);
    Evaluation e =
        EvaluationJob.run(
            eval(pipeline),
            shuffled.directory(),
            null,
            config(AUC_AT_LEAST_0_7, creditCardAuc, AUC_NOT_WORSE),
            out);
    assertFalse(e.blessed());
    List<ModelValidation.Failure> failures = e.validation().failures();
    assertEquals(2, failures.size(), failures.toString());
    ModelValidation.Failure auc = failures.get(0);
    assertEquals("", auc.slice());
    assertEquals("auc", auc.metric());
    assertEquals(e.candidateMetrics().metric("", "auc"), auc.candidateValue());
    assertTrue(auc.candidateValue() < 0.7, auc.message());
    assertTrue(auc.message().contains("Overall auc"), auc.message());
    assertEquals("payment_type=Credit Card", failures.get(1).slice());
    assertTrue(failures.get(1).candidateValue() < 0.6, failures.get(1).message());
    assertEquals("auc", failures.get(1).metric());
    // No baseline: the change threshold is skipped, and says so.
    assertEquals(1, e.validation().skipped().size());
    assertEquals("no baseline model", e.validation().skipped().get(0).reason());

    Evaluation read = Evaluation.read(out);
    assertEquals(e.validation(), read.validation());
    assertEquals(1_980, read.candidateMetrics().exampleCount());
    assertEquals(20, read.candidateMetrics().unusableLabels());
    assertNull(read.baseline());
    assertEquals(shuffled.fingerprint(), read.candidate().fingerprint());
    String html = Files.readString(out.resolve(Evaluation.REPORT));
    assertTrue(html.indexOf("NOT BLESSED") < html.indexOf("<h2>Overall</h2>"));
    assertTrue(html.contains(auc.message().replace(">", "&gt;")), html);
    assertTrue(html.contains("payment_type=Cash"));
  }

  @Test
  void aGoodModelPassingAValueThresholdIsBlessedReadingTheEvalCsv(TestPipeline pipeline)
      throws IOException {
    Path out = dir.resolve("eval-good");
    Evaluation e =
        EvaluationJob.run(
            pipeline,
            SharedData.path("taxi/tutorial/eval.csv").toString(),
            good.directory(),
            null,
            config(AUC_AT_LEAST_0_7, AUC_NOT_WORSE).withBootstrap(10, 3),
            out);
    assertTrue(e.blessed(), e.validation().toString());
    assertEquals(5_000, e.candidateMetrics().exampleCount());
    assertEquals(0, e.candidateMetrics().unusableLabels());
    assertTrue(e.candidateMetrics().metric("", "auc") >= 0.7);
    assertEquals(1, e.validation().skipped().size());
    assertEquals(10, e.candidateMetrics().intervals().get("auc").samples());
    assertTrue(e.recordsPerSecond() > 0);
    String html = Files.readString(out.resolve(Evaluation.REPORT));
    assertTrue(html.contains("<h2>BLESSED</h2>"));
    assertTrue(html.contains("id=\"loss-curve\""), "the training loss curve is drawn");
    assertTrue(html.contains("95% interval"));
    assertTrue(Evaluation.read(out).blessed());
  }

  @Test
  void changeThresholdsCompareTheCandidateWithTheBaseline(TestPipeline pipeline)
      throws IOException {
    // Candidate = the shuffled model, baseline = the good one: the change fails; the reverse
    // comparison, computed from the same job's metrics, passes.
    Path out = dir.resolve("eval-change");
    Evaluation e =
        EvaluationJob.run(
            eval(pipeline), shuffled.directory(), good.directory(), config(AUC_NOT_WORSE), out);
    assertFalse(e.blessed());
    ModelValidation.Failure f = e.validation().failures().get(0);
    assertEquals("auc", f.metric());
    assertEquals(e.baselineMetrics().metric("", "auc"), f.baselineValue());
    assertTrue(f.message().contains("absolute change"), f.message());
    assertTrue(e.validation().skipped().isEmpty());
    ModelValidation.Result reverse =
        ModelValidation.validate(
            e.baselineMetrics().slices(),
            e.candidateMetrics().slices(),
            config(AUC_NOT_WORSE).validationThresholds());
    assertTrue(reverse.blessed(), reverse.toString());
    String html = Files.readString(out.resolve(Evaluation.REPORT));
    assertTrue(html.contains("<th>baseline</th>"));
  }

  @Test
  void configIsReadFromJson() throws IOException {
    EvaluationConfig c =
        EvaluationConfig.fromJson(
            """
            {"slices": [["payment_type"], ["trip_start_hour", "payment_type"]],
             "minSliceSize": 50,
             "bootstrap": {"samples": 20, "seed": 7},
             "thresholds": [
               {"metric": "auc", "lowerBound": 0.7,
                "change": {"absolute": -0.01, "direction": "HIGHER_IS_BETTER"}},
               {"metric": "log_loss", "slice": "payment_type=Cash", "upperBound": 0.6},
               {"metric": "accuracy", "slice": "*", "lowerBound": 0.5}]}
            """);
    assertEquals(
        List.of(List.of("payment_type"), List.of("trip_start_hour", "payment_type")), c.slices());
    assertEquals(50, c.minSliceSize());
    assertEquals(EvaluationConfig.DEFAULT_BATCH_SIZE, c.batchSize());
    ModelValidation.Thresholds t = c.validationThresholds();
    assertEquals(List.of("", "payment_type=Cash", "*"), List.copyOf(t.bySlice().keySet()));
    ModelValidation.MetricThreshold auc = t.bySlice().get("").get(0);
    assertEquals(0.7, auc.value().lowerBound());
    assertEquals(-0.01, auc.change().absolute());
    assertEquals(Direction.HIGHER_IS_BETTER, auc.change().direction());
    assertEquals(0.6, t.bySlice().get("payment_type=Cash").get(0).value().upperBound());
    assertEquals(c, EvaluationConfig.fromJson(c.toJson()));
  }
}
