package io.millrace.transforms.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.ingest.InputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputPatternTest {
  @TempDir Path dir;

  @BeforeEach
  void layOutSpans() throws IOException {
    for (String f :
        List.of(
            "span-1/v1/a.csv",
            "span-1/v2/a.csv",
            "span-2/v1/a.csv",
            "span-2/v1/b.csv",
            "span-10/v3/a.csv",
            "span-10/v12/a.csv",
            "span-10/v12/b.csv")) {
      Path p = dir.resolve(f);
      Files.createDirectories(p.getParent());
      Files.writeString(p, "x\n1\n");
    }
  }

  private List<String> names(ResolvedInput input) {
    return input.files().stream()
        .map(m -> dir.relativize(Path.of(m.resourceId().toString())).toString())
        .toList();
  }

  @Test
  void picksTheLatestSpanAtItsLatestVersionNumerically() throws IOException {
    ResolvedInput input = InputPattern.of(dir + "/span-{SPAN}/v{VERSION}/*.csv").resolve();
    assertEquals(10L, input.span());
    assertEquals(12L, input.version());
    assertEquals(List.of("span-10/v12/a.csv", "span-10/v12/b.csv"), names(input));
  }

  @Test
  void selectsARangeOfSpansEachAtItsLatestVersion() throws IOException {
    ResolvedInput input =
        InputPattern.of(dir + "/span-{SPAN}/v{VERSION}/*.csv").spans(1, 2).resolve();
    assertEquals(List.of("span-1/v2/a.csv", "span-2/v1/a.csv", "span-2/v1/b.csv"), names(input));
  }

  @Test
  void aMissingSpanInARangeIsAnErrorNamingTheSpans() {
    InputException e =
        assertThrows(
            InputException.class,
            () -> InputPattern.of(dir + "/span-{SPAN}/v{VERSION}/*.csv").spans(2, 3).resolve());
    assertTrue(e.getMessage().contains("span 3"), e.getMessage());
  }

  @Test
  void withoutPlaceholdersEveryMatchIsRead() throws IOException {
    ResolvedInput input = InputPattern.of(dir + "/span-2/v1/*.csv").resolve();
    assertNull(input.span());
    assertEquals(2, input.files().size());
  }

  @Test
  void anEmptyMatchNamesThePattern() {
    InputException e =
        assertThrows(InputException.class, () -> InputPattern.of(dir + "/nothing/*.csv").resolve());
    assertTrue(e.getMessage().contains(dir + "/nothing/*.csv"), e.getMessage());
  }

  @Test
  void fingerprintsContent() throws IOException {
    ResolvedInput input = InputPattern.of(dir + "/span-2/v1/a.csv").resolve();
    ResolvedInput.FileFingerprint print = input.fingerprint().get(0);
    assertEquals(4, print.sizeBytes());
    assertEquals(
        "daff832f802000e645771a60983c76c963f6ee602a6230e45237bd360e91cc1a",
        print.sha256()); // sha256sum of "x\n1\n"
    Files.writeString(dir.resolve("span-2/v1/a.csv"), "x\n2\n");
    String changed =
        InputPattern.of(dir + "/span-2/v1/a.csv").resolve().fingerprint().get(0).sha256();
    assertTrue(!changed.equals(print.sha256()));
  }

  @Test
  void aMissingLocalPathIsNamedAtOnceNotSearchedFor() {
    String missing = "/millrace-missing-" + System.nanoTime();
    for (String pattern : new String[] {missing + ".csv", missing + "/span-{SPAN}/*.csv"}) {
      InputException e =
          assertTimeoutPreemptively(
              Duration.ofSeconds(10),
              () -> assertThrows(InputException.class, () -> InputPattern.of(pattern).resolve()));
      assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }
  }
}
