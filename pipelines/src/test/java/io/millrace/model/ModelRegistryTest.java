package io.millrace.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.evaluate.Evaluation;
import io.millrace.evaluate.EvaluationConfig;
import io.millrace.evaluate.ModelMetrics;
import io.millrace.evaluate.ModelValidation;
import io.millrace.metadata.MetadataStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pusher: numbered versions never overwritten, blessing required, LATEST moved last. */
class ModelRegistryTest {
  @TempDir static Path shared;
  private static ModelArtifact model;
  private static Path blessed;
  private static Path notBlessed;
  private static MetadataStore store;

  @BeforeAll
  static void train() throws IOException {
    model = TaxiModels.writeGood(shared.resolve("model"), "big-tipper");
    store = MetadataStore.openSqlite(shared.resolve("metadata.sqlite"));
    blessed = writeEvaluation(shared.resolve("blessed"), model, true);
    EvaluationRecords.record(store, blessed, "test");
    notBlessed = writeEvaluation(shared.resolve("not-blessed"), model, false);
    EvaluationRecords.record(store, notBlessed, "test");
  }

  @AfterAll
  static void closeStore() {
    store.close();
  }

  /**
   * An evaluation artifact of {@code model} as EvaluationJob writes it (its JSON part), against the
   * threshold auc >= 0.7.
   */
  static Path writeEvaluation(Path dir, ModelArtifact model, boolean blessed) throws IOException {
    Map<String, Double> overall = Map.of("example_count", 5000.0, "auc", blessed ? 0.9 : 0.5);
    ModelValidation.Result validation =
        blessed
            ? new ModelValidation.Result(true, List.of(), List.of())
            : new ModelValidation.Result(
                false,
                List.of(
                    new ModelValidation.Failure(
                        "",
                        "auc",
                        0.5,
                        null,
                        "value >= 0.7",
                        "Overall auc = 0.5 fails value >= 0.7")),
                List.of());
    Evaluation e =
        new Evaluation(
            Evaluation.LAYOUT,
            Instant.now().toString(),
            new Evaluation.ModelRef(
                model.directory().toString(),
                model.info().name(),
                model.task().name(),
                model.fingerprint(),
                model.info().lineage().transformFingerprint(),
                Map.of(),
                List.of(),
                List.of()),
            null,
            EvaluationConfig.defaults()
                .withThresholds(
                    List.of(new EvaluationConfig.Threshold("auc", null, 0.7, null, null))),
            Map.of(
                "candidate",
                new ModelMetrics(
                    "candidate", "BINARY", 0, Map.of("", overall), Map.of(), List.of())),
            validation,
            1000);
    Files.createDirectories(dir);
    Files.write(dir.resolve(Evaluation.FILE), e.toJson());
    return dir;
  }

