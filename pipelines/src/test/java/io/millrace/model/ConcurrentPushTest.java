package io.millrace.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.millrace.evaluate.EvaluationConfig;
import io.millrace.metadata.MetadataStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several pushes of one model at the same moment, from threads of one JVM and from separate
 * processes: every one succeeds with its own version, LATEST names the highest, and no staging
 * directory is left behind.
 */
class ConcurrentPushTest {
  @TempDir static Path dir;
  private static Path metadata;
  private static ModelArtifact model;
  private static Path evaluation;

  @BeforeAll
  static void trainAndEvaluate() throws IOException {
    model = TaxiModels.writeGood(dir.resolve("model"), "big-tipper");
    metadata = dir.resolve("metadata.sqlite");
    try (MetadataStore store = MetadataStore.openSqlite(metadata)) {
      evaluation =
          ForgedBlessingTest.evaluate(
              model, EvaluationConfig.defaults(), dir.resolve("eval"), store);
    }
  }

  private static void assertVersionsOneTo(int n, ModelRegistry registry, List<Integer> pushed)
      throws IOException {
    List<Integer> expected = IntStream.rangeClosed(1, n).boxed().toList();
    assertEquals(expected, pushed.stream().sorted().toList(), "each push has its own version");
    assertEquals(expected, registry.versions("taxi"));
    assertEquals(Optional.of(n), registry.latestVersion("taxi"));
    try (Stream<Path> entries = Files.list(registry.root().resolve("taxi"))) {
      List<String> leftovers =
          entries
              .map(p -> p.getFileName().toString())
              .filter(name -> name.startsWith(".push-") || name.contains(".tmp-"))
              .toList();
      assertEquals(List.of(), leftovers);
    }
    for (int version : expected) {
      assertEquals(
          model.fingerprint(), ModelArtifact.read(registry.version("taxi", version)).fingerprint());
    }
  }

  @Test
  void pushesFromThreadsGetDistinctVersions(@TempDir Path root) throws Exception {
    int n = 6;
    ModelRegistry registry = new ModelRegistry(root);
    CyclicBarrier start = new CyclicBarrier(n);
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try (MetadataStore store = MetadataStore.openSqlite(metadata)) {
      List<Future<Integer>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  return registry.push(model.directory(), evaluation, "taxi", store);
                }));
      }
      List<Integer> versions = new ArrayList<>();
      for (Future<Integer> f : futures) {
        versions.add(f.get(120, TimeUnit.SECONDS));
      }
      assertVersionsOneTo(n, registry, versions);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void pushesFromProcessesGetDistinctVersions(@TempDir Path root) throws Exception {
    int n = 4;
    List<Integer> versions =
        PushMain.race(
            n,
            Map.of(),
            Duration.ofSeconds(120),
            root.toString(),
            model.directory(),
            evaluation,
            "taxi",
            metadata);
    assertVersionsOneTo(n, new ModelRegistry(root), versions);
  }
}
