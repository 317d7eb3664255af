package io.millrace.transforms.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;

/** What every file system must do through Beam's FileSystems, checked under a root URI. */
final class FileSystemRoundTrip {
  private FileSystemRoundTrip() {}

  /** Creates, reads, matches (globs), copies, renames and deletes files under {@code root/}. */
  static void check(String root) throws IOException {
    write(root + "data/span-1/a.csv", "a,b\n1,2\n");
    write(root + "data/span-1/b.csv", "a,b\n3,4\n");
    write(root + "data/span-2/c.csv", "a,b\n5,6\n");
    write(root + "data/notes.txt", "not a csv");

    assertEquals("a,b\n1,2\n", read(root + "data/span-1/a.csv"));
    assertEquals(
        List.of(root + "data/span-1/a.csv", root + "data/span-1/b.csv"),
        names(root + "data/span-1/*.csv"));
    assertEquals(
        List.of(root + "data/span-1/a.csv", root + "data/span-1/b.csv", root + "data/span-2/c.csv"),
        names(root + "data/**.csv"));
    assertEquals(List.of(), names(root + "data/span-9/*.csv"));
    assertEquals(8, FileSystems.match(root + "data/span-1/a.csv").metadata().get(0).sizeBytes());

    FileSystems.copy(
        List.of(resource(root + "data/span-1/a.csv")), List.of(resource(root + "copy/a.csv")));
    assertEquals("a,b\n1,2\n", read(root + "copy/a.csv"));
    assertEquals("a,b\n1,2\n", read(root + "data/span-1/a.csv"));

    FileSystems.rename(
        List.of(resource(root + "copy/a.csv")), List.of(resource(root + "moved/a.csv")));
    assertEquals("a,b\n1,2\n", read(root + "moved/a.csv"));
    assertEquals(List.of(), names(root + "copy/*"));

    FileSystems.delete(
        List.of(resource(root + "moved/a.csv"), resource(root + "data/notes.txt")),
        MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
    assertEquals(List.of(), names(root + "moved/*"));
    assertEquals(MatchResult.Status.NOT_FOUND, FileSystems.match(root + "data/notes.txt").status());
  }

  private static void write(String uri, String text) throws IOException {
    try (OutputStream out =
        Channels.newOutputStream(FileSystems.create(resource(uri), "text/plain"))) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static String read(String uri) throws IOException {
    try (InputStream in = Channels.newInputStream(FileSystems.open(resource(uri)))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static List<String> names(String pattern) throws IOException {
    return FileSystems.match(pattern, EmptyMatchTreatment.ALLOW).metadata().stream()
        .map(m -> m.resourceId().toString())
        .sorted()
        .toList();
  }

  private static ResourceId resource(String uri) {
    return FileSystems.matchNewResource(uri, false);
  }
}
