package io.millrace.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.metadata.Artifact;
import io.millrace.metadata.Context;
import io.millrace.metadata.Execution;
import io.millrace.metadata.MetadataStore;
import io.millrace.metadata.Run;
import io.millrace.metadata.RunDetail;
import io.millrace.testing.SharedData;
import io.millrace.train.Task;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The penguins pipeline (344 rows) end to end on the DirectRunner with a real SQLite store: the
 * cache reuses exactly what did not change.
 */
class PipelineRunnerTest {
  private static final List<String> DATA_STAGES =
      List.of(
          PipelineRunner.INGEST,
          PipelineRunner.STATISTICS,
          PipelineRunner.SCHEMA,
          PipelineRunner.VALIDATION);

  @TempDir Path dir;

  private PipelineDefinition penguins(Path data) throws IOException {
    return penguins(dir.resolve("root"), data.toString());
  }

  /** The penguins pipeline (a small DNN, 4 epochs) with its root and input where given. */
  static PipelineDefinition penguins(Path root, String input) throws IOException {
    Path transform = Path.of("..", "examples", "penguins", "transform.json").toAbsolutePath();
    return PipelineDefinition.of(
            "penguins", root, PipelineDefinition.Input.of(input).withMissingValues(List.of("NA")))
        .withTransform(PipelineDefinition.Transform.of(transform))
        .withModel(
            PipelineDefinition.Model.of("species")
                .withTask(Task.MULTICLASS)
                .withConfig(
                    new ObjectMapper()
                        .readTree(
                            "{\"kind\": \"DNN\", \"hiddenUnits\": [8], \"learningRate\": 0.02,"
                                + " \"batchSize\": 32, \"epochs\": 4}")));
  }

  private Path copyOfData() throws IOException {
    Path data = dir.resolve("data").resolve("penguins.csv");
    Files.createDirectories(data.getParent());
    Files.copy(SharedData.path("penguins/penguins.csv"), data);
    return data;
  }

  private static RunResult run(PipelineRunner runner) throws IOException {
    return runner
        .withPipelineOptions(job -> TestPipeline.testingPipelineOptions())
        .run(new PrintWriter(new StringWriter()));
  }

  private static List<String> allStages(RunResult result) {
    return result.stages().stream().map(RunResult.StageResult::stage).toList();
  }

  @Test
  void aSecondRunExecutesNothingAndReachesTheSameDecision() throws IOException {
    PipelineDefinition definition = penguins(copyOfData());
    RunResult first = run(PipelineRunner.of(definition));
    assertEquals(allStages(first), first.executed());
    assertTrue(first.executed().containsAll(DATA_STAGES), first.executed().toString());
    assertEquals(PipelineRunner.STAGES, first.executed());
    assertEquals(RunResult.Status.PUSHED, first.status(), first.message());
    assertEquals(Optional.of("1"), first.pushed());
    assertTrue(Files.isDirectory(definition.registryPath().resolve("penguins/1/saved_model")));
    for (RunResult.StageResult stage : first.stages()) {
      if (stage.stage().equals(PipelineRunner.PUSH)) {
        assertTrue(
            stage.outputs().get("pushed").startsWith(definition.registryPath()),
            stage.outputs().toString());
        continue;
      }
      for (Path output : stage.outputs().values()) {
        assertTrue(Files.exists(output), output.toString());
        assertTrue(
            output.startsWith(
                definition
                    .root()
                    .resolve("artifacts")
                    .resolve(stage.stage())
                    .resolve(stage.cacheKey().substring(0, 16))),
            output.toString());
      }
    }
    assertTrue(Files.isRegularFile(first.report()));
    String report = Files.readString(first.report());
    assertTrue(report.contains("statistics report"), report);
    assertTrue(report.contains("trials"), report);

    StringWriter progress = new StringWriter();
    RunResult second =
        PipelineRunner.of(definition)
            .withPipelineOptions(job -> TestPipeline.testingPipelineOptions())
            .run(new PrintWriter(progress));
    assertEquals(List.of(), second.executed());
    assertEquals(allStages(first), allStages(second));
    assertEquals(first.status(), second.status());
    assertEquals(first.pushed(), second.pushed());
    assertTrue(progress.toString().contains("cached"), progress.toString());
    for (String stage : allStages(first)) {
      assertEquals(first.stage(stage).outputs(), second.stage(stage).outputs(), stage);
    }

    try (MetadataStore store = MetadataStore.openSqlite(definition.metadataFile())) {
      RunDetail detail = store.run(second.runName()).orElseThrow();
      assertEquals(Run.Status.SUCCEEDED, detail.summary().status());
      assertTrue(
          detail.stages().stream().allMatch(s -> s.execution().state() == Execution.State.CACHED));
      assertEquals(
          first.stage(PipelineRunner.INGEST).properties().get("records"),
          detail.metrics().get("ingest.records"));
    }

    // Everything runs again, evaluated against version 1 unless it retrained the very same model.
    RunResult noCache = run(PipelineRunner.of(definition).withNoCache(true));
    assertEquals(allStages(first), noCache.executed());
    assertTrue(
        Set.of(RunResult.Status.PUSHED, RunResult.Status.ALREADY_PUSHED).contains(noCache.status()),
        noCache.message());
    RunResult onlyTrain =
        run(PipelineRunner.of(definition).withNoCacheStages(Set.of(PipelineRunner.TRAIN)));
    assertEquals(List.of(PipelineRunner.TRAIN), onlyTrain.executed());
  }

