package io.millrace.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.evaluate.EvaluationConfig;
import io.millrace.metadata.MetadataStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    List<Process> children = new ArrayList<>();
    List<BufferedReader> outputs = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        Process child =
            new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    // The child's first line must be its own "ready", not a JVM warning about
                    // another process's performance-data file (PIDs repeat in containers).
                    "-XX:-UsePerfData",
                    "-Xlog:disable",
                    "-cp",
                    System.getProperty("java.class.path"),
                    PushMain.class.getName(),
                    root.toString(),
                    model.directory().toString(),
                    evaluation.toString(),
                    "taxi",
                    metadata.toString())
                .redirectErrorStream(true)
                .start();
        children.add(child);
        BufferedReader out =
            new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        outputs.add(out);
      }
      for (BufferedReader out : outputs) {
        assertEquals("ready", out.readLine());
      }
      for (Process child : children) {
        OutputStream in = child.getOutputStream();
        in.write("go\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
      }
      List<Integer> versions = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        StringBuilder text = new StringBuilder();
        for (String line; (line = outputs.get(i).readLine()) != null; ) {
          text.append(line).append('\n');
        }
        assertTrue(children.get(i).waitFor(120, TimeUnit.SECONDS), text.toString());
        assertEquals(0, children.get(i).exitValue(), text.toString());
        String[] lines = text.toString().strip().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith("version "), text.toString());
        versions.add(Integer.parseInt(last.substring("version ".length())));
      }
      assertVersionsOneTo(n, new ModelRegistry(root), versions);
    } finally {
      children.forEach(Process::destroyForcibly);
    }
  }
}
