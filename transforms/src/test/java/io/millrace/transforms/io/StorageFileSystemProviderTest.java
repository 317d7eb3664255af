package io.millrace.transforms.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.ArtifactIntegrityException;
import io.millrace.artifact.ArtifactKind;
import io.millrace.artifact.ContentDigest;
import io.millrace.artifact.StoragePaths;
import io.millrace.testing.S3Server;
import io.millrace.testing.StorageServers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** java.nio's Path and Files on s3:// against a real S3-compatible server (S3Proxy). */
@ExtendWith(StorageServers.class)
class StorageFileSystemProviderTest {
  @TempDir Path local;

  @Test
  void pathsParseResolveAndRelativizeAsLocalOnes() {
    Path root = StoragePaths.of("s3://bucket/pipelines/taxi");
    assertEquals("s3://bucket/pipelines/taxi", root.toString());
    assertEquals(Path.of(java.net.URI.create("s3://bucket/pipelines/taxi")), root);
    Path shard = root.resolve("artifacts").resolve("ingest/0123/train/part-0.avro");
    assertEquals("s3://bucket/pipelines/taxi/artifacts/ingest/0123/train/part-0.avro", "" + shard);
    assertEquals("artifacts/ingest/0123/train/part-0.avro", root.relativize(shard).toString());
    assertTrue(shard.startsWith(root));
    assertFalse(root.startsWith(shard));
    assertEquals("part-0.avro", shard.getFileName().toString());
    assertEquals(root, shard.resolve("../../../../..").normalize());
    assertEquals(root, StoragePaths.of(root.toString()));
    assertEquals(root.resolve("a/b"), root.resolve(Path.of("a", "b")));
  }

  @Test
  void anArtifactIsTrustedOnlyOnceItsMarkerIsWrittenLast(S3Server s3) throws IOException {
    s3.createBucket("commit");
    s3.register();
    Path target = StoragePaths.of("s3://commit/artifacts/examples");

    // A crash before the commit leaves staged objects beside the target and nothing at it.
    ArtifactDirectory crashed = ArtifactDirectory.begin(target);
    Files.writeString(crashed.staging().resolve("manifest.json"), "{\"v\": 1}");
    assertFalse(Files.exists(target));
    assertTrue(ArtifactDirectory.isLeftover(crashed.staging().getFileName().toString()));

    ArtifactDirectory first = ArtifactDirectory.begin(target);
    Files.writeString(first.staging().resolve("manifest.json"), "{\"v\": 1}");
    Files.write(first.staging().resolve("train/part-0.avro"), new byte[] {1, 2, 3});
    first.commit();
    ArtifactDirectory.requireCommitted(target);
    assertFalse(Files.exists(first.staging()), "the staged copy is deleted");
    assertEquals("{\"v\": 1}", Files.readString(target.resolve("manifest.json")));

    // A crash in the middle of a replacement: the marker went first, so nothing is trusted.
    Files.delete(target.resolve(ArtifactDirectory.COMMITTED));
    assertThrows(
        ArtifactIntegrityException.class, () -> ArtifactDirectory.requireCommitted(target));

    ArtifactDirectory second =
        ArtifactDirectory.begin(
            target, true, ArtifactKind.withEntries("an artifact", "manifest.json"));
    Files.writeString(second.staging().resolve("manifest.json"), "{\"v\": 2}");
    second.commit();
    ArtifactDirectory.requireCommitted(target);
    assertFalse(Files.exists(target.resolve("train/part-0.avro")), "the replaced files are gone");

    // A file of a committed artifact that goes missing is noticed.
    Files.writeString(target.resolve("extra.txt"), "added after the commit");
    ArtifactDirectory.requireCommitted(target);
    Files.delete(target.resolve("manifest.json"));
    assertThrows(
        ArtifactIntegrityException.class, () -> ArtifactDirectory.requireCommitted(target));
  }

  @Test
  void filesWritesListsCopiesAndDeletesObjects(S3Server s3) throws IOException {
    s3.createBucket("nio");
    s3.register();
    Path dir = StoragePaths.of("s3://nio/artifact");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("manifest.json"), "{}");
    Files.write(dir.resolve("train/part-0.avro"), new byte[] {1, 2, 3});
    assertEquals("{}", Files.readString(dir.resolve("manifest.json")));
    assertTrue(Files.isDirectory(dir));
    assertTrue(Files.isDirectory(dir.resolve("train")));
    assertTrue(Files.isRegularFile(dir.resolve("train/part-0.avro")));
    assertEquals(3, Files.size(dir.resolve("train/part-0.avro")));
    assertFalse(Files.exists(dir.resolve("eval")));
    assertThrows(NoSuchFileException.class, () -> Files.readString(dir.resolve("gone.json")));
    List<String> children = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*.json")) {
      entries.forEach(p -> children.add(p.getFileName().toString()));
    }
    assertEquals(List.of("manifest.json"), children);
    try (Stream<Path> walk = Files.walk(dir)) {
      assertEquals(
          List.of("manifest.json", "train/part-0.avro"),
          walk.filter(Files::isRegularFile)
              .map(p -> dir.relativize(p).toString())
              .sorted()
              .toList());
    }
    assertThrows(
        AtomicMoveNotSupportedException.class,
        () -> Files.move(dir, dir.resolveSibling("moved"), StandardCopyOption.ATOMIC_MOVE));

    // A local tree and its copy on S3 have the same content fingerprint.
    Path tree = local.resolve("tree");
    Files.createDirectories(tree.resolve("a"));
    Files.writeString(tree.resolve("a/x.txt"), "x", StandardCharsets.UTF_8);
    Files.writeString(tree.resolve("y.txt"), "yy", StandardCharsets.UTF_8);
    Path copy = dir.resolveSibling("copy");
    ArtifactDirectory.copyRecursively(tree, copy);
    assertEquals(ContentDigest.of(tree), ContentDigest.of(copy));
    Path back = local.resolve("back");
    ArtifactDirectory.copyRecursively(copy, back);
    assertEquals(ContentDigest.of(tree), ContentDigest.of(back));

    ArtifactDirectory.deleteRecursively(dir);
    ArtifactDirectory.deleteRecursively(copy);
    assertFalse(Files.exists(dir));
    assertFalse(Files.exists(copy));
  }
}
