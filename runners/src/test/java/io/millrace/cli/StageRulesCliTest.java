package io.millrace.cli;

import static io.millrace.cli.MillraceCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.evaluate.Evaluation;
import io.millrace.examples.ExamplesManifest;
import io.millrace.model.ModelArtifact;
import io.millrace.model.ModelRegistry;
import io.millrace.testing.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rules the command line and {@code pipeline.yaml} used to apply differently, now one rule
 * each: a split feature hashes records into the default or given hash splits and is refused where
 * no record is hashed; the baseline an evaluation compares with is the registry's latest version
 * that is not the candidate itself.
 */
class StageRulesCliTest {
  @TempDir Path dir;

  private static String penguins() {
    return SharedData.path("penguins/penguins.csv").toString();
  }

  @Test
  void aSplitFeatureHashesIntoTheDefaultHashSplits() throws IOException {
    MillraceCliTest.Run ingested =
        run(
            "ingest",
            "--input",
            penguins(),
            "--missing-value",
            "NA",
            "--split-feature",
            "island",
            "--output",
            dir.resolve("hashed").toString());
    assertEquals(0, ingested.exit(), ingested.out() + ingested.err());
    ExamplesManifest manifest = ExamplesManifest.read(dir.resolve("hashed"));
    assertEquals("island", manifest.splitFeature());
    assertEquals(List.of("train", "eval"), manifest.splits().stream().map(s -> s.name()).toList());
  }

  @Test
  void aSplitFeatureIsRefusedWhereEachInputIsASplitOfItsOwn() {
    assertRefusedWritingNothing(
        dir.resolve("per-split"),
        "ingest",
        "--input-split",
        "train=" + penguins(),
        "--input-split",
        "eval=" + penguins());
  }

  @Test
  void aSplitFeatureIsRefusedWhereTheInputIsOneSplit() {
    assertRefusedWritingNothing(dir.resolve("stats"), "stats", "--input", penguins());
  }

  /** The command with a split feature is refused (exit 2) and writes nothing at {@code output}. */
  private static void assertRefusedWritingNothing(Path output, String... command) {
    List<String> args = new java.util.ArrayList<>(List.of(command));
    args.addAll(
        List.of(
            "--missing-value", "NA", "--split-feature", "island", "--output", output.toString()));
    MillraceCliTest.Run refused = run(args.toArray(String[]::new));
    assertEquals(Millrace.EXIT_USAGE, refused.exit(), refused.out() + refused.err());
    assertTrue(refused.err().contains("split feature"), refused.err());
    assertFalse(Files.exists(output));
  }

  @Test
  void pipelineYamlFollowsTheSameSplitFeatureRule() throws IOException {
    Path hashed = dir.resolve("hashed.yaml");
    Files.writeString(
        hashed,
        String.join(
            "\n",
            "name: hashed",
            "root: root",
            "input:",
            "  pattern: " + penguins(),
            "  missingValues: [NA]",
            "  splitFeature: island",
            "validation: {block: false}",
            ""));
    MillraceCliTest.Run ran = run("run", "--pipeline", hashed.toString());
    assertEquals(0, ran.exit(), ran.out() + ran.err());
    Path examples;
    try (java.util.stream.Stream<Path> keys = Files.list(dir.resolve("root/artifacts/ingest"))) {
      examples =
          keys.filter(p -> Files.exists(p.resolve("manifest.json"))).findFirst().orElseThrow();
    }
    ExamplesManifest manifest = ExamplesManifest.read(examples);
    assertEquals("island", manifest.splitFeature());
    assertEquals(List.of("train", "eval"), manifest.splits().stream().map(s -> s.name()).toList());

    Path perSplit = dir.resolve("per-split.yaml");
    Files.writeString(
        perSplit,
        String.join(
            "\n",
            "name: per-split",
            "root: root-per-split",
            "input:",
            "  patterns: {train: " + penguins() + ", eval: " + penguins() + "}",
            "  splitFeature: island",
            ""));
    MillraceCliTest.Run refused = run("run", "--pipeline", perSplit.toString());
    assertEquals(Millrace.EXIT_USAGE, refused.exit(), refused.out() + refused.err());
    assertTrue(refused.err().contains("split feature"), refused.err());
    assertTrue(refused.err().contains("splitFeature"), refused.err());
    assertFalse(Files.exists(dir.resolve("root-per-split")));
  }

  @Test
  void theBaselineIsTheLatestVersionThatIsNotTheCandidateItself() throws IOException {
    PenguinsCli.Prepared penguins = PenguinsCli.ingestAndTransform(dir);
    Path config = dir.resolve("passing.json");
    Files.writeString(
        config, "{\"thresholds\": [{\"metric\": \"accuracy\", \"lowerBound\": 0.0}]}");
    Path modelConfig = dir.resolve("model.json");
    Files.writeString(modelConfig, "{\"kind\": \"LINEAR\", \"epochs\": 2}");
    PenguinsCli.ok(
        run(penguins.train(dir.resolve("trained"), modelConfig.toString()).toArray(String[]::new)));
    Path model = dir.resolve("trained/model");
    Path registry = dir.resolve("registry");
    List<String> evaluate =
        List.of(
            "evaluate",
            "--model",
            model.toString(),
            "--examples",
            penguins.examples().toString(),
            "--config",
            config.toString(),
            "--registry",
            registry.toString(),
            "--name",
            "penguins",
            "--output");
    PenguinsCli.ok(run(with(evaluate, dir.resolve("first-eval").toString())));
    PenguinsCli.ok(
        run(
            "push",
            "--model",
            model.toString(),
            "--evaluation",
            dir.resolve("first-eval").toString(),
            "--registry",
            registry.toString(),
            "--name",
            "penguins"));

    // The candidate is the registry's latest version: it is not its own baseline.
    MillraceCliTest.Run again =
        PenguinsCli.ok(run(with(evaluate, dir.resolve("again").toString())));
    Evaluation evaluation = Evaluation.read(dir.resolve("again"));
    assertEquals(ModelArtifact.read(model).fingerprint(), evaluation.candidate().fingerprint());
    assertNull(evaluation.baseline(), again.out());
    assertTrue(again.out().contains("(no baseline)"), again.out());

    // Pushing it again is checked as any push, and writes no second version of the same model.
    List<String> push =
        List.of(
            "push",
            "--model",
            model.toString(),
            "--registry",
            registry.toString(),
            "--name",
            "penguins",
            "--evaluation");
    MillraceCliTest.Run pushedAgain =
        PenguinsCli.ok(run(with(push, dir.resolve("again").toString())));
    assertTrue(pushedAgain.out().contains("Not pushed again"), pushedAgain.out());
    Path failing = dir.resolve("failing.json");
    Files.writeString(
        failing, "{\"thresholds\": [{\"metric\": \"accuracy\", \"lowerBound\": 1.01}]}");
    List<String> strict = new java.util.ArrayList<>(evaluate);
    strict.set(strict.indexOf(config.toString()), failing.toString());
    assertEquals(
        Millrace.EXIT_NOT_BLESSED, run(with(strict, dir.resolve("strict").toString())).exit());
    MillraceCliTest.Run refused = run(with(push, dir.resolve("strict").toString()));
    assertEquals(Millrace.EXIT_NOT_BLESSED, refused.exit(), refused.out() + refused.err());
    assertEquals(List.of(1), new ModelRegistry(registry).versions("penguins"));
  }

  private static String[] with(List<String> args, String last) {
    return java.util.stream.Stream.concat(args.stream(), java.util.stream.Stream.of(last))
        .toArray(String[]::new);
  }
}