  @Test
  void changingTheDataOrTheTransformReRunsExactlyTheStagesThatDependOnIt() throws IOException {
    Path data = copyOfData();
    PipelineDefinition definition = penguins(data);
    RunResult first = run(PipelineRunner.of(definition));

    // One cell of one row changed: every stage reads the data, directly or not.
    List<String> lines = Files.readAllLines(data);
    lines.set(1, lines.get(1).replace("39.1", "39.2"));
    assertTrue(lines.get(1).contains("39.2"), lines.get(1));
    Files.write(data, lines);
    RunResult changedData = run(PipelineRunner.of(definition));
    assertEquals(allStages(first), changedData.executed());

    // A new transform definition: the data stages are reused, the rest runs again.
    Path transform = dir.resolve("transform.json");
    Files.writeString(
        transform,
        Files.readString(definition.transform().file())
            .replace("\"num_oov_buckets\": 1}", "\"num_oov_buckets\": 2}"));
    RunResult changedTransform =
        run(
            PipelineRunner.of(
                definition.withTransform(PipelineDefinition.Transform.of(transform))));
    List<String> expected =
        allStages(first).stream().filter(s -> !DATA_STAGES.contains(s)).toList();
    assertEquals(expected, changedTransform.executed());
    for (String stage : DATA_STAGES) {
      assertEquals(RunResult.Outcome.CACHED, changedTransform.stage(stage).outcome(), stage);
    }
  }

  @Test
  void anInterruptedTrainStageIsNotTrustedAndTheNextRunCompletesIt() throws IOException {
    PipelineDefinition definition = penguins(copyOfData());
    RunResult first = run(PipelineRunner.of(definition));
    RunResult.StageResult train = first.stage(PipelineRunner.TRAIN);
    Path trainDir = train.outputs().get("model").getParent();

    // A later attempt at the same stage crashed: its execution is still RUNNING, its output was
    // being staged, and the complete output of the first run is gone.
    ArtifactDirectory.deleteRecursively(trainDir);
    Path staging = trainDir.resolveSibling("." + trainDir.getFileName() + ".staging-crashed");
    Files.createDirectories(staging.resolve("model"));
    Files.writeString(staging.resolve("trials.json"), "{\"half\": ");
    long stale;
    try (MetadataStore store = MetadataStore.openSqlite(definition.metadataFile())) {
      Context pipeline = store.pipeline(definition.name());
      Run crashed = store.startRun(pipeline, Map.of());
      Execution running =
          store.startExecution(
              crashed, PipelineRunner.TRAIN, train.cacheKey(), "{}", "test", List.of());
      store.recordOutput(
          running, "model", Artifact.MODEL, trainDir.resolve("model").toString(), "x", Map.of());
      stale = running.id();
    }

    RunResult next = run(PipelineRunner.of(definition));
    assertEquals(RunResult.Outcome.RAN, next.stage(PipelineRunner.TRAIN).outcome());
    assertEquals(RunResult.Outcome.CACHED, next.stage(PipelineRunner.TRANSFORM).outcome());
    assertTrue(Files.isDirectory(trainDir.resolve("model")));
    assertFalse(Files.exists(staging));
    try (Stream<Path> left = Files.list(trainDir.getParent())) {
      assertTrue(left.noneMatch(p -> p.getFileName().toString().contains(".staging-")));
    }
    try (MetadataStore store = MetadataStore.openSqlite(definition.metadataFile())) {
      assertEquals(Execution.State.FAILED, store.execution(stale).state());
    }
    assertEquals(List.of(), run(PipelineRunner.of(definition)).executed());
  }

