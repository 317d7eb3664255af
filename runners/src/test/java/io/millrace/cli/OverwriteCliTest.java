package io.millrace.cli;

import static io.millrace.cli.MillraceCliTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.cli.MillraceCliTest.Run;
import io.millrace.model.ModelArtifact;
import io.millrace.testing.SharedData;
import io.millrace.transforms.io.ExamplesArtifact;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --overwrite} replaces an artifact the command itself writes, and nothing else: never one
 * of the command's inputs, a folder of the user's files, or a file of another kind. Every refusal
 * exits 2 naming both paths, and leaves every byte where it was.
 */
class OverwriteCliTest {
  @TempDir Path dir;
  private Path data;
  private Path precious;
  private Path notes;

  @BeforeEach
  void userFiles() throws IOException {
    data = dir.resolve("data");
    Files.createDirectories(data);
    precious = data.resolve("precious.csv");
    Files.copy(SharedData.path("penguins/penguins.csv"), precious);
    notes = data.resolve("notes.txt");
    Files.writeString(notes, "not a Millrace artifact\n");
  }

  /** Every file under {@code root} with its bytes, to compare before and after. */
  static Map<String, byte[]> snapshot(Path root) throws IOException {
    Map<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.filter(Files::isRegularFile).toList()) {
        files.put(root.relativize(p).toString(), Files.readAllBytes(p));
      }
    }
    return files;
  }

  static void assertUnchanged(Map<String, byte[]> before, Path root) throws IOException {
    Map<String, byte[]> after = snapshot(root);
    assertEquals(before.keySet(), after.keySet());
    before.forEach((name, bytes) -> assertArrayEquals(bytes, after.get(name), name));
  }

  static void assertRefused(Run r, String... named) {
    assertEquals(Millrace.EXIT_USAGE, r.exit(), r.out() + r.err());
    for (String path : named) {
      assertTrue(r.err().contains(path), "'" + path + "' missing from: " + r.err());
    }
  }

  private Run ingest(Path input, Path output, String... extra) {
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            "ingest",
            "--input",
            input.toString(),
            "--missing-value",
            "NA",
            "--output",
            output.toString()));
    args.addAll(List.of(extra));
    return run(args.toArray(String[]::new));
  }

  @Test
  void ingestRefusesAnOutputFolderHoldingItsInput() throws IOException {
    Map<String, byte[]> before = snapshot(dir);
    Run r = ingest(precious, data, "--overwrite");
    assertRefused(r, data.toString(), precious.toString());
    assertUnchanged(before, dir);
  }

  @Test
  void ingestRefusesAnOutputThatIsItsInput() throws IOException {
    Map<String, byte[]> before = snapshot(dir);
    assertRefused(ingest(precious, precious, "--overwrite"), precious.toString());
    assertRefused(ingest(precious, precious), precious.toString());
    assertRefused(ingest(precious, precious.resolve("out")), precious.toString());
    assertUnchanged(before, dir);
  }

  @Test
  void overwriteReplacesOnlyAnArtifactOfTheKindTheCommandWrites() throws IOException {
    Path mine = dir.resolve("mine");
    Files.createDirectories(mine.resolve("results"));
    Files.writeString(mine.resolve("results").resolve("table.csv"), "a,b\n1,2\n");
    Map<String, byte[]> before = snapshot(dir);
    Run folder = ingest(precious, mine, "--overwrite");
    assertRefused(folder, mine.toString());
    assertTrue(folder.err().contains("not an examples artifact"), folder.err());
    assertRefused(ingest(precious, notes, "--overwrite"), notes.toString());
    assertUnchanged(before, dir);

    // An examples artifact is replaced; a statistics artifact is not an examples artifact.
    Path examples = dir.resolve("examples");
    assertEquals(0, ingest(precious, examples).exit());
    Run again = ingest(precious, examples, "--overwrite");
    assertEquals(0, again.exit(), again.err());
    assertEquals(344, ExamplesArtifact.open(examples).manifest().recordsIn());
    Path stats = dir.resolve("stats");
    Run statistics = run("stats", "--examples", examples.toString(), "--output", stats.toString());
    assertEquals(0, statistics.exit(), statistics.err());
    Map<String, byte[]> withStatistics = snapshot(dir);
    assertRefused(ingest(precious, stats, "--overwrite"), stats.toString());
    // Statistics written over the examples they are computed from.
    assertRefused(
        run(
            "stats",
            "--examples",
            examples.toString(),
            "--output",
            examples.toString(),
            "--overwrite"),
        examples.toString());
    assertUnchanged(withStatistics, dir);
  }

  @Test
  void derivedOutputsStayOutOfTheirInputs() throws IOException {
    Path examples = dir.resolve("examples");
    assertEquals(0, ingest(precious, examples).exit());
    Path stats = dir.resolve("stats");
    assertEquals(
        0, run("stats", "--examples", examples.toString(), "--output", stats.toString()).exit());
    Path schema = dir.resolve("schema.pbtxt");
    Run first = run("schema", "--stats", stats.toString(), "--output", schema.toString());
    assertEquals(0, first.exit(), first.err());
    Map<String, byte[]> before = snapshot(dir);

    // A schema replaces only a schema, never a statistics file it is inferred from.
    Path statsFile = stats.resolve("train").resolve("stats.pb");
    assertRefused(
        run(
            "schema",
            "--stats",
            statsFile.toString(),
            "--output",
            statsFile.toString(),
            "--overwrite"),
        statsFile.toString());
    assertRefused(
        run("schema", "--stats", stats.toString(), "--output", precious.toString(), "--overwrite"),
        precious.toString());
    // The transform writes DIR/examples: not into the examples artifact it reads.
    Path spec = Path.of("..", "examples", "penguins", "transform.json");
    assertRefused(
        run(
            "transform",
            "--examples",
            examples.toString(),
            "--spec",
            spec.toString(),
            "--output",
            examples.toString()),
        examples.toString());
    assertRefused(
        run(
            "transform",
            "--examples",
            examples.resolve("..").resolve("examples").toString(),
            "--spec",
            spec.toString(),
            "--output",
            dir.toString(),
            "--overwrite"),
        examples.toString());
    assertUnchanged(before, dir);

    Run again =
        run("schema", "--stats", stats.toString(), "--output", schema.toString(), "--overwrite");
    assertEquals(0, again.exit(), again.err());
  }

  @Test
  void transformApplyNeverWritesOverItsInput() throws IOException {
    Path examples = dir.resolve("examples");
    assertEquals(0, ingest(precious, examples).exit());
    Path t = dir.resolve("t");
    Run transform =
        run(
            "transform",
            "--examples",
            examples.toString(),
            "--spec",
            Path.of("..", "examples", "penguins", "transform.json").toString(),
            "--output",
            t.toString());
    assertEquals(0, transform.exit(), transform.err());
    // Serving records as the transform expects them: no missing-value markers.
    Path serving = data.resolve("serving.csv");
    Files.write(
        serving, Files.readAllLines(precious).stream().filter(l -> !l.contains("NA")).toList());
    Map<String, byte[]> before = snapshot(dir);
    Path artifact = t.resolve("transform");
    assertRefused(transformApply(artifact, precious, precious), precious.toString());
    assertRefused(transformApply(artifact, precious, notes, "--overwrite"), notes.toString());
    assertRefused(
        transformApply(artifact, precious, artifact.resolve("served.jsonl")), artifact.toString());
    assertUnchanged(before, dir);

    Path served = dir.resolve("served.jsonl");
    Run first = transformApply(artifact, serving, served);
    assertEquals(0, first.exit(), first.err());
    assertRefused(transformApply(artifact, serving, served), served.toString());
    Run second = transformApply(artifact, serving, served, "--overwrite");
    assertEquals(0, second.exit(), second.err());
    assertFalse(Files.readString(served).isEmpty());
  }

  private static Run transformApply(Path artifact, Path input, Path output, String... extra) {
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            "transform-apply",
            "--artifact",
            artifact.toString(),
            "--input",
            input.toString(),
            "--output",
            output.toString()));
    args.addAll(List.of(extra));
    return run(args.toArray(String[]::new));
  }

  @Test
  void nothingIsWrittenIntoARegistryOrAPipelineRoot() throws IOException {
    Path file = PenguinsPipeline.write(dir.resolve("p"), 2);
    Run pipeline = run("run", "--pipeline", file.toString());
    assertEquals(0, pipeline.exit(), pipeline.out() + pipeline.err());
    Path root = dir.resolve("p").resolve("root");
    Path registry = root.resolve("registry");
    Path version = registry.resolve("penguins").resolve("1");
    String fingerprint = ModelArtifact.read(version).fingerprint();
    Path ingested = onlyChild(root.resolve("artifacts").resolve("ingest"));
    Path statistics = onlyChild(root.resolve("artifacts").resolve("statistics"));
    Map<String, byte[]> before = snapshot(root);

    assertRefused(
        ingest(precious, version, "--overwrite"), version.toString(), registry.toString());
    assertRefused(ingest(precious, registry.resolve("penguins").resolve("2")), registry.toString());
    assertRefused(ingest(precious, registry, "--overwrite"), registry.toString());
    assertRefused(
        run(
            "predict",
            "--registry",
            registry.toString(),
            "--name",
            "penguins",
            "--input",
            precious.toString(),
            "--output",
            version.toString(),
            "--overwrite"),
        version.toString());
    assertRefused(
        run(
            "stats",
            "--examples",
            ingested.toString(),
            "--output",
            statistics.toString(),
            "--overwrite"),
        statistics.toString(),
        root.toString());
    assertRefused(ingest(precious, root, "--overwrite"), root.toString());
    assertRefused(ingest(precious, root.resolve("mine")), root.toString());
    assertUnchanged(before, root);
    assertEquals(fingerprint, ModelArtifact.read(version).fingerprint());
  }

  private static Path onlyChild(Path folder) throws IOException {
    try (Stream<Path> children = Files.list(folder)) {
      List<Path> all = children.toList();
      assertEquals(1, all.size(), all.toString());
      return all.get(0);
    }
  }
}
