package io.millrace.cli;

import static io.millrace.cli.MillraceCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.testing.SharedData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each stage through its command and through {@code pipeline.yaml} with equal settings writes the
 * same artifact, byte for byte, on penguins: the same stage classes run either way.
 *
 * <p>Two things differ by nature and are normalised before comparing text files: the time a file
 * was written or a stage took ({@code createdAt}, {@code pushedAt}, {@code recordsPerSecond},
 * {@code examplesPerSecond}, {@code trainSeconds}, {@code trainMillis}, {@code trainNanos}), and
 * where the artifacts lie (the command line's outputs and the pipeline's {@code
 * artifacts/<stage>/<key>} directories), each replaced by the name of its stage wherever a file
 * records it. Every other byte, binary files (Avro shards, {@code stats.pb}, the SavedModel)
 * included, must be equal.
 */
class CliPipelineAgreementTest {
  /** JSON fields holding a time or a speed. */
  private static final Pattern TIMES =
      Pattern.compile(
          "(\"(?:createdAt|pushedAt|recordsPerSecond|examplesPerSecond|trainSeconds|trainMillis|trainNanos)\""
              + "\\s*:\\s*)(\"[^\"]*\"|[-0-9.Ee+]+)");

  private static final String MODEL =
      "{\"kind\": \"DNN\", \"hiddenUnits\": [8], \"learningRate\": 0.02, \"batchSize\": 32,"
          + " \"epochs\": 3}";
  private static final String EVALUATION =
      "{\"thresholds\": [{\"metric\": \"accuracy\", \"lowerBound\": 0.3}]}";

  @TempDir Path dir;

  @Test
  void everyStageWritesTheSameArtifactFromTheCommandLineAndFromPipelineYaml() throws IOException {
    Path penguins = SharedData.path("penguins/penguins.csv").toAbsolutePath();
    Path transform = Path.of("..", "examples", "penguins", "transform.json").toAbsolutePath();
    Path modelConfig = dir.resolve("model.json");
    Files.writeString(modelConfig, MODEL);
    Path evaluationConfig = dir.resolve("evaluation.json");
    Files.writeString(evaluationConfig, EVALUATION);

    // The pipeline: the same settings, given as pipeline.yaml.
    Path pipeline = dir.resolve("pipeline").resolve("pipeline.yaml");
    Files.createDirectories(pipeline.getParent());
    Files.writeString(
        pipeline,
        String.join(
            "\n",
            "name: penguins",
            "root: root",
            "input:",
            "  pattern: " + penguins,
            "  missingValues: [NA]",
            "  splits: {train: 2, eval: 1}",
            "transform:",
            "  file: " + transform,
            "model:",
            "  label: species",
            "  config: " + modelConfig,
            "evaluation:",
            "  config: " + evaluationConfig,
            ""));
    ok(run("run", "--pipeline", pipeline.toString()));
    Path root = pipeline.resolveSibling("root");

    // The command line, stage by stage.
    Path cli = dir.resolve("cli");
    Path registry = dir.resolve("cli-registry");
    String input = penguins.toString();
    ok(
        run(
            "ingest",
            "--input",
            input,
            "--missing-value",
            "NA",
            "--splits",
            "train=2,eval=1",
            "--output",
            cli.resolve("examples").toString()));
    ok(
        run(
            "stats",
            "--examples",
            cli.resolve("examples").toString(),
            "--output",
            cli.resolve("statistics").toString()));
    ok(
        run(
            "schema",
            "--stats",
            cli.resolve("statistics").toString(),
            "--split",
            "train",
            "--output",
            cli.resolve("schema").resolve("schema.pbtxt").toString()));
    ok(
        run(
            "validate",
            "--schema",
            cli.resolve("schema").resolve("schema.pbtxt").toString(),
            "--stats",
            cli.resolve("statistics").toString(),
            "--output",
            cli.resolve("validation").toString()));
    ok(
        run(
            "transform",
            "--examples",
            cli.resolve("examples").toString(),
            "--spec",
            transform.toString(),
            "--output",
            cli.resolve("transform").toString()));
    ok(
        run(
            "train",
            "--transformed",
            cli.resolve("transform").toString(),
            "--label",
            "species",
            "--model-config",
            modelConfig.toString(),
            "--name",
            "penguins",
            "--output",
            cli.resolve("train").toString()));
    ok(
        run(
            "evaluate",
            "--model",
            cli.resolve("train").resolve("model").toString(),
            "--examples",
            cli.resolve("examples").toString(),
            "--config",
            evaluationConfig.toString(),
            "--registry",
            registry.toString(),
            "--name",
            "penguins",
            "--output",
            cli.resolve("evaluation").toString()));
    ok(
        run(
            "push",
            "--model",
            cli.resolve("train").resolve("model").toString(),
            "--evaluation",
            cli.resolve("evaluation").toString(),
            "--registry",
            registry.toString(),
            "--name",
            "penguins"));

    // Each stage's artifact from the command line, and the pipeline's of the same stage.
    Map<String, Path[]> stages = new LinkedHashMap<>();
    stages.put("ingest", pair(cli.resolve("examples"), stageDirectory(root, "ingest")));
    stages.put("statistics", pair(cli.resolve("statistics"), stageDirectory(root, "statistics")));
    stages.put("schema", pair(cli.resolve("schema"), stageDirectory(root, "schema")));
    stages.put(
        "validation",
        pair(cli.resolve("validation").resolve("anomalies"), stageDirectory(root, "validation")));
    stages.put("transform", pair(cli.resolve("transform"), stageDirectory(root, "transform")));
    stages.put("train", pair(cli.resolve("train"), stageDirectory(root, "train")));
    stages.put("evaluation", pair(cli.resolve("evaluation"), stageDirectory(root, "evaluation")));
    stages.put(
        "push", pair(registry.resolve("penguins"), root.resolve("registry").resolve("penguins")));

    List<String> compared = new ArrayList<>();
    for (Map.Entry<String, Path[]> stage : stages.entrySet()) {
      Map<String, byte[]> fromCli = files(stage.getValue()[0], stages, 0);
      Map<String, byte[]> fromPipeline = files(stage.getValue()[1], stages, 1);
      assertEquals(fromCli.keySet(), fromPipeline.keySet(), stage.getKey() + ": the files");
      for (String file : fromCli.keySet()) {
        assertEquals(
            new String(fromCli.get(file), StandardCharsets.ISO_8859_1),
            new String(fromPipeline.get(file), StandardCharsets.ISO_8859_1),
            stage.getKey() + ": " + file);
        compared.add(stage.getKey() + "/" + file);
      }
    }
    for (String file :
        List.of(
            "ingest/manifest.json",
            "ingest/train/part-00000-of-00001.avro",
            "statistics/train/stats.pb",
            "schema/schema.pbtxt",
            "validation/eval/anomalies.pb",
            "transform/transform/manifest.json",
            "train/model/saved_model/saved_model.pb",
            "evaluation/evaluation.json",
            "push/1/lineage.json")) {
      assertTrue(compared.contains(file), file + " was not compared: " + compared);
    }
  }

