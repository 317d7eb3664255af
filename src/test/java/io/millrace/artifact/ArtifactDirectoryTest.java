package io.millrace.artifact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an overwriting commit may replace: an artifact of its own kind, nothing else. */
class ArtifactDirectoryTest {
  private static final ArtifactKind KIND =
      ArtifactKind.withLayout("a test artifact", "manifest.json", "test/");

  @TempDir Path dir;

  private static void write(Path target, boolean overwrite, String content) throws IOException {
    ArtifactDirectory artifact = ArtifactDirectory.begin(target, overwrite, KIND);
    Files.writeString(artifact.staging().resolve("manifest.json"), "{\"layout\": \"test/1\"}");
    Files.writeString(artifact.staging().resolve("data.txt"), content);
    artifact.commit();
  }

  private long entries() throws IOException {
    try (Stream<Path> all = Files.list(dir)) {
      return all.count();
    }
  }

  @Test
  void overwriteReplacesAnArtifactOfItsKindOnly() throws IOException {
    Path target = dir.resolve("out");
    write(target, false, "first");
    IllegalStateException exists =
        assertThrows(IllegalStateException.class, () -> write(target, false, "second"));
    assertTrue(exists.getMessage().contains("--overwrite"), exists.getMessage());
    write(target, true, "second");
    assertEquals("second", Files.readString(target.resolve("data.txt")));

    Path folder = dir.resolve("folder");
    Files.createDirectories(folder);
    Files.writeString(folder.resolve("mine.txt"), "mine");
    Path file = dir.resolve("file.txt");
    Files.writeString(file, "mine");
    Path otherKind = dir.resolve("other");
    Files.createDirectories(otherKind);
    Files.writeString(otherKind.resolve("manifest.json"), "{\"layout\": \"other/1\"}");
    Path link = dir.resolve("link");
    Files.createSymbolicLink(link, target);
    for (Path refused : new Path[] {folder, file, otherKind, link}) {
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> write(refused, true, "x"));
      assertTrue(e.getMessage().contains("is not a test artifact"), e.getMessage());
    }
    assertEquals("mine", Files.readString(folder.resolve("mine.txt")));
    assertEquals("mine", Files.readString(file));
    assertEquals("second", Files.readString(target.resolve("data.txt")));
    // Staging is left only by a crash: a refused begin creates none.
    assertEquals(5, entries());
  }

  @Test
  void whatAppearedAtTheTargetMeanwhileIsNotReplaced() throws IOException {
    Path target = dir.resolve("out");
    ArtifactDirectory artifact = ArtifactDirectory.begin(target, true, KIND);
    Files.createDirectories(target);
    Files.writeString(target.resolve("mine.txt"), "mine");
    assertThrows(IllegalStateException.class, artifact::commit);
    artifact.abandon();
    assertEquals("mine", Files.readString(target.resolve("mine.txt")));
    assertFalse(Files.exists(artifact.staging()));
  }
}
