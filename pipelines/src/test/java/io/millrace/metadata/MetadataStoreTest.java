package io.millrace.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store on a real SQLite file: lineage, cache lookups, crash safety, run history. */
class MetadataStoreTest {
  private static final String CODE = "git:1a2b3c";

  @TempDir Path dir;
  private Path storeFile;
  private MetadataStore store;
  private Context pipeline;

  @BeforeEach
  void open() {
    storeFile = dir.resolve("metadata/store.db");
    store = TestStores.open(storeFile);
    pipeline = store.pipeline("taxi");
  }

  @AfterEach
  void close() {
    store.close();
  }

  /** Writes an artifact directory as a stage would, and records it. */
  private Artifact output(
      Execution execution, String name, String type, String fingerprint, Map<String, String> props)
      throws IOException {
    Path path = dir.resolve("artifacts/" + execution.stage() + "-" + execution.id() + "/" + name);
    Files.createDirectories(path);
    Files.writeString(path.resolve("data"), fingerprint, StandardCharsets.UTF_8);
    return store.recordOutput(execution, name, type, path.toString(), fingerprint, props);
  }

  private Execution start(Run run, String stage, String config, Map<String, Artifact> inputs) {
    String key = CacheKey.forInputs(stage, config, CODE, List.copyOf(inputs.values()));
    return store.startExecution(run, stage, key, config, CODE, inputs);
  }

  private static Map<String, Artifact> inputs(Object... nameThenArtifact) {
    Map<String, Artifact> inputs = new LinkedHashMap<>();
    for (int i = 0; i < nameThenArtifact.length; i += 2) {
      inputs.put((String) nameThenArtifact[i], (Artifact) nameThenArtifact[i + 1]);
    }
    return inputs;
  }