  private static Path[] pair(Path cli, Path pipeline) {
    return new Path[] {cli.toAbsolutePath().normalize(), pipeline.toAbsolutePath().normalize()};
  }

  /** The pipeline's one directory of a stage: {@code artifacts/<stage>/<key>}. */
  private static Path stageDirectory(Path root, String stage) throws IOException {
    try (Stream<Path> keys = Files.list(root.resolve("artifacts").resolve(stage))) {
      List<Path> all = keys.filter(p -> !p.getFileName().toString().startsWith(".")).toList();
      assertEquals(1, all.size(), stage + ": " + all);
      return all.get(0);
    }
  }

  /**
   * Every file under {@code top} by relative path, text normalised: times and speeds blanked, and
   * each stage's artifact path (side {@code side} of {@code stages}) replaced by the stage's name.
   */
  private static Map<String, byte[]> files(Path top, Map<String, Path[]> stages, int side)
      throws IOException {
    Map<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> all = Files.walk(top)) {
      for (Path file : all.filter(Files::isRegularFile).toList()) {
        String name = top.relativize(file).toString();
        if (name.startsWith(".") || name.contains("/.")) {
          continue; // the registry's lock, a store: no artifact's content
        }
        byte[] bytes = Files.readAllBytes(file);
        if (name.matches(".*\\.(json|jsonl|html|pbtxt|txt)$")) {
          String text = new String(bytes, StandardCharsets.UTF_8);
          text = TIMES.matcher(text).replaceAll("$1\"<time>\"");
          for (Map.Entry<String, Path[]> stage : stages.entrySet()) {
            text = text.replace(stage.getValue()[side].toString(), "<" + stage.getKey() + ">");
          }
          bytes = text.getBytes(StandardCharsets.UTF_8);
        }
        files.put(name, bytes);
      }
    }
    return files;
  }

  private static MillraceCliTest.Run ok(MillraceCliTest.Run run) {
    assertEquals(0, run.exit(), run.out() + run.err());
    return run;
  }
}
