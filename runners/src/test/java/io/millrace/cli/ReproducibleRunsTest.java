package io.millrace.cli;

import static io.millrace.cli.MillraceCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.artifact.ReproducibilityFingerprint;
import io.millrace.examples.ExamplesManifest;
import io.millrace.record.ByteArrayBuffer;
import io.millrace.record.ExampleEncoding;
import io.millrace.testing.SharedData;
import io.millrace.transforms.io.ExamplesArtifact;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, end to end: the taxi example run into fresh roots on the DirectRunner with parallelism
 * 1 and 2 (twice) and on embedded Flink with parallelism 2 writes the same statistics, schema,
 * anomalies, transform, examples and model, byte for byte, and evaluates it to the same metrics.
 *
 * <p>The input is the TFRecord split TFX's CsvExampleGen wrote of the same trips (15,000 records in
 * 24 files), the data the issue measured on: the example's own 2,000-row CSV is read as one bundle
 * by every runner, so a sum that depends on the bundling (a plain double sum instead of {@code
 * ExactSum}) passed this test on it, and fails it on these files. Each run reads its own copy, so
 * the absolute paths differ between runs as they do between users: only what records when, where
 * and how fast a run went may differ.
 */
class ReproducibleRunsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path TAXI = Path.of("..", "examples", "taxi");

  /**
   * Files that record when, where or how fast a run went (timestamps, absolute paths, timings, the
   * runner's name), compared below without those fields; HTML reports show the same.
   */
  private static final Set<String> RECORDS_OF_THE_RUN =
      Set.of("manifest.json", "model.json", "trials.json", "evaluation.json", "report.html");

  @TempDir static Path dir;

  /** The run's name (runner and parallelism) to its root's artifacts folder. */
  private static final Map<String, Path> RUNS = new LinkedHashMap<>();

  @BeforeAll
  static void runTheTaxiExampleIntoFourFreshRoots() throws IOException {
    runTaxi("direct-parallelism-1", "--parallelism", "1");
    runTaxi("direct-parallelism-2", "--parallelism", "2");
    runTaxi("direct-parallelism-2-again", "--parallelism", "2");
    runTaxi(
        "flink-embedded-parallelism-2",
        "--runner",
        "FlinkRunner",
        "--flinkMaster",
        "[local]",
        "--parallelism",
        "2");
  }

  private static void runTaxi(String name, String... runnerOptions) throws IOException {
    Path pipeline = taxiPipeline(name);
    List<String> args = new ArrayList<>(List.of("run", "--pipeline", pipeline.toString()));
    args.addAll(List.of(runnerOptions));
    MillraceCliTest.Run run = run(args.toArray(String[]::new));
    assertEquals(0, run.exit(), name + ":\n" + run.out() + run.err());
    RUNS.put(name, pipeline.resolveSibling("root/artifacts"));
  }

  /** The taxi example on the TFRecord split, copied to its own folder with its own root. */
  private static Path taxiPipeline(String name) throws IOException {
    Path copy = dir.resolve(name);
    copyTree(TAXI, copy, "data");
    copyTree(SharedData.path("taxi/tfrecord"), copy.resolve("data"), null);
    Path pipeline = copy.resolve("pipeline.yaml");
    Files.writeString(
        pipeline,
        Files.readString(pipeline)
            .replaceFirst("(?m)^root: .*$", "root: root")
            // Eval holds a payment type train has not (Prcard): an anomaly to record, not to stop.
            .replaceFirst("block: true", "block: false")
            .replaceFirst(
                "(?ms)^input:.*?^$",
                "input:\n  patterns: {train: data/train/*.gz, eval: data/eval/*.gz}\n"));
    return pipeline;
  }

  /** Copies a folder's files, but not its subfolder {@code skipped}. */
  private static void copyTree(Path from, Path to, String skipped) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path file : files.toList()) {
        Path relative = from.relativize(file);
        if (skipped != null && relative.startsWith(skipped)) {
          continue;
        }
        Path target = to.resolve(relative.toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
        } else {
          Files.copy(file, target);
        }
      }
    }
  }

  @Test
  void everyRunnerAndParallelismTrainsOneModelAndEvaluatesItToTheSameMetrics() throws IOException {
    Map<String, String> fingerprints = new TreeMap<>();
    Map<String, JsonNode> evaluations = new TreeMap<>();
    for (Map.Entry<String, Path> run : RUNS.entrySet()) {
      JsonNode model =
          JSON.readTree(output(run.getValue(), "train").resolve("model/model.json").toFile());
      fingerprints.put(run.getKey(), model.path("fingerprint").asText());
      JsonNode evaluation =
          JSON.readTree(output(run.getValue(), "evaluation").resolve("evaluation.json").toFile());
      evaluations.put(
          run.getKey(),
          JSON.createObjectNode()
              .<ObjectNode>set("candidate", evaluation.path("candidate").path("fingerprint"))
              .<ObjectNode>set("models", evaluation.path("models"))
              .set("validation", evaluation.path("validation")));
    }
    assertEquals(1, Set.copyOf(fingerprints.values()).size(), fingerprints.toString());
    assertFalse(fingerprints.values().iterator().next().isEmpty());
    assertEquals(1, Set.copyOf(evaluations.values()).size(), evaluations.toString());
  }

  @Test
  void freshRootsHoldByteIdenticalStatisticsSchemaAnomaliesTransformAndModel() throws IOException {
    Map.Entry<String, Path> first = RUNS.entrySet().iterator().next();
    Map<String, byte[]> expected = contentFiles(first.getValue());
    for (String stage : List.of("statistics", "schema", "validation", "transform", "train")) {
      assertFalse(
          expected.keySet().stream().noneMatch(file -> file.startsWith(stage + "/")),
          "no " + stage + " output in " + expected.keySet());
    }
    for (Map.Entry<String, Path> run : RUNS.entrySet()) {
      Map<String, byte[]> actual = contentFiles(run.getValue());
      assertEquals(expected.keySet(), actual.keySet(), first.getKey() + " vs " + run.getKey());
      for (String file : expected.keySet()) {
        assertEquals(
            HexFormat.of().formatHex(expected.get(file)),
            HexFormat.of().formatHex(actual.get(file)),
            file + ": " + first.getKey() + " vs " + run.getKey());
      }
    }
  }

  @Test
  void recordsOfTheRunDifferOnlyInTimestampsPathsTimingsRunnerAndShardLayout() throws IOException {
    Map.Entry<String, Path> first = RUNS.entrySet().iterator().next();
    Map<String, String> expected = runRecords(first.getValue());
    assertFalse(
        expected.keySet().stream().noneMatch(file -> file.endsWith("transform/manifest.json")),
        expected.keySet().toString());
    for (Map.Entry<String, Path> run : RUNS.entrySet()) {
      Map<String, String> actual = runRecords(run.getValue());
      assertEquals(expected.keySet(), actual.keySet(), first.getKey() + " vs " + run.getKey());
      for (String file : expected.keySet()) {
        assertEquals(
            expected.get(file),
            actual.get(file),
            file + ": " + first.getKey() + " vs " + run.getKey());
      }
    }
  }

  @Test
  void ingestedAndTransformedExamplesHaveTheSameContentInCanonicalOrder() throws IOException {
    Map<String, Map<String, List<String>>> expected = null;
    String expectedRun = null;
    for (Map.Entry<String, Path> run : RUNS.entrySet()) {
      Map<String, Map<String, List<String>>> actual = new TreeMap<>();
      actual.put("ingest", canonicalContent(output(run.getValue(), "ingest")));
      actual.put(
          "transform", canonicalContent(output(run.getValue(), "transform").resolve("examples")));
      if (expected == null) {
        expected = actual;
        expectedRun = run.getKey();
        assertFalse(actual.get("transform").get("train").isEmpty(), actual.toString());
      } else {
        assertEquals(expected, actual, expectedRun + " vs " + run.getKey());
      }
    }
  }

  @Test
  void runsCompareFindsTwoFreshRootsIdenticalAndNamesTheStagesAChangedSettingChanges()
      throws IOException {
    List<String> pipelines =
        RUNS.values().stream()
            .map(a -> a.resolveSibling("../pipeline.yaml").normalize().toString())
            .toList();
    MillraceCliTest.Run same =
        run("runs", "compare", "--pipeline", pipelines.get(0), "--pipeline", pipelines.get(3));
    assertEquals(0, same.exit(), same.out() + same.err());
    for (String output :
        List.of(
            "ingest.examples",
            "statistics.statistics",
            "schema.schema",
            "validation.anomalies",
            "transform.transform",
            "transform.transformed",
            "train.model",
            "evaluation.evaluation",
            "push.pushed")) {
      assertTrue(
          Pattern.compile("(?m)^  " + Pattern.quote(output) + " +identical ")
              .matcher(same.out())
              .find(),
          output + " not identical in\n" + same.out());
    }
    assertTrue(same.out().contains("identical: every output of every stage"), same.out());

    // Another learning rate: the same data and transform, another model and evaluation.
    Path changed = taxiPipeline("learning-rate-0.01");
    Path modelJson = changed.resolveSibling("model.json");
    Files.writeString(
        modelJson,
        Files.readString(modelJson).replace("\"learningRate\": 0.003", "\"learningRate\": 0.01"));
    MillraceCliTest.Run rerun = run("run", "--pipeline", changed.toString());
    assertEquals(0, rerun.exit(), rerun.out() + rerun.err());
    MillraceCliTest.Run different =
        run("runs", "compare", "--pipeline", pipelines.get(0), "--pipeline", changed.toString());
    assertEquals(Millrace.EXIT_FAILED, different.exit(), different.out() + different.err());
    assertTrue(
        different
            .out()
            .contains(
                "not identical: train.model different, evaluation.evaluation different,"
                    + " push.pushed different"),
        different.out());
    assertTrue(
        Pattern.compile("(?m)^  transform.transformed +identical ").matcher(different.out()).find(),
        different.out());
  }

  /** The one output folder of a stage in a fresh root (staging folders start with a dot). */
  private static Path output(Path artifacts, String stage) throws IOException {
    try (Stream<Path> outputs = Files.list(artifacts.resolve(stage))) {
      List<Path> visible =
          outputs.filter(p -> !p.getFileName().toString().startsWith(".")).toList();
      assertEquals(1, visible.size(), visible.toString());
      return visible.get(0);
    }
  }

  /**
   * Every file of every stage's output whose bytes are its content, by path below the stage
   * (without the cache key, which is compared as the folder's name in {@link #output}): all but the
   * records of the run and the example shards, whose layout is the runner's choice.
   */
  private static Map<String, byte[]> contentFiles(Path artifacts) throws IOException {
    Map<String, byte[]> files = new TreeMap<>();
    for (Map.Entry<String, Path> file : visibleFiles(artifacts).entrySet()) {
      String name = file.getValue().getFileName().toString();
      if (!RECORDS_OF_THE_RUN.contains(name) && !name.endsWith(".avro")) {
        files.put(file.getKey(), Files.readAllBytes(file.getValue()));
      }
    }
    return files;
  }

  /**
   * The JSON records of the run as {@link ReproducibilityFingerprint} counts them: without
   * timestamps, timings, the runner, the shard list, and with paths cut to their last name.
   */
  private static Map<String, String> runRecords(Path artifacts) throws IOException {
    Map<String, String> files = new TreeMap<>();
    for (Map.Entry<String, Path> file : visibleFiles(artifacts).entrySet()) {
      String name = file.getValue().getFileName().toString();
      if (RECORDS_OF_THE_RUN.contains(name) && name.endsWith(".json")) {
        files.put(
            file.getKey(),
            ReproducibilityFingerprint.content(JSON.readTree(file.getValue().toFile())));
      }
    }
    return files;
  }

  /** Files below the stages' outputs, by stage/relative path, staging folders left out. */
  private static Map<String, Path> visibleFiles(Path artifacts) throws IOException {
    Map<String, Path> files = new TreeMap<>();
    try (Stream<Path> stages = Files.list(artifacts)) {
      for (Path stage : stages.toList()) {
        Path output = output(artifacts, stage.getFileName().toString());
        try (Stream<Path> walk = Files.walk(output)) {
          for (Path file : walk.filter(Files::isRegularFile).toList()) {
            Path relative = output.relativize(file);
            boolean staged = false;
            for (Path part : relative) {
              staged |= part.toString().startsWith(".");
            }
            if (!staged) {
              files.put(stage.getFileName() + "/" + output.getFileName() + "/" + relative, file);
            }
          }
        }
      }
    }
    return files;
  }

  /** Per split, the canonical encodings of the examples, sorted: content, not shard layout. */
  private static Map<String, List<String>> canonicalContent(Path examplesDir) throws IOException {
    ExamplesArtifact artifact = ExamplesArtifact.open(examplesDir);
    ExampleEncoding encoding = ExampleEncoding.of(artifact.schema());
    Map<String, List<String>> splits = new TreeMap<>();
    for (ExamplesManifest.Split split : artifact.manifest().splits()) {
      List<String> encoded = new ArrayList<>();
      ByteArrayBuffer buffer = new ByteArrayBuffer();
      artifact.forEach(
          split.name(),
          example -> {
            buffer.reset();
            encoding.encode(example, buffer);
            encoded.add(HexFormat.of().formatHex(buffer.array(), 0, buffer.size()));
          });
      encoded.sort(null);
      splits.put(split.name(), encoded);
    }
    return splits;
  }
}
