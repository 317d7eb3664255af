package io.millrace.cli;

import static io.millrace.cli.MillraceCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.evaluate.Evaluation;
import io.millrace.model.ModelArtifact;
import io.millrace.model.ModelRegistry;
import io.millrace.testing.SharedData;
import io.millrace.transform.FittedTransform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code millrace evaluate} and {@code millrace push} on penguins with a real registry and its
 * metadata store: a genuine blessing pushes; a genuine failure is refused with exit code 5; a
 * flipped blessing, an evaluation the store never recorded and a model edited after its evaluation
 * are refused with exit code 3, naming the artifact, and nothing is pushed.
 */
class TrustedPushCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  static Path examples;
  static Path model;
  static Path passing;
  static Path failing;

  @BeforeAll
  static void trainAndWriteConfigs() throws IOException {
    PenguinsCli.Prepared penguins = PenguinsCli.ingestAndTransform(dir);
    examples = penguins.examples();
    ok(
        run(
            penguins
                .train(
                    dir.resolve("trained"),
                    Path.of("..", "examples", "penguins", "model.json").toString())
                .toArray(String[]::new)));
    model = dir.resolve("trained/model");
    passing = dir.resolve("passing.json");
    Files.writeString(
        passing, "{\"thresholds\": [{\"metric\": \"accuracy\", \"lowerBound\": 0.5}]}");
    failing = dir.resolve("failing.json");
    Files.writeString(
        failing, "{\"thresholds\": [{\"metric\": \"accuracy\", \"lowerBound\": 1.01}]}");
  }

  private static MillraceCliTest.Run ok(MillraceCliTest.Run run) {
    return PenguinsCli.ok(run);
  }

  private static MillraceCliTest.Run evaluate(
      Path candidate, Path config, Path output, String... storeOptions) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "evaluate",
                "--model",
                candidate.toString(),
                "--examples",
                examples.toString(),
                "--config",
                config.toString(),
                "--output",
                output.toString()));
    args.addAll(List.of(storeOptions));
    return run(args.toArray(String[]::new));
  }

  private static MillraceCliTest.Run push(
      Path candidate, Path evaluation, Path registry, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "push",
                "--model",
                candidate.toString(),
                "--evaluation",
                evaluation.toString(),
                "--registry",
                registry.toString(),
                "--name",
                "penguins"));
    args.addAll(List.of(more));
    return run(args.toArray(String[]::new));
  }

  private static String[] inRegistry(Path registry) {
    return new String[] {"--registry", registry.toString(), "--name", "penguins"};
  }

  @Test
  void aGenuineBlessingPushesAndAGenuineFailureIsNotBlessed(@TempDir Path root) throws IOException {
    Path registry = root.resolve("registry");
    MillraceCliTest.Run failed =
        evaluate(model, failing, root.resolve("failed-eval"), inRegistry(registry));
    assertEquals(Millrace.EXIT_NOT_BLESSED, failed.exit(), failed.out() + failed.err());
    assertTrue(failed.out().contains("Recorded in the metadata store"), failed.out());
    MillraceCliTest.Run refused = push(model, root.resolve("failed-eval"), registry);
    assertEquals(Millrace.EXIT_NOT_BLESSED, refused.exit(), refused.out() + refused.err());
    assertTrue(refused.err().contains("accuracy"), refused.err());

    ok(evaluate(model, passing, root.resolve("eval"), inRegistry(registry)));
    MillraceCliTest.Run pushed = ok(push(model, root.resolve("eval"), registry));
    assertTrue(pushed.out().contains("version 1"), pushed.out());
    assertTrue(Files.exists(registry.resolve(ModelRegistry.METADATA)));
  }

  @Test
  void aFlippedBlessingIsRefusedAsAnAlteredArtifact(@TempDir Path root) throws IOException {
    Path registry = root.resolve("registry");
    Path evaluation = root.resolve("eval");
    assertEquals(
        Millrace.EXIT_NOT_BLESSED,
        evaluate(model, failing, evaluation, inRegistry(registry)).exit());
    Path file = evaluation.resolve(Evaluation.FILE);
    ObjectNode json = (ObjectNode) JSON.readTree(file.toFile());
    ((ObjectNode) json.get("validation")).put("blessed", true);
    JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), json);

    MillraceCliTest.Run forged = push(model, evaluation, registry);
    assertEquals(Millrace.EXIT_INPUT_REJECTED, forged.exit(), forged.out() + forged.err());
    assertTrue(forged.err().contains(evaluation.toString()), forged.err());
    assertFalse(forged.err().contains("\tat "), "no stack trace: " + forged.err());
    assertEquals(List.of(), new ModelRegistry(registry).versions("penguins"));
  }

  @Test
  void anEvaluationRecordedNowhereIsRefusedUntilBothCommandsShareAStore(@TempDir Path root) {
    Path registry = root.resolve("registry");
    Path evaluation = root.resolve("eval");
    MillraceCliTest.Run evaluated = ok(evaluate(model, passing, evaluation));
    assertTrue(evaluated.out().contains("Not recorded in a metadata store"), evaluated.out());
    MillraceCliTest.Run refused = push(model, evaluation, registry);
    assertEquals(Millrace.EXIT_INPUT_REJECTED, refused.exit(), refused.out() + refused.err());
    assertTrue(refused.err().contains("--metadata-url"), refused.err());

    String store = "jdbc:sqlite:" + root.resolve("shared.sqlite");
    ok(evaluate(model, passing, root.resolve("eval-2"), "--metadata-url", store));
    ok(push(model, root.resolve("eval-2"), registry, "--metadata-url", store));
  }

  @Test
  void aModelEditedAfterItsEvaluationIsRefusedByPushAndPredict(@TempDir Path root)
      throws IOException {
    Path registry = root.resolve("registry");
    Path copy = root.resolve("model");
    ArtifactDirectory.copyRecursively(model, copy);
    ok(evaluate(copy, passing, root.resolve("eval"), inRegistry(registry)));
    Path manifest = copy.resolve(ModelArtifact.TRANSFORM).resolve(FittedTransform.MANIFEST);
    ObjectNode json = (ObjectNode) JSON.readTree(manifest.toFile());
    ObjectNode first = (ObjectNode) json.get("outputs").get(0);
    first.put("mean", first.get("mean").asDouble() + 1);
    JSON.writerWithDefaultPrettyPrinter().writeValue(manifest.toFile(), json);

    MillraceCliTest.Run pushed = push(copy, root.resolve("eval"), registry);
    assertEquals(Millrace.EXIT_INPUT_REJECTED, pushed.exit(), pushed.out() + pushed.err());
    assertTrue(pushed.err().contains(copy.toString()), pushed.err());
    assertEquals(List.of(), new ModelRegistry(registry).versions("penguins"));

    MillraceCliTest.Run predicted =
        run(
            "predict",
            "--model",
            copy.toString(),
            "--input",
            SharedData.path("penguins/penguins.csv").toString(),
            "--missing-value",
            "NA",
            "--output",
            root.resolve("predicted").toString());
    assertEquals(Millrace.EXIT_INPUT_REJECTED, predicted.exit(), predicted.err());
    assertTrue(predicted.err().contains(copy.toString()), predicted.err());
    assertFalse(Files.exists(root.resolve("predicted")));
  }
}
