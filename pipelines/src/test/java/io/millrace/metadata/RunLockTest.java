package io.millrace.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run lock on a real SQLite file shared by several connections. */
class RunLockTest {
  @TempDir Path dir;
  private Path storeFile;
  private MetadataStore store;
  private Context pipeline;

  @BeforeEach
  void open() {
    storeFile = dir.resolve("store.db");
    store = TestStores.open(storeFile);
    pipeline = store.pipeline("taxi");
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void twoConnectionsRacingForTheLockGetItOnce() throws Exception {
    int contenders = 4;
    List<MetadataStore> stores = new ArrayList<>();
    ExecutorService threads = Executors.newFixedThreadPool(contenders);
    try {
      for (int i = 0; i < contenders; i++) {
        stores.add(TestStores.open(storeFile));
      }
      for (int round = 0; round < 5; round++) {
        CyclicBarrier start = new CyclicBarrier(contenders);
        List<Future<Optional<RunLock>>> attempts = new ArrayList<>();
        for (int i = 0; i < contenders; i++) {
          MetadataStore own = stores.get(i);
          String owner = "contender " + i;
          attempts.add(
              threads.submit(
                  () -> {
                    start.await(10, TimeUnit.SECONDS);
                    return RunLock.tryAcquire(own, own.pipeline("taxi"), owner);
                  }));
        }
        List<RunLock> winners = new ArrayList<>();
        for (Future<Optional<RunLock>> attempt : attempts) {
          attempt.get(30, TimeUnit.SECONDS).ifPresent(winners::add);
        }
        assertEquals(1, winners.size(), "round " + round);
        RunLock winner = winners.get(0);
        assertEquals(
            winner.owner().description(),
            RunLock.holder(store, pipeline).orElseThrow().owner().description());
        // A live holder is never taken over.
        assertTrue(RunLock.tryAcquire(store, pipeline, "scheduler").isEmpty());
        assertTrue(winner.release());
        assertFalse(winner.release());
        assertTrue(RunLock.holder(store, pipeline).isEmpty());
      }
    } finally {
      threads.shutdownNow();
      for (MetadataStore other : stores) {
        other.close();
      }
    }
  }

  @Test
  void aLockIsPerPipeline() {
    try (RunLock taxi = RunLock.tryAcquire(store, pipeline, "a").orElseThrow();
        RunLock other = RunLock.tryAcquire(store, store.pipeline("other"), "b").orElseThrow()) {
      assertTrue(taxi.heartbeat());
      assertTrue(other.heartbeat());
    }
    assertTrue(RunLock.tryAcquire(store, pipeline, "c").isPresent());
  }

  @Test
  void aRootIsLockedOnceWhateverPathNamesItAndBesidesPipelineLocks() throws IOException {
    Path root = Files.createDirectories(dir.resolve("root"));
    Path link = Files.createSymbolicLink(dir.resolve("link"), root);
    try (RunLock taxi = RunLock.tryAcquire(store, pipeline, "taxi run").orElseThrow();
        RunLock held = RunLock.tryAcquireRoot(store, pipeline, root, "taxi run").orElseThrow()) {
      Context other = store.pipeline("other");
      assertTrue(RunLock.tryAcquireRoot(store, other, link, "other run").isEmpty());
      assertTrue(RunLock.tryAcquireRoot(store, other, dir.resolve("root/."), "other").isEmpty());
      assertEquals("taxi run", RunLock.rootHolder(store, link).orElseThrow().owner().description());
      Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
      RunLock.tryAcquireRoot(store, other, elsewhere, "other run").orElseThrow().release();
      assertTrue(held.heartbeat());
    }
    assertTrue(RunLock.rootHolder(store, root).isEmpty());
    assertTrue(RunLock.tryAcquire(store, pipeline, "next").isPresent());
  }

  @Test
  void aLockOfADeadProcessIsTakenOverAndItsExecutionsFailed() throws Exception {
    // What a killed run leaves: its lock, a run and an execution RUNNING with an output.
    long deadPid = exitedProcessPid();
    RunLock.Owner dead =
        new RunLock.Owner(
            "scheduled run", RunLock.localHost(), deadPid, Optional.of(Instant.now()));
    RunLock crashed = RunLock.tryAcquire(store, pipeline, dead, null).orElseThrow();
    Run run = store.startRun(pipeline, Map.of());
    Execution train = store.startExecution(run, "train", "key-1", "{}", "v1", List.of());
    Path model = Files.createDirectories(dir.resolve("model"));
    Artifact output =
        store.recordOutput(train, "model", Artifact.MODEL, model.toString(), "fp", Map.of());

    try (MetadataStore next = TestStores.open(storeFile)) {
      Context taxi = next.pipeline("taxi");
      RunLock taken = RunLock.tryAcquire(next, taxi, "manual run").orElseThrow();
      assertEquals(1, taken.abandonedExecutions());
      assertEquals(ProcessHandle.current().pid(), RunLock.holder(next, taxi).get().owner().pid());
      Execution failed = next.execution(train.id());
      assertEquals(Execution.State.FAILED, failed.state());
      assertTrue(
          failed.error().orElseThrow().contains("taken over by manual run"), failed.error().get());
      assertEquals(Artifact.State.ABANDONED, next.artifact(output.id()).state());
      assertEquals(Run.Status.ABANDONED, next.run(run.id()).summary().status());
      assertTrue(next.cached(taxi, "train", "key-1").isEmpty());
      // The dead owner's lock is gone: its release and heartbeat fail, the new one's hold.
      assertFalse(crashed.heartbeat());
      assertFalse(crashed.release());
      assertTrue(taken.heartbeat());
      assertTrue(taken.release());
    }
  }

  @Test
  void aLockWhosePidWasReusedIsStale() {
    ProcessHandle self = ProcessHandle.current();
    Instant otherStart = self.info().startInstant().orElseThrow().minus(Duration.ofHours(1));
    RunLock.Owner previous =
        new RunLock.Owner("earlier run", RunLock.localHost(), self.pid(), Optional.of(otherStart));
    RunLock.tryAcquire(store, pipeline, previous, null).orElseThrow();
    assertTrue(RunLock.tryAcquire(store, pipeline, "scheduler").isPresent());
  }

  @Test
  void aLockFromAnotherHostIsTakenOverOnlyWhenItsHeartbeatIsOld() {
    RunLock.Owner remote =
        new RunLock.Owner("remote run", "elsewhere.invalid", 1, Optional.empty());
    RunLock.tryAcquire(store, pipeline, remote, null).orElseThrow();
    RunLock.Owner self = RunLock.Owner.currentProcess("scheduler");
    assertTrue(RunLock.tryAcquire(store, pipeline, self, null).isEmpty());
    assertTrue(RunLock.tryAcquire(store, pipeline, self, Duration.ofHours(1)).isEmpty());
    // Negative: every heartbeat is older than "one hour in the future", i.e. stale.
    assertTrue(RunLock.tryAcquire(store, pipeline, self, Duration.ofHours(-1)).isPresent());
  }

  private static long exitedProcessPid() throws IOException, InterruptedException {
    Process process = new ProcessBuilder("true").start();
    assertEquals(0, process.waitFor());
    long pid = process.pid();
    assertTrue(ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    return pid;
  }
}
