package io.millrace.stage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.ingest.FormatOptions;
import io.millrace.model.ModelArtifact;
import io.millrace.testing.SharedData;
import io.millrace.train.ModelConfig;
import io.millrace.train.Task;
import io.millrace.train.Trainer;
import io.millrace.transform.TransformSpec;
import io.millrace.tune.ModelConfigJson;
import io.millrace.tune.SearchSpace;
import io.millrace.tune.TrainingInputs;
import io.millrace.tune.TrialMetrics;
import io.millrace.tune.TrialResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Penguins from raw CSV through ingestion and the transform to a tuned multiclass model, with the
 * trials trained as a Beam stage on the DirectRunner.
 */
class TrainJobTest {
  @TempDir static Path dir;
  static Path transformed;

  private static PipelineOptions options() {
    return TestPipeline.testingPipelineOptions();
  }

  @BeforeAll
  static void ingestAndTransform() throws IOException {
    PrintWriter log = new PrintWriter(new StringWriter());
    Path examples = dir.resolve("examples");
    IngestJob.run(
        IngestJob.Config.of(SharedData.path("penguins/penguins.csv").toString(), examples)
            .withFormatOptions(FormatOptions.defaults().withMissingValues(Set.of("NA"))),
        options(),
        log);
    transformed = dir.resolve("transformed");
    TransformJob.run(
        examples,
        "train",
        TransformSpec.read(Path.of("..", "examples", "penguins", "transform.json")),
        transformed.resolve("transform"),
        transformed.resolve("examples"),
        false,
        options(),
        log);
  }

  @Test
  void trialsTrainAsABeamStageAndTheBestBecomesTheCandidate() throws IOException {
    ModelConfig base = ModelConfigJson.read(Path.of("..", "examples", "penguins", "model.json"));
    SearchSpace grid =
        SearchSpace.fromJson(
            new ObjectMapper()
                .readTree(
                    "{\"parameters\": {\"hiddenUnits\": {\"values\": [[4], [16, 8]]},"
                        + " \"learningRate\": {\"values\": [0.0005, 0.01]}}}"));
    TrainingInputs inputs = TrainingInputs.ofTransformOutput(transformed, "species");
    Path out = dir.resolve("model");
    StringWriter progress = new StringWriter();
    TrainJob.Result result =
        TrainJob.run(
            inputs, base, grid, "penguins", out, false, options(), new PrintWriter(progress));

    assertEquals(Task.MULTICLASS, inputs.load().layout().task());
    assertEquals(4, result.trials().size());
    assertEquals("accuracy", result.objective().metric());
    double bestAccuracy =
        result.trials().stream().mapToDouble(TrialResult::objectiveValue).max().orElseThrow();
    assertEquals(bestAccuracy, result.best().objectiveValue());
    assertTrue(bestAccuracy >= 0.95, "penguins eval accuracy " + bestAccuracy);
    System.out.printf("penguins: best trial %s accuracy %.4f%n", result.best().id(), bestAccuracy);

    // The trial ran inside a DoFn; training it again without a runner gives the same metrics.
    TrainingInputs.Loaded data = inputs.load();
    Map<String, Double> again =
        TrialMetrics.of(
            new Trainer(result.best().config()).train(data.train(), data.eval()), data.eval());
    assertEquals(result.best().metrics(), again);

    // Every trial's model, the candidate's copy and the summary are in the committed artifact.
    assertTrue(Files.exists(out.resolve("model").resolve("model.json")));
    assertTrue(Files.exists(out.resolve("model").resolve("saved_model").resolve("saved_model.pb")));
    for (TrialResult trial : result.trials()) {
      assertTrue(Files.isDirectory(Path.of(trial.modelDirectory())), trial.modelDirectory());
      assertTrue(Path.of(trial.modelDirectory()).startsWith(out));
    }
    JsonNode training =
        new ObjectMapper().readTree(out.resolve("model/model.json").toFile()).path("training");
    assertEquals(result.best().steps(), training.path("more").path("stepLosses").size());
    assertEquals(
        training.path("lossCurve").size(), training.path("more").path("evalLossCurve").size());
    JsonNode summary = new ObjectMapper().readTree(out.resolve(TrainJob.TRIALS_JSON).toFile());
    assertEquals(result.best().id(), summary.get("best").asText());
    assertEquals(4, summary.get("trials").size());
    List<String> leftovers;
    try (var files = Files.list(out)) {
      leftovers = files.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertEquals(List.of("model", "trials", "trials.json"), leftovers);
    assertFalse(progress.toString().isEmpty());
  }

  @Test
  void trainingTwiceGivesTheSameModelByteForByte() throws IOException {
    ModelConfig config = ModelConfig.builder().wideAndDeep(8).epochs(3).build();
    TrainingInputs inputs = TrainingInputs.ofTransformOutput(transformed, "species");
    PrintWriter quiet = new PrintWriter(new StringWriter());
    TrainJob.Result first =
        TrainJob.run(
            inputs, config, SearchSpace.single(), "p", dir.resolve("a"), false, options(), quiet);
    TrainJob.Result second =
        TrainJob.run(
            inputs, config, SearchSpace.single(), "p", dir.resolve("b"), false, options(), quiet);
    assertEquals(
        ModelArtifact.read(first.model()).fingerprint(),
        ModelArtifact.read(second.model()).fingerprint());
    for (String file : List.of("saved_model.pb", "variables/variables.index")) {
      assertArrayEquals(
          Files.readAllBytes(first.model().resolve("saved_model").resolve(file)),
          Files.readAllBytes(second.model().resolve("saved_model").resolve(file)),
          file);
    }
  }
}