  @Test
  void aNewSpanRunsTheDataStagesAndIsCheckedForDriftAgainstThePreviousSpan() throws IOException {
    Path taxi = Path.of("..", "examples", "taxi", "data").toAbsolutePath().normalize();
    Path data = dir.resolve("spans");
    Files.createDirectories(data.resolve("span-1"));
    Files.copy(taxi.resolve("span-1/trips.csv"), data.resolve("span-1/trips.csv"));
    PipelineDefinition dataOnly =
        PipelineDefinition.of(
                "taxi-data",
                dir.resolve("root"),
                PipelineDefinition.Input.of(data.resolve("span-{SPAN}/*.csv").toString()))
            // No domain for the 20-odd companies: a rare one seen only in eval would block.
            .withSchema(PipelineDefinition.SchemaSource.inferred().withMaxDomainSize(10));
    RunResult first = run(PipelineRunner.of(dataOnly));
    assertEquals(RunResult.Status.COMPLETED, first.status(), first.message());
    assertEquals(DATA_STAGES, first.executed());
    assertEquals("", first.stage(PipelineRunner.VALIDATION).properties().get("drift_against"));

    Files.createDirectories(data.resolve("span-2"));
    Files.copy(taxi.resolve("span-2/trips.csv"), data.resolve("span-2/trips.csv"));
    RunResult second = run(PipelineRunner.of(dataOnly));
    assertEquals(DATA_STAGES, second.executed());
    assertEquals(
        first.stage(PipelineRunner.STATISTICS).outputs().get("statistics").toString(),
        second.stage(PipelineRunner.VALIDATION).properties().get("drift_against"));
    try (MetadataStore store = MetadataStore.openSqlite(dataOnly.metadataFile())) {
      RunDetail detail = store.run(second.runName()).orElseThrow();
      RunDetail.StageExecution validation =
          detail.stages().stream()
              .filter(s -> s.execution().stage().equals(PipelineRunner.VALIDATION))
              .findFirst()
              .orElseThrow();
      assertEquals("1", validation.inputs().get("previous_span").property("span"));
    }
    assertEquals(List.of(), run(PipelineRunner.of(dataOnly)).executed());

    // A drift comparator on payment_type, tight enough for any change between spans to exceed.
    PipelineDefinition watched =
        dataOnly.withSchema(
            dataOnly.schema().withDrift(Map.of("payment_type", 1e-6, "trip_miles", 1.0)));
    RunResult drifted = run(PipelineRunner.of(watched));
    assertEquals(List.of(PipelineRunner.SCHEMA, PipelineRunner.VALIDATION), drifted.executed());
    assertEquals(RunResult.Status.BLOCKED, drifted.status(), drifted.message());
    assertTrue(drifted.message().contains("payment_type"), drifted.message());
    assertFalse(drifted.message().contains("trip_miles"), drifted.message());
  }

  @Test
  void unknownStageNamesAreRefused() throws IOException {
    PipelineRunner runner = PipelineRunner.of(penguins(Path.of("x.csv")));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> runner.withNoCacheStages(Set.of("trian")));
    assertTrue(e.getMessage().contains("trian"), e.getMessage());
  }

  @Test
  void retrainingOnDriftKeepsTheModelUntilANewSpanDrifts() throws IOException {
    Path taxi = Path.of("..", "examples", "taxi").toAbsolutePath().normalize();
    Path data = dir.resolve("spans");
    Files.createDirectories(data.resolve("span-1"));
    Files.copy(taxi.resolve("data/span-1/trips.csv"), data.resolve("span-1/trips.csv"));
    PipelineDefinition definition =
        PipelineDefinition.of(
                "taxi",
                dir.resolve("root"),
                PipelineDefinition.Input.of(data.resolve("span-{SPAN}/*.csv").toString()))
            .withSchema(
                PipelineDefinition.SchemaSource.inferred()
                    .withMaxDomainSize(10)
                    .withDrift(Map.of("payment_type", 1e-6)))
            .withTransform(PipelineDefinition.Transform.of(taxi.resolve("transform.json")))
            .withModel(
                PipelineDefinition.Model.of("big_tipper")
                    .withConfig(new ObjectMapper().readTree("{\"epochs\": 2}"))
                    .withRetrain("on-drift"));
    RunResult first = run(PipelineRunner.of(definition));
    assertEquals(RunResult.Status.PUSHED, first.status(), first.message());

    // span-2 is span-1's trips in reverse order: other files, the same distribution, no drift,
    // so the pushed model stays and nothing trains.
    Files.createDirectories(data.resolve("span-2"));
    List<String> lines = Files.readAllLines(taxi.resolve("data/span-1/trips.csv"));
    List<String> reversed = new java.util.ArrayList<>(lines.subList(1, lines.size()));
    java.util.Collections.reverse(reversed);
    reversed.add(0, lines.get(0));
    Files.write(data.resolve("span-2/trips.csv"), reversed);
    RunResult same = run(PipelineRunner.of(definition));
    assertEquals(RunResult.Status.UP_TO_DATE, same.status(), same.message());
    assertEquals("", same.stage(PipelineRunner.VALIDATION).properties().get("drifted"));
    assertFalse(same.executed().contains(PipelineRunner.TRAIN));

    // span-3 is the other span: payment_type differs (past a threshold of 1e-6): retrain, not
    // block.
    Files.createDirectories(data.resolve("span-3"));
    Files.copy(taxi.resolve("data/span-2/trips.csv"), data.resolve("span-3/trips.csv"));
    RunResult drifted = run(PipelineRunner.of(definition));
    assertEquals(
        "payment_type",
        drifted.stage(PipelineRunner.VALIDATION).properties().get("drifted"),
        drifted.status() + ": " + drifted.message());
    assertTrue(drifted.executed().contains(PipelineRunner.TRAIN), drifted.executed().toString());
    assertTrue(
        drifted.status() == RunResult.Status.PUSHED
            || drifted.status() == RunResult.Status.NOT_BLESSED,
        drifted.status() + ": " + drifted.message());
  }
}