  @Test
  void versionsIncreaseAndEachIsACompleteLoadableModel(@TempDir Path root) throws IOException {
    ModelRegistry registry = new ModelRegistry(root);
    assertEquals(Optional.empty(), registry.latest("taxi"));
    assertEquals(List.of(), registry.versions("taxi"));
    assertEquals(1, registry.push(model.directory(), blessed, "taxi", store));
    Path first = registry.version("taxi", 1);
    FileTime firstWritten = Files.getLastModifiedTime(first.resolve(ModelRegistry.LINEAGE));
    assertEquals(2, registry.push(model.directory(), blessed, "taxi", store));
    assertEquals(3, registry.push(model.directory(), blessed, "taxi", store));
    assertEquals(List.of(1, 2, 3), registry.versions("taxi"));
    assertEquals(Optional.of(registry.version("taxi", 3)), registry.latest("taxi"));
    assertEquals("3", Files.readString(root.resolve("taxi").resolve(ModelRegistry.LATEST)).trim());
    // Version 1 was not touched by the later pushes.
    assertEquals(firstWritten, Files.getLastModifiedTime(first.resolve(ModelRegistry.LINEAGE)));
    assertEquals(1, registry.lineage("taxi", 1).version());

    Path latest = registry.latest("taxi").orElseThrow();
    assertEquals(model.fingerprint(), ModelArtifact.read(latest).fingerprint());
    assertTrue(Files.exists(latest.resolve(ModelRegistry.EVALUATION).resolve(Evaluation.FILE)));
    ModelRegistry.Lineage lineage = registry.lineage("taxi", 3);
    assertEquals("taxi", lineage.modelName());
    assertEquals(model.fingerprint(), lineage.modelFingerprint());
    assertEquals(model.info().lineage().transformFingerprint(), lineage.transformFingerprint());
    assertEquals(model.info().lineage().dataFingerprints(), lineage.dataFingerprints());
    assertEquals("DNN", lineage.hyperparameters().get("kind"));
    assertTrue(lineage.evaluation().blessed());
    assertEquals(0.9, lineage.evaluation().overallMetrics().get("auc"));
    try (LoadedModel loaded = LoadedModel.load(latest)) {
      assertEquals(100, loaded.predict(TaxiModels.eval().subList(0, 100)).rows());
    }
    // A second model name has its own numbering.
    assertEquals(1, registry.push(model.directory(), blessed, "taxi-b", store));
  }

  @Test
  void aModelTheEvaluationDidNotBlessIsRefusedAndNothingIsPushed(@TempDir Path root)
      throws IOException {
    ModelRegistry registry = new ModelRegistry(root);
    assertEquals(1, registry.push(model.directory(), blessed, "taxi", store));
    ModelRegistry.NotBlessedException e =
        assertThrows(
            ModelRegistry.NotBlessedException.class,
            () -> registry.push(model.directory(), notBlessed, "taxi", store));
    assertTrue(e.getMessage().contains("did not bless"), e.getMessage());
    assertTrue(e.getMessage().contains("Overall auc = 0.5 fails value >= 0.7"), e.getMessage());
    assertEquals(List.of(1), registry.versions("taxi"));
    assertEquals(Optional.of(1), registry.latestVersion("taxi"));
    try (var entries = Files.list(root.resolve("taxi"))) {
      assertEquals(
          List.of(".lock", "1", "LATEST"),
          entries.map(p -> p.getFileName().toString()).sorted().toList(),
          "only 1/, LATEST and the lock");
    }
    assertThrows(
        ModelRegistry.NotBlessedException.class,
        () -> registry.push(model.directory(), notBlessed, "never-pushed", store));
    assertFalse(Files.exists(root.resolve("never-pushed")));
  }

