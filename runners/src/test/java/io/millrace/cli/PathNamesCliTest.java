package io.millrace.cli;

import static io.millrace.cli.MillraceCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.cli.MillraceCliTest.Run;
import io.millrace.testing.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Names that become paths (step outputs name vocabulary files, split names name directories) are
 * refused where they are read, with exit code 2, before anything is written anywhere.
 */
class PathNamesCliTest {
  @TempDir Path dir;

  private static void assertEmpty(Path folder) throws IOException {
    try (Stream<Path> files = Files.walk(folder)) {
      assertEquals(1, files.count(), folder + " was written to");
    }
  }

  @Test
  void aTransformOutputNamedLikeAPathIsRefusedBeforeAnythingIsWritten() throws IOException {
    Path examples = dir.resolve("a").resolve("examples");
    Run ingest =
        run(
            "ingest",
            "--input",
            SharedData.path("penguins/penguins.csv").toString(),
            "--missing-value",
            "NA",
            "--output",
            examples.toString());
    assertEquals(0, ingest.exit(), ingest.err());
    // From DIR/a/t/.transform.staging-*/vocabularies/, four levels up is DIR itself.
    Path elsewhere = dir.resolve("elsewhere");
    Files.createDirectories(elsewhere);
    Path spec = dir.resolve("evil.json");
    Files.writeString(
        spec,
        "{\"steps\": [{\"output\": \"../../../../elsewhere/x\","
            + " \"kind\": \"COMPUTE_AND_APPLY_VOCABULARY\", \"inputs\": [\"island\"]}]}");
    Path output = dir.resolve("a").resolve("t");
    Run transform =
        run(
            "transform",
            "--examples",
            examples.toString(),
            "--spec",
            spec.toString(),
            "--output",
            output.toString());
    assertEquals(Millrace.EXIT_USAGE, transform.exit(), transform.out() + transform.err());
    assertTrue(transform.err().contains("'../../../../elsewhere/x'"), transform.err());
    assertTrue(transform.err().contains(spec.toString()), transform.err());
    assertEmpty(elsewhere);
    assertFalse(Files.exists(output));
  }

  @Test
  void aSplitNamedLikeAPathIsRefusedBeforeAnythingIsWritten() throws IOException {
    Path evil = dir.resolve("evil");
    Files.createDirectories(evil);
    Path output = dir.resolve("a").resolve("out");
    Run ingest =
        run(
            "ingest",
            "--input-split",
            "../../evil=" + SharedData.path("penguins/penguins.csv"),
            "--missing-value",
            "NA",
            "--output",
            output.toString());
    assertEquals(Millrace.EXIT_USAGE, ingest.exit(), ingest.out() + ingest.err());
    assertTrue(ingest.err().contains("split name '../../evil'"), ingest.err());
    assertEmpty(evil);
    assertFalse(Files.exists(output.getParent()));
  }
}
