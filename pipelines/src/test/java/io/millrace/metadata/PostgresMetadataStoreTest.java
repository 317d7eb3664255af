package io.millrace.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.testing.PostgresServer;
import io.millrace.testing.StorageServers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metadata store, through its public API only, on a real PostgreSQL server started by the test
 * from the machine's binaries (skipped, with the reason, where they are not installed): the shared
 * store of runs whose stages execute on several hosts.
 */
@ExtendWith(StorageServers.class)
class PostgresMetadataStoreTest {
  private static final String CODE = "git:5e6f7a";

  @TempDir Path dir;

  /** A database of its own per test: the tests share one server. */
  private static String database(PostgresServer postgres, String name)
      throws IOException, InterruptedException {
    return postgres.createDatabase(name);
  }

  private Artifact output(MetadataStore store, Execution execution, String name, String fp)
      throws IOException {
    Path path = dir.resolve(execution.stage() + "-" + execution.id() + "/" + name);
    Files.createDirectories(path);
    Files.writeString(path.resolve("data"), fp, StandardCharsets.UTF_8);
    return store.recordOutput(execution, name, Artifact.TRANSFORM, path.toString(), fp, Map.of());
  }

  @Test
  void aRunIsRecordedAndReadBackByAnotherConnection(PostgresServer postgres) throws Exception {
    String url = database(postgres, "runs");
    long runId;
    try (MetadataStore store = MetadataStore.open(url)) {
      Context taxi = store.pipeline("taxi");
      Run run = store.startRun(taxi, Map.of("learning_rate", "0.01"));
      Execution ingest = store.startExecution(run, "ingest", "key-ingest", "{}", CODE, Map.of());
      Artifact examples =
          store.recordOutput(
              ingest,
              "examples",
              Artifact.EXAMPLES,
              dir.toString(),
              "data-fp",
              Map.of("rows", "10"));
      store.completeExecution(ingest, Map.of("records", "10000"));
      Execution transform =
          store.startExecution(
              run, "transform", "key-transform", "{}", CODE, Map.of("examples", examples));
      output(store, transform, "transform_graph", "tg-fp");
      store.completeExecution(transform, Map.of());
      store.finishRun(run, Run.Status.SUCCEEDED);
      runId = run.id();
    }
    // A second process (here: connection) sees the whole run.
    try (MetadataStore other = MetadataStore.open(url)) {
      Context taxi = other.pipeline("taxi");
      List<RunSummary> runs = other.runs(taxi);
      assertEquals(1, runs.size());
      RunSummary summary = runs.get(0);
      assertEquals(runId, summary.id());
      assertEquals(Run.Status.SUCCEEDED, summary.status());
      assertEquals(Map.of("learning_rate", "0.01"), summary.params());
      assertEquals(2, summary.executions());
      RunDetail detail = other.run(runId);
      assertEquals(2, detail.stages().size());
      assertEquals(
          List.of(Map.of("rows", "10")),
          other.findArtifacts(Artifact.EXAMPLES, Map.of("rows", "10")).stream()
              .map(Artifact::properties)
              .toList());
    }
  }

  @Test
  void aCompletedExecutionIsACacheHitForTheNextRun(PostgresServer postgres) throws Exception {
    String url = database(postgres, "cache");
    try (MetadataStore store = MetadataStore.open(url)) {
      Context taxi = store.pipeline("taxi");
      Run first = store.startRun(taxi, Map.of());
      String key = CacheKey.forInputs("transform", "{\"vocabulary\":100}", CODE, List.of());
      Execution transform =
          store.startExecution(first, "transform", key, "{\"vocabulary\":100}", CODE, Map.of());
      Artifact graph = output(store, transform, "transform_graph", "tg-fp");
      store.completeExecution(transform, Map.of());
      store.finishRun(first, Run.Status.SUCCEEDED);

      Run second = store.startRun(taxi, Map.of());
      CachedExecution hit = store.cached(taxi, "transform", key).orElseThrow();
      assertEquals(transform.id(), hit.execution().id());
      assertEquals(graph.uri(), hit.outputs().get("transform_graph").uri());
      Execution cached = store.recordCachedExecution(second, "transform", key, hit);
      assertEquals(Execution.State.CACHED, cached.state());
      store.finishRun(second, Run.Status.SUCCEEDED);
      assertEquals(1, store.runs(taxi).get(0).cached());
      assertTrue(store.cached(taxi, "transform", "another-key").isEmpty());
    }
  }

  @Test
  void connectionsCreatingOnePipelineAtOnceAllGetTheSameContext(PostgresServer postgres)
      throws Exception {
    String url = database(postgres, "contexts");
    List<MetadataStore> stores = new ArrayList<>();
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try {
      for (int i = 0; i < 4; i++) {
        stores.add(MetadataStore.open(url));
      }
      CyclicBarrier together = new CyclicBarrier(stores.size());
      List<Callable<Context>> creators =
          stores.stream()
              .<Callable<Context>>map(
                  store ->
                      () -> {
                        together.await(30, TimeUnit.SECONDS);
                        return store.pipeline("taxi");
                      })
              .toList();
      List<Long> ids = new ArrayList<>();
      for (Future<Context> created : threads.invokeAll(creators, 2, TimeUnit.MINUTES)) {
        ids.add(created.get().id());
      }
      assertEquals(4, ids.size());
      assertEquals(1, ids.stream().distinct().count(), ids.toString());
    } finally {
      threads.shutdownNow();
      for (MetadataStore store : stores) {
        store.close();
      }
    }
  }

  @Test
  void connectionsRacingForTheRunLockGetItOnce(PostgresServer postgres) throws Exception {
    String url = database(postgres, "locks");
    List<MetadataStore> stores = new ArrayList<>();
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try {
      for (int i = 0; i < 4; i++) {
        stores.add(MetadataStore.open(url));
      }
      Context taxi = stores.get(0).pipeline("taxi");
      CyclicBarrier together = new CyclicBarrier(stores.size());
      List<Callable<Optional<RunLock>>> contenders =
          stores.stream()
              .<Callable<Optional<RunLock>>>map(
                  store ->
                      () -> {
                        together.await(30, TimeUnit.SECONDS);
                        return RunLock.tryAcquire(store, taxi, "run on " + store.hashCode());
                      })
              .toList();
      List<RunLock> winners = new ArrayList<>();
      for (Future<Optional<RunLock>> attempt : threads.invokeAll(contenders, 2, TimeUnit.MINUTES)) {
        attempt.get().ifPresent(winners::add);
      }
      assertEquals(1, winners.size());
      RunLock winner = winners.get(0);
      MetadataStore scheduler = stores.get(3);
      assertEquals(winner.owner(), RunLock.holder(scheduler, taxi).orElseThrow().owner());
      assertTrue(RunLock.tryAcquire(scheduler, taxi, "scheduler").isEmpty());
      assertTrue(winner.heartbeat());
      assertTrue(winner.release());
      assertTrue(RunLock.holder(scheduler, taxi).isEmpty());
      try (RunLock next = RunLock.tryAcquire(scheduler, taxi, "scheduler").orElseThrow()) {
        assertEquals("scheduler", next.owner().description());
      }
    } finally {
      threads.shutdownNow();
      for (MetadataStore store : stores) {
        store.close();
      }
    }
  }
}