  @Test
  void anEvaluationOfAnotherModelIsRefused(@TempDir Path root) throws IOException {
    // An evaluation whose candidate has another fingerprint.
    Path otherEvaluation = root.resolve("other-eval");
    Files.createDirectories(otherEvaluation);
    String json =
        Files.readString(blessed.resolve(Evaluation.FILE))
            .replace(model.fingerprint(), "0".repeat(64));
    Files.writeString(otherEvaluation.resolve(Evaluation.FILE), json);
    ModelRegistry registry = new ModelRegistry(root.resolve("registry"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> registry.push(model.directory(), otherEvaluation, "taxi", store));
    assertTrue(e.getMessage().contains("fingerprint"), e.getMessage());
    assertEquals(List.of(), registry.versions("taxi"));
  }

  @Test
  void aCrashBeforeLatestLeavesACompleteVersionThatLatestDoesNotNameYet(@TempDir Path root)
      throws IOException {
    ModelRegistry registry = new ModelRegistry(root);
    assertEquals(1, registry.push(model.directory(), blessed, "taxi", store));
    // Steps of a push that crashed after the rename, before LATEST.
    Path staging = registry.stage(model, blessed, Evaluation.read(blessed), "taxi", null);
    assertEquals(2, registry.commitVersion(staging, "taxi"));
    assertEquals(List.of(1, 2), registry.versions("taxi"));
    assertEquals(Optional.of(1), registry.latestVersion("taxi"));
    assertEquals(
        model.fingerprint(), ModelArtifact.read(registry.version("taxi", 2)).fingerprint());
    assertTrue(Files.exists(registry.version("taxi", 2).resolve(ModelRegistry.LINEAGE)));
    // The next push neither reuses nor overwrites 2.
    assertEquals(3, registry.push(model.directory(), blessed, "taxi", store));
    assertEquals(Optional.of(3), registry.latestVersion("taxi"));
    // LATEST never moves backwards.
    registry.pointLatest("taxi", 2);
    assertEquals(Optional.of(3), registry.latestVersion("taxi"));
  }

  @Test
  void aLeftoverStagingDirectoryIsIgnoredAndCleanedOnceStale(@TempDir Path root)
      throws IOException {
    ModelRegistry registry = new ModelRegistry(root);
    Path modelDir = root.resolve("taxi");
    Path crashed = modelDir.resolve(".push-crashed");
    Files.createDirectories(crashed.resolve(ModelArtifact.SAVED_MODEL));
    Files.writeString(crashed.resolve(ModelArtifact.SAVED_MODEL).resolve("half"), "x");
    Files.setLastModifiedTime(crashed, FileTime.from(Instant.now().minus(2, ChronoUnit.HOURS)));
    Path inProgress = modelDir.resolve(".push-concurrent");
    Files.createDirectories(inProgress);
    assertEquals(List.of(), registry.versions("taxi"));
    assertEquals(Optional.empty(), registry.latest("taxi"));

    assertEquals(1, registry.push(model.directory(), blessed, "taxi", store));
    assertFalse(Files.exists(crashed), "a stale staging directory is deleted by the next push");
    assertTrue(Files.exists(inProgress), "a fresh one may be a concurrent push's: kept");
    assertEquals(List.of(1), registry.versions("taxi"));
  }

  @Test
  void aRetriedAttemptDeletesWhatItsCrashedAttemptStagedWhateverItsAge(@TempDir Path root)
      throws IOException {
    ModelRegistry registry = new ModelRegistry(root);
    Path modelDir = root.resolve("taxi");
    String attempt = "0123456789abcdef";
    Path crashed = modelDir.resolve(".push-" + attempt + "-" + UUID.randomUUID());
    Files.createDirectories(crashed.resolve(ModelArtifact.SAVED_MODEL));
    Files.writeString(crashed.resolve(ModelArtifact.SAVED_MODEL).resolve("half"), "x");
    Path anotherAttempt = modelDir.resolve(".push-fedcba9876543210-" + UUID.randomUUID());
    Files.createDirectories(anotherAttempt);
    Path anotherPush = modelDir.resolve(".push-" + UUID.randomUUID());
    Files.createDirectories(anotherPush);

    assertEquals(1, registry.push(model.directory(), blessed, "taxi", store, attempt));
    assertFalse(Files.exists(crashed), "the crashed attempt's staged copy is deleted at once");
    assertTrue(Files.exists(anotherAttempt), "another attempt's may be under way: kept");
    assertTrue(Files.exists(anotherPush), "a fresh unnamed push's may be under way: kept");
    try (Stream<Path> entries = Files.list(modelDir)) {
      assertEquals(
          List.of(),
          entries.filter(p -> p.getFileName().toString().startsWith(".push-" + attempt)).toList(),
          "the retry leaves no staged copy of its own");
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> registry.push(model.directory(), blessed, "taxi", store, "../x"));
  }

  @Test
  void namesThatAreNotPlainAreRefused(@TempDir Path root) {
    ModelRegistry registry = new ModelRegistry(root);
    for (String bad : List.of("", "../x", ".hidden", "a/b", "LATEST/..")) {
      assertThrows(IllegalArgumentException.class, () -> registry.versions(bad), bad);
    }
  }
}
