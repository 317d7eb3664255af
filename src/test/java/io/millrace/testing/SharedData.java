package io.millrace.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Finds the real data sets of {@code ../shared/data} beside the checkout, as CI lays it out. */
public final class SharedData {
  private SharedData() {}

  public static Path path(String relative) {
    for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path data = dir.resolve("shared").resolve("data");
      if (Files.exists(data.resolve("SOURCES.md"))) {
        Path file = data.resolve(relative);
        if (!Files.exists(file)) {
          throw new IllegalStateException("no shared data file " + file);
        }
        return file;
      }
    }
    throw new IllegalStateException(
        "shared/data not found above " + Paths.get("").toAbsolutePath());
  }
}
