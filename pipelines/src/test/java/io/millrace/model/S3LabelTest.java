package io.millrace.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.StoragePaths;
import io.millrace.testing.S3Server;
import io.millrace.testing.StorageServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Labels of a registry on S3 (S3Proxy): written whole, read back, only to committed versions. */
@ExtendWith(StorageServers.class)
class S3LabelTest {
  @TempDir Path dir;

  @Test
  void labelsOfARegistryOnS3NameCommittedVersions(S3Server s3) throws Exception {
    s3.createBucket("models");
    s3.register();
    ModelArtifact model = TaxiModels.writeGood(dir.resolve("model"), "taxi");
    ModelRegistry registry = new ModelRegistry(StoragePaths.of("s3://models/registry"));
    for (int version : List.of(1, 2)) {
      ArtifactDirectory target =
          ArtifactDirectory.begin(
              registry.root().resolve("taxi").resolve(Integer.toString(version)));
      ArtifactDirectory.copyRecursively(model.directory(), target.staging());
      target.commit();
    }
    assertEquals(List.of(1, 2), registry.versions("taxi"));

    registry.label("taxi", 1, "stable");
    registry.label("taxi", 2, "canary");
    registry.label("taxi", 2, "stable");
    assertEquals(Map.of("stable", 2, "canary", 2), registry.labels("taxi"));
    IllegalArgumentException uncommitted =
        assertThrows(IllegalArgumentException.class, () -> registry.label("taxi", 3, "stable"));
    assertTrue(
        uncommitted.getMessage().contains("no committed version 3"), uncommitted.getMessage());
    assertEquals(2, registry.labels("taxi").get("stable"));
    try (Stream<Path> files = Files.list(registry.root().resolve("taxi").resolve("labels"))) {
      assertEquals(
          List.of("canary", "stable"),
          files.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }
}
