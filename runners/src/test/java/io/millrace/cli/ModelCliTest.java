package io.millrace.cli;

import static io.millrace.cli.MillraceCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.evaluate.Evaluation;
import io.millrace.model.ModelArtifact;
import io.millrace.model.ModelRegistry;
import io.millrace.testing.DamagedFiles;
import io.millrace.testing.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model half from the command line on penguins: train, evaluate against thresholds and the
 * registry's latest model, push only a blessed model, and predict from the registry; on the
 * DirectRunner and on Flink embedded, with the same model and the same numbers on both.
 */
class ModelCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  static PenguinsCli.Prepared penguins;
  static Path examples;
  static Path evaluationConfig;

  @BeforeAll
  static void ingestAndTransform() throws IOException {
    penguins = PenguinsCli.ingestAndTransform(dir);
    examples = penguins.examples();
    evaluationConfig = dir.resolve("evaluation.json");
    Files.writeString(
        evaluationConfig,
        """
        {"slices": [["island"]], "minSliceSize": 10,
         "thresholds": [
           {"metric": "accuracy", "lowerBound": 0.9,
            "change": {"absolute": -0.02, "direction": "HIGHER_IS_BETTER"}}]}
        """);
  }

  private static MillraceCliTest.Run ok(MillraceCliTest.Run run) {
    return PenguinsCli.ok(run);
  }

  private static String[] args(List<String> base, String... more) {
    List<String> all = new ArrayList<>(base);
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  private static List<String> train(Path output, String modelConfig) {
    return penguins.train(output, modelConfig);
  }

  private static List<String> evaluate(Path model, Path output) {
    return List.of(
        "evaluate",
        "--model",
        model.toString(),
        "--examples",
        examples.toString(),
        "--config",
        evaluationConfig.toString(),
        "--registry",
        dir.resolve("registry").toString(),
        "--name",
        "penguins",
        "--output",
        output.toString());
  }

  private static List<JsonNode> predictions(Path output) throws IOException {
    List<JsonNode> rows = new ArrayList<>();
    try (Stream<Path> files = Files.list(output.resolve("predictions"))) {
      for (Path file : files.sorted().toList()) {
        for (String line : Files.readAllLines(file)) {
          rows.add(JSON.readTree(line));
        }
      }
    }
    rows.sort(java.util.Comparator.comparing(JsonNode::toString));
    return rows;
  }

  @Test
  void aBlessedModelIsPushedAndServesAndABadOneIsRefused() throws IOException {
    String goodConfig = Path.of("..", "examples", "penguins", "model.json").toString();
    ok(run(train(dir.resolve("good"), goodConfig).toArray(String[]::new)));
    Path good = dir.resolve("good/model");
    MillraceCliTest.Run evaluated =
        ok(run(evaluate(good, dir.resolve("good-eval")).toArray(String[]::new)));
    assertTrue(evaluated.out().contains("BLESSED"), evaluated.out());
    Evaluation evaluation = Evaluation.read(dir.resolve("good-eval"));
    assertTrue(evaluation.candidateMetrics().overall().get("accuracy") >= 0.95);
    assertTrue(evaluation.validation().skipped().size() > 0, "no baseline: change skipped");
    assertTrue(
        evaluation.candidateMetrics().slices().keySet().stream()
            .anyMatch(s -> s.startsWith("island=")));

    Path registry = dir.resolve("registry");
    MillraceCliTest.Run pushed =
        ok(
            run(
                "push",
                "--model",
                good.toString(),
                "--evaluation",
                dir.resolve("good-eval").toString(),
                "--registry",
                registry.toString(),
                "--name",
                "penguins"));
    assertTrue(pushed.out().contains("version 1"), pushed.out());

    // A candidate trained for one step: below the value threshold and worse than version 1.
    Path badConfig = dir.resolve("bad.json");
    Files.writeString(
        badConfig, "{\"kind\": \"LINEAR\", \"maxSteps\": 1, \"learningRate\": 0.0001}");
    ok(run(train(dir.resolve("bad"), badConfig.toString()).toArray(String[]::new)));
    MillraceCliTest.Run refused =
        run(evaluate(dir.resolve("bad/model"), dir.resolve("bad-eval")).toArray(String[]::new));
    assertEquals(Millrace.EXIT_NOT_BLESSED, refused.exit(), refused.out() + refused.err());
    assertTrue(refused.out().contains("NOT BLESSED"), refused.out());
    Evaluation bad = Evaluation.read(dir.resolve("bad-eval"));
    assertEquals(
        ModelArtifact.read(good).fingerprint(), bad.baseline().fingerprint(), "baseline = LATEST");
    assertTrue(bad.validation().failures().stream().anyMatch(f -> f.baselineValue() != null));
    MillraceCliTest.Run notPushed =
        run(
            "push",
            "--model",
            dir.resolve("bad/model").toString(),
            "--evaluation",
            dir.resolve("bad-eval").toString(),
            "--registry",
            registry.toString(),
            "--name",
            "penguins");
    assertEquals(Millrace.EXIT_NOT_BLESSED, notPushed.exit());
    assertEquals(List.of(1), new ModelRegistry(registry).versions("penguins"));

    Path predicted = dir.resolve("predicted");
    ok(
        run(
            "predict",
            "--registry",
            registry.toString(),
            "--name",
            "penguins",
            "--input",
            SharedData.path("penguins/penguins.csv").toString(),
            "--missing-value",
            "NA",
            "--output",
            predicted.toString()));
    JsonNode summary = JSON.readTree(predicted.resolve("summary.json").toFile());
    assertEquals(344, summary.get("recordsIn").asLong());
    assertEquals(344, summary.get("predicted").asLong());
    List<JsonNode> rows = predictions(predicted);
    assertEquals(344, rows.size());
    long correct =
        rows.stream()
            .filter(
                r ->
                    r.path("predicted_class")
                        .toString()
                        .contains(r.path("species").get(0).asText()))
            .count();
    assertTrue(correct >= 0.95 * 344, correct + " of 344 right");

    // A damaged input file fails prediction, writing nothing, unless partial files are accepted.
    Path cut =
        DamagedFiles.cutInHalf(
            DamagedFiles.gzip(
                SharedData.path("penguins/penguins.csv"), dir.resolve("penguins.csv.gz")),
            dir.resolve("cut.csv.gz"));
    List<String> predictCut =
        List.of(
            "predict",
            "--registry",
            registry.toString(),
            "--name",
            "penguins",
            "--input",
            cut.toString(),
            "--missing-value",
            "NA",
            "--output",
            dir.resolve("predicted-cut").toString());
    MillraceCliTest.Run rejected = run(predictCut.toArray(String[]::new));
    assertEquals(Millrace.EXIT_INPUT_REJECTED, rejected.exit(), rejected.out() + rejected.err());
    assertTrue(rejected.err().contains("1 input file is damaged"), rejected.err());
    assertFalse(Files.exists(dir.resolve("predicted-cut")));
    MillraceCliTest.Run accepted = ok(run(args(predictCut, "--accept-partial-files")));
    assertTrue(accepted.out().contains("lost in damaged files"), accepted.out());
    JsonNode partial = JSON.readTree(dir.resolve("predicted-cut/summary.json").toFile());
    assertEquals(1, partial.get("recordsLost").asLong());
    assertEquals(
        partial.get("recordsIn").asLong(),
        partial.get("predicted").asLong()
            + partial.get("deadLetters").asLong()
            + partial.get("recordsLost").asLong());
    assertTrue(partial.get("predicted").asLong() < 344);

    // Flink embedded: the same model, the same evaluation numbers, the same predictions.
    ok(
        run(
            args(
                train(dir.resolve("good-flink"), goodConfig),
                "--runner",
                "FlinkRunner",
                "--flinkMaster",
                "[local]")));
    assertEquals(
        ModelArtifact.read(good).fingerprint(),
        ModelArtifact.read(dir.resolve("good-flink/model")).fingerprint());
    ok(
        run(
            "evaluate",
            "--model",
            good.toString(),
            "--examples",
            examples.toString(),
            "--config",
            evaluationConfig.toString(),
            "--output",
            dir.resolve("flink-eval").toString(),
            "--runner",
            "FlinkRunner",
            "--flinkMaster",
            "[local]"));
    assertEquals(
        evaluation.candidateMetrics().slices(),
        Evaluation.read(dir.resolve("flink-eval")).candidateMetrics().slices());
    ok(
        run(
            "predict",
            "--model",
            good.toString(),
            "--input",
            SharedData.path("penguins/penguins.csv").toString(),
            "--missing-value",
            "NA",
            "--output",
            dir.resolve("predicted-flink").toString(),
            "--runner",
            "FlinkRunner",
            "--flinkMaster",
            "[local]"));
    assertEquals(rows, predictions(dir.resolve("predicted-flink")));
    assertFalse(Files.exists(dir.resolve("registry/penguins/2")));
  }
}
