package io.millrace.artifact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PathNamesTest {
  @TempDir Path dir;

  @Test
  void aSegmentIsOneHarmlessFileName() {
    for (String name : new String[] {"train", "fare_z", "span-3.v2", "_label", "A1"}) {
      assertEquals(name, PathNames.requireSegment("split name", name));
    }
    for (String name :
        new String[] {
          "",
          ".",
          "..",
          ".hidden",
          "-rf",
          "a/b",
          "a\\b",
          "../x",
          "/etc",
          "a b",
          "é",
          "x".repeat(129)
        }) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> PathNames.requireSegment("split name", name));
      assertTrue(e.getMessage().startsWith("split name '" + name + "'"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> PathNames.requireSegment("name", null));
  }

  @Test
  void aRecordedPathResolvesOnlyInsideItsBase() throws IOException {
    Path base = dir.resolve("artifact");
    Files.createDirectories(base.resolve("vocabularies"));
    assertEquals(
        base.resolve("vocabularies/x.txt"),
        PathNames.resolveInside(base, "vocabularies/x.txt", "vocabulary file"));
    assertEquals(
        base.resolve("train/part-*.avro"),
        PathNames.resolveInside(base, "train/part-*.avro", "file pattern"));
    for (String outside :
        new String[] {"../x", "a/../../x", "a/../b", "/etc/passwd", base.toString(), "", "."}) {
      IOException e =
          assertThrows(
              IOException.class, () -> PathNames.resolveInside(base, outside, "vocabulary file"));
      assertTrue(e.getMessage().contains("'" + outside + "'"), e.getMessage());
    }
    Files.writeString(dir.resolve("secret.txt"), "x");
    Files.createSymbolicLink(base.resolve("vocabularies/link.txt"), dir.resolve("secret.txt"));
    assertThrows(
        IOException.class,
        () -> PathNames.resolveInside(base, "vocabularies/link.txt", "vocabulary file"));
  }
}