  @Test
  void createsTheSchemaOnceAndReopensIt() throws SQLException {
    store.close();
    store = TestStores.open(storeFile);
    assertEquals(pipeline, store.pipeline("taxi"));
    assumeTrue(TestStores.sqlite(), "the file, its schema version and WAL mode");
    assertTrue(Files.exists(storeFile));
    try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + storeFile);
        Statement statement = raw.createStatement();
        ResultSet version = statement.executeQuery("SELECT version FROM mr_schema_version")) {
      assertTrue(version.next());
      assertEquals(MetadataSchema.VERSION, version.getInt(1));
      assertFalse(version.next());
    }
    try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + storeFile);
        Statement statement = raw.createStatement();
        ResultSet mode = statement.executeQuery("PRAGMA journal_mode")) {
      assertTrue(mode.next());
      assertEquals("wal", mode.getString(1));
    }
  }

  @Test
  void lineageLeadsFromAPushBackToTheExamples() throws IOException {
    Run run = store.startRun(pipeline, Map.of("learning_rate", "0.01"));
    Execution ingest = start(run, "ingest", "{\"input\":\"data/*.csv\"}", Map.of());
    Artifact examples = output(ingest, "examples", Artifact.EXAMPLES, "data-fp-1", Map.of());
    store.completeExecution(ingest, Map.of("records", "1000"));

    Execution statistics = start(run, "statistics", "{}", inputs("examples", examples));
    Artifact stats = output(statistics, "statistics", Artifact.STATISTICS, "stats-fp", Map.of());
    store.completeExecution(statistics, Map.of());

    Execution schemaGen = start(run, "schema", "{}", inputs("statistics", stats));
    Artifact schema = output(schemaGen, "schema", Artifact.SCHEMA, "schema-fp", Map.of());
    store.completeExecution(schemaGen, Map.of());

    Execution transform =
        start(run, "transform", "{}", inputs("examples", examples, "schema", schema));
    Artifact graph = output(transform, "transform_graph", Artifact.TRANSFORM, "tg-fp", Map.of());
    Artifact transformed =
        output(transform, "transformed_examples", Artifact.EXAMPLES, "tx-fp", Map.of());
    store.completeExecution(transform, Map.of());

    Execution train =
        start(
            run,
            "train",
            "{\"epochs\":3}",
            inputs("examples", transformed, "transform_graph", graph));
    Artifact model = output(train, "model", Artifact.MODEL, "model-fp", Map.of());
    store.completeExecution(train, Map.of("loss", "0.41"));

    Execution evaluate = start(run, "evaluate", "{}", inputs("model", model, "examples", examples));
    Artifact evaluation = output(evaluate, "evaluation", Artifact.EVALUATION, "eval-fp", Map.of());
    store.completeExecution(evaluate, Map.of("auc", "0.87", "blessed", "true"));

    Execution push = start(run, "push", "{}", inputs("model", model, "evaluation", evaluation));
    output(push, "pushed", Artifact.PUSH, "model-fp", Map.of("model_name", "tips", "version", "3"));
    store.completeExecution(push, Map.of());
    store.finishRun(run, Run.Status.SUCCEEDED);

    List<Artifact> found =
        store.findArtifacts(Artifact.PUSH, Map.of("model_name", "tips", "version", "3"));
    assertEquals(1, found.size());
    assertTrue(
        store.findArtifacts(Artifact.PUSH, Map.of("model_name", "tips", "version", "4")).isEmpty());
    Artifact pushed = found.get(0);
    assertEquals(Artifact.State.LIVE, pushed.state());

    Lineage lineage = store.lineage(pushed);
    assertEquals(
        List.of("push", "train", "transform", "ingest", "schema", "statistics", "evaluate"),
        lineage.executions().stream().map(Execution::stage).toList());
    assertEquals(
        Map.of(examples.uri(), "data-fp-1", transformed.uri(), "tx-fp"),
        lineage.dataFingerprints());
    // The data is the end of the chain: nothing in the store wrote what ingest read.
    Lineage ingested =
        lineage.inputs().get("model").inputs().get("examples").inputs().get("examples");
    assertEquals(examples.id(), ingested.artifact().id());
    assertEquals("ingest", ingested.producer().orElseThrow().stage());
    assertTrue(ingested.inputs().isEmpty());
    // Shared ancestors are one node: the examples under transform and under evaluate.
    assertTrue(ingested == lineage.inputs().get("evaluation").inputs().get("examples"));

    String rendered = lineage.render();
    List<String> lines = rendered.lines().toList();
    assertTrue(lines.get(0).startsWith("Push #" + pushed.id()), rendered);
    assertTrue(
        lines.get(1).startsWith("  <- push (execution #" + push.id() + ", COMPLETE, code " + CODE),
        rendered);
    assertTrue(lines.get(2).startsWith("    model: Model #" + model.id()), rendered);
    assertTrue(lines.get(3).startsWith("      <- train"), rendered);
    assertTrue(rendered.contains("examples: Examples #" + examples.id()), rendered);
    assertTrue(rendered.contains("fingerprint=data-fp-1"), rendered);
    assertTrue(rendered.contains("(see above)"), rendered);
  }

  @Test
  void cacheReturnsTheLatestCompleteExecutionWithTheKey() throws IOException {
    Artifact examples = ingested("data-fp-1");
    String config = "{\"vocabulary\":100}";
    String key = CacheKey.forInputs("transform", config, CODE, List.of(examples));
    Execution first = transformRun(examples, config, Run.Status.SUCCEEDED, true);
    Execution second = transformRun(examples, config, Run.Status.SUCCEEDED, true);
    // Later than both: one that failed, one still running (its process was killed).
    Execution failed = transformRun(examples, config, Run.Status.FAILED, false);
    store.failExecution(failed, "out of memory");
    Execution running = transformRun(examples, config, null, false);

    CachedExecution hit = store.cached(pipeline, "transform", key).orElseThrow();
    assertEquals(second.id(), hit.execution().id());
    assertEquals(Execution.State.COMPLETE, hit.execution().state());
    assertEquals(List.of("transform_graph"), List.copyOf(hit.outputs().keySet()));
    assertTrue(hit.outputs().get("transform_graph").uri().contains("transform-" + second.id()));
    assertNotEquals(first.id(), second.id());
    assertEquals(Execution.State.FAILED, store.execution(failed.id()).state());
    assertEquals(Execution.State.RUNNING, store.execution(running.id()).state());

    assertTrue(store.cached(pipeline, "transform", "another-key").isEmpty());
    assertTrue(store.cached(pipeline, "train", key).isEmpty());
    assertTrue(store.cached(store.pipeline("other"), "transform", key).isEmpty());
  }

  @Test
  void aChangedInputFingerprintMisses() throws IOException {
    String config = "{}";
    transformRun(ingested("data-fp-1"), config, Run.Status.SUCCEEDED, true);
    Artifact newData = ingested("data-fp-2");
    String key = CacheKey.forInputs("transform", config, CODE, List.of(newData));
    assertTrue(store.cached(pipeline, "transform", key).isEmpty());
    String sameData = CacheKey.forInputs("transform", "{ }", CODE, List.of(ingested("data-fp-1")));
    assertTrue(store.cached(pipeline, "transform", sameData).isPresent());
  }

  @Test
  void aDeletedOutputMissesAndNoOlderExecutionIsUsedInstead() throws IOException {
    Artifact examples = ingested("data-fp-1");
    String key = CacheKey.forInputs("transform", "{}", CODE, List.of(examples));
    Execution older = transformRun(examples, "{}", Run.Status.SUCCEEDED, true);
    Execution latest = transformRun(examples, "{}", Run.Status.SUCCEEDED, true);
    Path latestOutput =
        Path.of(
            store
                .cached(pipeline, "transform", key)
                .orElseThrow()
                .outputs()
                .get("transform_graph")
                .uri());
    assertEquals(latest.id(), store.cached(pipeline, "transform", key).get().execution().id());

    deleteRecursively(latestOutput);

    assertTrue(store.cached(pipeline, "transform", key).isEmpty());
    assertTrue(Files.exists(dir.resolve("artifacts/transform-" + older.id())));
  }

  @Test
  void aFingerprintVerifierCanRejectChangedContent() throws IOException {
    Artifact examples = ingested("data-fp-1");
    String key = CacheKey.forInputs("transform", "{}", CODE, List.of(examples));
    transformRun(examples, "{}", Run.Status.SUCCEEDED, true);
    FingerprintVerifier fromDisk =
        artifact ->
            Files.readString(Path.of(artifact.uri()).resolve("data"))
                .equals(artifact.fingerprint());
    assertTrue(store.cached(pipeline, "transform", key, fromDisk).isPresent());

    Path output =
        Path.of(
            store
                .cached(pipeline, "transform", key)
                .orElseThrow()
                .outputs()
                .get("transform_graph")
                .uri());
    Files.writeString(output.resolve("data"), "overwritten");

    assertTrue(store.cached(pipeline, "transform", key, fromDisk).isEmpty());
    assertTrue(store.cached(pipeline, "transform", key).isPresent(), "exists, unverified");
  }

  @Test
  void anArtifactMarkedDeletedMisses() throws IOException {
    Artifact examples = ingested("data-fp-1");
    String key = CacheKey.forInputs("transform", "{}", CODE, List.of(examples));
    transformRun(examples, "{}", Run.Status.SUCCEEDED, true);
    CachedExecution hit = store.cached(pipeline, "transform", key).orElseThrow();
    store.markDeleted(hit.outputs().get("transform_graph"));
    assertTrue(store.cached(pipeline, "transform", key).isEmpty());
  }

  @Test
  void anExecutionLeftRunningByAKilledProcessIsNeverReused() throws IOException {
    Artifact examples = ingested("data-fp-1");
    String key = CacheKey.forInputs("transform", "{}", CODE, List.of(examples));
    // The killed process: started, wrote its output, never completed.
    Execution killed = transformRun(examples, "{}", null, false);
    Artifact orphan = store.run(killed.runId()).stages().get(0).outputs().get("transform_graph");
    assertTrue(Files.exists(Path.of(orphan.uri())));
    assertEquals(Artifact.State.PENDING, orphan.state());

    // The next run, in a new process: a separate connection to the same file.
    try (MetadataStore next = TestStores.open(storeFile)) {
      Context taxi = next.pipeline("taxi");
      assertTrue(next.cached(taxi, "transform", key).isEmpty());

      assertEquals(1, next.markAbandoned(taxi, "owner died"));
      Execution failed = next.execution(killed.id());
      assertEquals(Execution.State.FAILED, failed.state());
      assertEquals(Optional.of("owner died"), failed.error());
      assertEquals(Artifact.State.ABANDONED, next.artifact(orphan.id()).state());
      assertEquals(Run.Status.ABANDONED, next.run(killed.runId()).summary().status());
      assertTrue(next.cached(taxi, "transform", key).isEmpty());
    }
    IllegalStateException late =
        assertThrows(IllegalStateException.class, () -> store.completeExecution(killed, Map.of()));
    assertTrue(late.getMessage().contains("is FAILED"), late.getMessage());
  }

  @Test
  void aCachedStageIsRecordedInTheRunWithTheReusedOutputs() throws IOException {
    Artifact examples = ingested("data-fp-1");
    String key = CacheKey.forInputs("transform", "{}", CODE, List.of(examples));
    Execution original = transformRun(examples, "{}", Run.Status.SUCCEEDED, true);

    Run run = store.startRun(pipeline, Map.of());
    CachedExecution hit = store.cached(pipeline, "transform", key).orElseThrow();
    Execution cached =
        store.recordCachedExecution(run, "transform", key, inputs("examples", examples), hit);
    store.finishRun(run, Run.Status.SUCCEEDED);

    assertEquals(Execution.State.CACHED, cached.state());
    assertEquals(Optional.of(original.id()), cached.reusedExecutionId());
    assertEquals(Map.of("vocabulary_size", "42"), cached.properties());
    RunDetail detail = store.run(run.id());
    assertEquals(1, detail.summary().cached());
    RunDetail.StageExecution stage = detail.stages().get(0);
    assertEquals(Execution.State.CACHED, stage.execution().state());
    assertEquals(hit.outputs(), stage.outputs());
    assertEquals(Map.of("transform.vocabulary_size", "42"), detail.metrics());
    // Still the original producer in the lineage.
    Lineage lineage = store.lineage(stage.outputs().get("transform_graph"));
    assertEquals(original.id(), lineage.producer().orElseThrow().id());
    // The cache still answers with the original, complete execution.
    assertEquals(original.id(), store.cached(pipeline, "transform", key).get().execution().id());
    assertThrows(
        IllegalArgumentException.class, () -> store.recordCachedExecution(run, "train", key, hit));
  }

  @Test
  void runsAreListedShownAndCompared() throws IOException {
    Artifact data1 = ingested("data-fp-1");
    Artifact data2 = ingested("data-fp-2");
    Run first = store.startRun(pipeline, Map.of("learning_rate", "0.01", "epochs", "3"));
    trainStage(first, data1, "0.81");
    store.finishRun(first, Run.Status.SUCCEEDED);
    Run second = store.startRun(pipeline, Map.of("learning_rate", "0.02", "epochs", "3"));
    trainStage(second, data2, "0.84");
    Execution crashed = store.startExecution(second, "push", "", "{}", CODE, List.of());
    store.failExecution(crashed, "disk full");
    store.finishRun(second, Run.Status.FAILED);

    List<RunSummary> runs = store.runs(pipeline);
    // Newest first; the two ingest runs came before.
    assertEquals(4, runs.size());
    assertEquals(
        List.of(second.id(), first.id()), runs.stream().limit(2).map(RunSummary::id).toList());
    RunSummary latest = runs.get(0);
    assertEquals(Run.Status.FAILED, latest.status());
    assertEquals("taxi", latest.pipeline());
    assertEquals(Map.of("epochs", "3", "learning_rate", "0.02"), latest.params());
    assertEquals(2, latest.executions());
    assertEquals(1, latest.failed());
    assertTrue(latest.endedAt().isPresent());
    assertTrue(store.runs(store.pipeline("other")).isEmpty());

    RunDetail shown = store.run(first.name()).orElseThrow();
    assertEquals(first.id(), shown.summary().id());
    assertEquals(
        List.of("train"), shown.stages().stream().map(s -> s.execution().stage()).toList());
    assertEquals(Map.of("train<-examples", "data-fp-1"), shown.dataFingerprints());
    assertEquals(Map.of("train.auc", "0.81"), shown.metrics());
    RunDetail.StageExecution failedPush = store.run(second.id()).stages().get(1);
    assertEquals(Optional.of("disk full"), failedPush.execution().error());
    assertTrue(failedPush.execution().endedAt().isPresent());

    RunComparison comparison = store.compare(List.of(first.id(), second.id()));
    assertEquals(List.of("0.01", "0.02"), comparison.row("param", "learning_rate").values());
    assertTrue(comparison.row("param", "learning_rate").differs());
    assertFalse(comparison.row("param", "epochs").differs());
    assertEquals(
        List.of("data-fp-1", "data-fp-2"), comparison.row("data", "train<-examples").values());
    assertEquals(List.of("0.81", "0.84"), comparison.row("metric", "train.auc").values());
    String table = comparison.render();
    assertTrue(
        table.lines().anyMatch(l -> l.matches("\\*\\s+metric train.auc\\s+0.81\\s+0.84")), table);
    assertTrue(table.lines().anyMatch(l -> l.matches("\\s+param epochs\\s+3\\s+3")), table);
  }

  @Test
  void fileUrisAreCheckedAndRemoteUrisNeedAVerifier() throws IOException {
    Run run = store.startRun(pipeline, Map.of());
    Execution local = store.startExecution(run, "local", "k", "{}", CODE, List.of());
    Path directory = Files.createDirectories(dir.resolve("by-uri"));
    store.recordOutput(local, "out", Artifact.SCHEMA, directory.toUri().toString(), "f", Map.of());
    store.completeExecution(local, Map.of());
    Execution remote = store.startExecution(run, "remote", "k", "{}", CODE, List.of());
    // A scheme no file system here serves (s3://, hdfs://, gs:// ones are checked like files).
    store.recordOutput(remote, "out", Artifact.MODEL, "ftp://host/model", "f", Map.of());
    store.completeExecution(remote, Map.of());

    assertTrue(store.cached(pipeline, "local", "k").isPresent());
    assertTrue(store.cached(pipeline, "remote", "k").isEmpty(), "cannot be checked here");
    assertTrue(store.cached(pipeline, "remote", "k", artifact -> true).isPresent());
    assertTrue(store.cached(pipeline, "remote", "k", artifact -> false).isEmpty());
    Files.delete(directory);
    assertTrue(store.cached(pipeline, "local", "k").isEmpty());
    assertTrue(store.cached(pipeline, "local", "k", artifact -> true).isEmpty());
  }

  @Test
  void relativePathsAreRecordedAbsolute() {
    Run run = store.startRun(pipeline, Map.of());
    Execution stage = store.startExecution(run, "stage", "", "{}", CODE, List.of());
    Artifact recorded =
        store.recordOutput(stage, "out", Artifact.SCHEMA, "out/../schema", "f", Map.of());
    assertEquals(Path.of("schema").toAbsolutePath().toString(), recorded.uri());
    assertEquals(recorded, store.findArtifactsByUri(recorded.uri()).get(0));
  }

  @Test
  void anOutputNameIsRecordedOncePerExecution() throws IOException {
    Run run = store.startRun(pipeline, Map.of());
    Execution train = store.startExecution(run, "train", "", "{}", CODE, List.of());
    output(train, "model", Artifact.MODEL, "fp-1", Map.of());
    IllegalArgumentException twice =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                store.recordOutput(train, "model", Artifact.MODEL, "elsewhere", "fp-2", Map.of()));
    assertTrue(twice.getMessage().contains("output named model"), twice.getMessage());
  }

  @Test
  void aSchedulerAndAManualRunWriteToTheSameFileAtOnce() throws Exception {
    // Two connections writing at the same time: without the busy timeout and immediate
    // transactions, one of them fails with SQLITE_BUSY.
    int stagesEach = 25;
    try (MetadataStore scheduler = TestStores.open(storeFile);
        MetadataStore manual = TestStores.open(storeFile)) {
      ExecutorService threads = Executors.newFixedThreadPool(2);
      try {
        CyclicBarrier start = new CyclicBarrier(2);
        List<Future<Long>> runs = new ArrayList<>();
        for (MetadataStore writer : List.of(scheduler, manual)) {
          runs.add(
              threads.submit(
                  () -> {
                    Context own = writer.pipeline(writer == scheduler ? "nightly" : "adhoc");
                    Run run = writer.startRun(own, Map.of());
                    start.await(10, TimeUnit.SECONDS);
                    for (int i = 0; i < stagesEach; i++) {
                      Execution stage =
                          writer.startExecution(run, "stage" + i, "k" + i, "{}", CODE, List.of());
                      writer.recordOutput(
                          stage, "out", Artifact.STATISTICS, "u" + i, "f", Map.of());
                      writer.completeExecution(stage, Map.of("i", Integer.toString(i)));
                    }
                    writer.finishRun(run, Run.Status.SUCCEEDED);
                    return run.id();
                  }));
        }
        for (Future<Long> run : runs) {
          RunDetail detail = store.run(run.get(60, TimeUnit.SECONDS));
          assertEquals(stagesEach, detail.stages().size());
          assertEquals(Run.Status.SUCCEEDED, detail.summary().status());
        }
      } finally {
        threads.shutdownNow();
      }
    }
  }

  // ---------------------------------------------------------------- fixtures

  /** An ingest run whose examples carry this fingerprint. */
  private Artifact ingested(String fingerprint) throws IOException {
    Run run = store.startRun(pipeline, Map.of());
    Execution ingest = start(run, "ingest", "{}", Map.of());
    output(ingest, "examples", Artifact.EXAMPLES, fingerprint, Map.of());
    store.completeExecution(ingest, Map.of());
    store.finishRun(run, Run.Status.SUCCEEDED);
    return store.run(run.id()).stages().get(0).outputs().get("examples");
  }

  /** A run of the transform stage; status null leaves run and execution RUNNING. */
  private Execution transformRun(
      Artifact examples, String config, Run.Status status, boolean complete) throws IOException {
    Run run = store.startRun(pipeline, Map.of());
    Execution transform = start(run, "transform", config, inputs("examples", examples));
    output(transform, "transform_graph", Artifact.TRANSFORM, "tg-" + transform.id(), Map.of());
    if (complete) {
      store.completeExecution(transform, Map.of("vocabulary_size", "42"));
    }
    if (status != null) {
      store.finishRun(run, status);
    }
    return transform;
  }

  private void trainStage(Run run, Artifact examples, String auc) throws IOException {
    Execution train = start(run, "train", "{}", inputs("examples", examples));
    output(train, "model", Artifact.MODEL, "model-" + train.id(), Map.of());
    store.completeExecution(train, Map.of("auc", auc));
  }

  private static void deleteRecursively(Path path) throws IOException {
    try (var files = Files.walk(path)) {
      for (Path file :
          files.sorted(java.util.Comparator.reverseOrder()).collect(Collectors.toList())) {
        Files.delete(file);
      }
    }
  }
}
