package io.millrace.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.StoragePaths;
import io.millrace.evaluate.EvaluationConfig;
import io.millrace.metadata.MetadataStore;
import io.millrace.testing.S3Server;
import io.millrace.testing.StorageServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
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
    List<Integer> versions =
        PushMain.race(
            2,
            s3.environment(),
            Duration.ofSeconds(180),
            root,
            model.directory(),
            evaluation,
            "taxi",
            metadata);
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
  }
}
