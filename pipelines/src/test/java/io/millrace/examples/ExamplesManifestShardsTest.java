package io.millrace.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.ArtifactIntegrityException;
import io.millrace.artifact.ContentDigest;
import io.millrace.stage.IngestJob;
import io.millrace.testing.SharedData;
import io.millrace.transforms.io.ExamplesArtifact;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The examples manifest lists every shard with its record count, size and SHA-256, as the shard was
 * written; {@link ExamplesManifest#verify} proves a split whole or names what differs.
 */
class ExamplesManifestShardsTest {
  @TempDir static Path dir;
  private static Path ingested;
  private static ExamplesManifest manifest;

  @BeforeAll
  static void ingest() throws IOException {
    ingested = dir.resolve("taxi");
    manifest =
        IngestJob.run(
            IngestJob.Config.of(SharedData.path("taxi/tutorial/train.csv").toString(), ingested),
            TestPipeline.testingPipelineOptions(),
            new PrintWriter(new StringWriter()));
  }

  private static Path copy(String name) throws IOException {
    Path copy = dir.resolve(name);
    ArtifactDirectory.copyRecursively(ingested, copy);
    return copy;
  }

  private static Path shard(Path artifact, String split) throws IOException {
    try (Stream<Path> files = Files.list(artifact.resolve(split))) {
      return files.sorted().findFirst().orElseThrow();
    }
  }

  @Test
  void everyShardIsListedWithTheCountAndHashOfItsBytes() throws IOException {
    for (ExamplesManifest.Split split : manifest.splits()) {
      assertNotNull(split.shards(), split.name());
      assertEquals(
          split.count(),
          split.shards().stream().mapToLong(ExamplesManifest.Shard::records).sum(),
          split.name());
      List<Path> files = ExamplesArtifact.open(ingested).files(split.name());
      assertEquals(files.size(), split.shards().size());
      for (ExamplesManifest.Shard shard : split.shards()) {
        Path file = ingested.resolve(shard.file());
        assertTrue(files.contains(file), shard.file());
        assertEquals(Files.size(file), shard.sizeBytes(), shard.file());
        assertEquals(ContentDigest.sha256(file), shard.sha256(), shard.file());
      }
    }
    assertEquals(manifest, ExamplesManifest.read(ingested));
    manifest.verify(ingested);
  }

  @Test
  void aMissingShardIsNamed() throws IOException {
    Path copy = copy("missing");
    Path shard = shard(copy, "train");
    Files.delete(shard);
    ArtifactIntegrityException e =
        assertThrows(ArtifactIntegrityException.class, () -> manifest.verify(copy));
    assertTrue(e.getMessage().contains(copy.toString()), e.getMessage());
    assertTrue(
        e.getMessage().contains("train/" + shard.getFileName() + " is missing"), e.getMessage());
  }

  @Test
  void aChangedByteAndAnExtraFileAreNamed() throws IOException {
    Path copy = copy("changed");
    Path shard = shard(copy, "eval");
    byte[] bytes = Files.readAllBytes(shard);
    bytes[bytes.length / 2] ^= 1;
    Files.write(shard, bytes);
    Files.copy(shard, copy.resolve("train").resolve("part-99999-of-99999.avro"));
    ArtifactIntegrityException e =
        assertThrows(ArtifactIntegrityException.class, () -> manifest.verify(copy));
    assertTrue(
        e.getMessage().contains("eval/" + shard.getFileName() + " has changed"), e.getMessage());
    assertTrue(
        e.getMessage().contains("train/part-99999-of-99999.avro is not one of the split's shards"),
        e.getMessage());
  }
}
