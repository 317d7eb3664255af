package io.millrace.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.StoragePaths;
import io.millrace.evaluate.EvaluationConfig;
import io.millrace.metadata.MetadataStore;
import io.millrace.testing.S3Server;
import io.millrace.testing.StorageServers;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code push}es of one model racing for the same version of a registry on S3 (S3Proxy, which
 * offers no conditional write), from separate processes sharing one metadata store: each gets its
 * own version, LATEST names the higher, and every version is a committed, loadable model.
 */
@ExtendWith(StorageServers.class)
class S3ConcurrentPushTest {
  @TempDir Path dir;

  @Test
  void twoPushesRacingOnS3GetDistinctCommittedVersions(S3Server s3) throws Exception {
    s3.createBucket("models");
    s3.register();
    ModelArtifact model = TaxiModels.writeGood(dir.resolve("model"), "big-tipper");
    Path metadata = dir.resolve("metadata.sqlite");
    Path evaluation;
    try (MetadataStore store = MetadataStore.openSqlite(metadata)) {
      evaluation =
          ForgedBlessingTest.evaluate(
              model, EvaluationConfig.defaults(), dir.resolve("eval"), store);
    }
    String root = "s3://models/registry";
    List<Process> children = new ArrayList<>();
    List<BufferedReader> outputs = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        ProcessBuilder push =
            new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    // The child's first line must be its own "ready", not a JVM warning about
                    // another process's performance-data file (PIDs repeat in containers).
                    "-XX:-UsePerfData",
                    "-Xlog:disable",
                    "-cp",
                    System.getProperty("java.class.path"),
                    PushMain.class.getName(),
                    root,
                    model.directory().toString(),
                    evaluation.toString(),
                    "taxi",
                    metadata.toString())
                .redirectErrorStream(true);
        push.environment().putAll(s3.environment());
        Process child = push.start();
        children.add(child);
        outputs.add(
            new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8)));
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
      for (int i = 0; i < 2; i++) {
        StringBuilder text = new StringBuilder();
        for (String line; (line = outputs.get(i).readLine()) != null; ) {
          text.append(line).append('\n');
        }
        assertTrue(children.get(i).waitFor(180, TimeUnit.SECONDS), text.toString());
        assertEquals(0, children.get(i).exitValue(), text.toString());
        String[] lines = text.toString().strip().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith("version "), text.toString());
        versions.add(Integer.parseInt(last.substring("version ".length())));
      }
      assertEquals(List.of(1, 2), versions.stream().sorted().toList(), "distinct versions");
      // The evaluation's Beam job registered its own options for file operations: S3's again.
      s3.register();
      ModelRegistry registry = new ModelRegistry(StoragePaths.of(root));
      assertEquals(List.of(1, 2), registry.versions("taxi"));
      assertEquals(Optional.of(2), registry.latestVersion("taxi"));
      for (int version : versions) {
        Path committed = registry.version("taxi", version);
        ArtifactDirectory.requireCommitted(committed);
        assertEquals(model.fingerprint(), ModelArtifact.read(committed).fingerprint());
      }
      try (Stream<Path> entries = Files.list(registry.root().resolve("taxi"))) {
        assertEquals(
            List.of(),
            entries
                .map(p -> p.getFileName().toString())
                .filter(name -> name.startsWith(".push-") || name.contains(".staging-"))
                .toList());
      }
      // The version a reader loads is the verified local copy of the one on S3.
      try (LoadedModel loaded = LoadedModel.load(registry.latest("taxi").orElseThrow())) {
        assertEquals(model.fingerprint(), loaded.artifact().fingerprint());
      }
    } finally {
      children.forEach(Process::destroyForcibly);
    }
  }
}
