package io.millrace.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.train.Task;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineYamlTest {
  @TempDir Path dir;

  @Test
  void theShippedExamplesLoadWithPathsResolvedAgainstTheirFolder() throws IOException {
    Path examples = Path.of("..", "examples").toAbsolutePath().normalize();
    PipelineDefinition penguins = PipelineYaml.read(examples.resolve("penguins/pipeline.yaml"));
    assertEquals("penguins", penguins.name());
    assertEquals(examples.resolveSibling("out/pipelines/penguins").normalize(), penguins.root());
    assertEquals(
        examples.resolve("../../shared/data/penguins/penguins.csv").normalize().toString(),
        penguins.input().pattern());
    assertEquals(List.of("NA"), penguins.input().missingValues());
    assertEquals(Map.of("train", 2, "eval", 1), penguins.input().splits());
    assertEquals(examples.resolve("penguins/transform.json"), penguins.transform().file());
    assertEquals(Task.MULTICLASS, penguins.model().task());
    assertEquals(
        examples.resolve("penguins/model.json").toString(), penguins.model().config().asText());
    assertTrue(penguins.evaluation().config().isObject());
    assertEquals(penguins.root().resolve("registry"), penguins.registryPath());

    PipelineDefinition taxi = PipelineYaml.read(examples.resolve("taxi/pipeline.yaml"));
    assertEquals("big_tipper", taxi.model().label());
    assertTrue(taxi.input().pattern().endsWith("examples/taxi/data/span-{SPAN}/*.csv"));
    assertEquals(Map.of("payment_type", 0.1, "fare", 0.1), taxi.schema().drift());
  }

  @Test
  void sectionsLeftOutTakeTheirDefaults() throws IOException {
    Path file = dir.resolve("p.yaml");
    Files.writeString(file, "name: tiny\nroot: out\ninput:\n  pattern: data/*.csv\n");
    PipelineDefinition d = PipelineYaml.read(file);
    assertEquals(dir.resolve("out"), d.root());
    assertEquals(dir.resolve("data/*.csv").toString(), d.input().pattern());
    assertEquals(List.of("train", "eval"), List.copyOf(d.input().splits().keySet()));
    assertTrue(d.validation().blocks());
    assertTrue(d.validation().checksDrift());
    assertTrue(d.schema().infer());
    assertNull(d.model());
    assertEquals("tiny", d.modelName());
    assertTrue(d.input().cacheEnabled());
    assertFalse(d.input().partialFilesAccepted());
  }

  @Test
  void theInputMayAcceptPartialFiles() throws IOException {
    Path file = dir.resolve("p.yaml");
    Files.writeString(
        file,
        "name: tiny\nroot: out\ninput:\n  pattern: a.csv\n  acceptPartialFiles: true\n"
            + "  maxBadFraction: 0.05\n");
    PipelineDefinition d = PipelineYaml.read(file);
    assertTrue(d.input().partialFilesAccepted());
    assertEquals(0.05, d.input().maxBadFraction());
  }

  @Test
  void aStageCanBeKeptOutOfTheCache() throws IOException {
    Path file = dir.resolve("p.yaml");
    Files.writeString(
        file,
        "name: tiny\nroot: out\ninput:\n  pattern: a.csv\nmodel:\n  label: y\n  cache: false\n"
            + "statistics:\n  slices: [a, [b, c]]\n");
    PipelineDefinition d = PipelineYaml.read(file);
    assertFalse(d.model().cacheEnabled());
    assertTrue(d.statistics().cacheEnabled());
    assertEquals(List.of(List.of("a"), List.of("b", "c")), d.statistics().slices());
  }

  @Test
  void anUnknownKeyIsAnErrorNamingTheKeySectionAndFile() throws IOException {
    Path file = dir.resolve("typo.yaml");
    Files.writeString(
        file,
        "name: typo\nroot: out\ninput:\n  pattern: a.csv\nmodel:\n  label: y\n  learningRat: 0.1\n");
    IOException e = assertThrows(IOException.class, () -> PipelineYaml.read(file));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("unknown key 'learningRat'"), e.getMessage());
    assertTrue(e.getMessage().contains("section 'model'"), e.getMessage());
    assertTrue(e.getMessage().contains("line 7"), e.getMessage());

    Files.writeString(file, "name: typo\nroots: out\ninput:\n  pattern: a.csv\n");
    e = assertThrows(IOException.class, () -> PipelineYaml.read(file));
    assertTrue(e.getMessage().contains("unknown key 'roots' at the top level"), e.getMessage());
  }

  @Test
  void aMissingRequiredValueNamesItsSection() throws IOException {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(
        file, "name: bad\nroot: out\ninput:\n  pattern: a.csv\nmodel:\n  task: binary\n");
    IOException e = assertThrows(IOException.class, () -> PipelineYaml.read(file));
    assertTrue(e.getMessage().contains("model"), e.getMessage());
    assertTrue(e.getMessage().contains("label"), e.getMessage());
  }

  private IOException refused(String yaml) throws IOException {
    Path file = dir.resolve("p.yaml");
    Files.writeString(file, yaml);
    IOException e = assertThrows(IOException.class, () -> PipelineYaml.read(file));
    assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    return e;
  }

  private static void says(IOException e, String... parts) {
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), "'" + part + "' not in: " + e.getMessage());
    }
  }

  @Test
  void anAliasIsRefusedNamingItsLineInsteadOfBecomingItsName() throws IOException {
    IOException e =
        refused(
            "name: tiny\nroot: out\ninput:\n  pattern: a.csv\n"
                + "model:\n  label: &lab y\n  name: *lab\n");
    says(e, "line 6", "anchor");
    e =
        refused(
            "name: tiny\nroot: out\ninput: &in\n  pattern: a.csv\nstatistics:\n" + "  <<: *in\n");
    says(e, "line 3");
    e = refused("name: tiny\nroot: out\ninput:\n  pattern: a.csv\nmodel:\n  label: *lab\n");
    says(e, "line 6", "alias", "*lab");
  }

  @Test
  void aDuplicateKeyIsAnErrorNamingKeySectionAndLine() throws IOException {
    IOException e =
        refused(
            "name: tiny\nroot: out\ninput:\n  pattern: a.csv\n"
                + "model:\n  label: y\n  name: a\n  name: b\n");
    says(e, "duplicate key 'name'", "section 'model'", "line 8", "line 7");
    e = refused("name: tiny\nroot: out\ninput:\n  pattern: a.csv\nname: other\n");
    says(e, "duplicate key 'name'", "top level", "line 5");
    e =
        refused(
            "name: tiny\nroot: out\ninput:\n  pattern: a.csv\n"
                + "evaluation:\n  config: {minSliceSize: 1, minSliceSize: 200}\n");
    says(e, "duplicate key 'minSliceSize'", "line 6");
  }

  @Test
  void aSecondDocumentIsAnError() throws IOException {
    IOException e = refused("name: tiny\nroot: out\ninput:\n  pattern: a.csv\n---\nname: other\n");
    says(e, "second YAML document", "line 5");
    e = refused("---\nname: tiny\nroot: out\ninput:\n  pattern: a.csv\n...\n---\n");
    says(e, "second YAML document", "line 7");
  }

  /** A complete, valid pipeline file (penguins), one line of which a test replaces. */
  private static List<String> complete() {
    Path transform = Path.of("..", "examples", "penguins", "transform.json").toAbsolutePath();
    return new java.util.ArrayList<>(
        List.of(
            "name: tiny",
            "root: out",
            "input:",
            "  pattern: a.csv",
            "  splits: {train: 2, eval: 1}",
            "  maxBadFraction: 0.05",
            "transform:",
            "  file: " + transform.normalize(),
            "model:",
            "  label: species",
            "  name: tiny-model",
            "  config: {kind: DNN, hiddenUnits: [8]}",
            "evaluation:",
            "  config: {thresholds: [{metric: accuracy, lowerBound: 0.5}]}",
            ""));
  }

  /** The complete file with line {@code number} (1-based) replaced; must be refused. */
  private IOException refusedWithLine(int number, String line) throws IOException {
    List<String> lines = complete();
    lines.set(number - 1, line);
    return refusedNamingLine(number, lines);
  }

  /** The complete file with {@code line} inserted as line {@code number}; must be refused. */
  private IOException refusedInserting(int number, String line) throws IOException {
    List<String> lines = complete();
    lines.add(number - 1, line);
    return refusedNamingLine(number, lines);
  }

  private IOException refusedNamingLine(int number, List<String> lines) throws IOException {
    IOException e = refused(String.join("\n", lines));
    says(e, "(line " + number + ")");
    return e;
  }

  @Test
  void theCompleteTestPipelineLoads() throws IOException {
    Path file = dir.resolve("p.yaml");
    Files.writeString(file, String.join("\n", complete()));
    PipelineDefinition d = PipelineYaml.read(file);
    assertEquals("tiny-model", d.modelName());
  }

  @Test
  void valuesTheStagesWouldRefuseAreRefusedAtLoadNamingKeySectionAndLine() throws IOException {
    says(refusedWithLine(5, "  splits: {train: -2, eval: 1}"), "'splits", "section 'input'", "1");
    says(refusedWithLine(5, "  splits: {train: 2, ../x: 1}"), "'splits", "section 'input'");
    says(refusedWithLine(6, "  maxBadFraction: 5"), "'maxBadFraction'", "section 'input'");
    says(refusedWithLine(6, "  maxBadFraction: -0.1"), "'maxBadFraction'");
    says(refusedWithLine(6, "  format: xml"), "'format'", "xml");
    says(refusedWithLine(6, "  spans: 3..1"), "'spans'", "3..1");
    says(refusedWithLine(6, "  spans: first"), "'spans'");
    says(refusedWithLine(6, "  featureTypes: {fare: DOUBLE}"), "'featureTypes.fare'", "DOUBLE");
    says(refusedWithLine(6, "  delimiter: '\"'"), "'delimiter'");
    says(refusedWithLine(6, "  inferSample: 0"), "'inferSample'");
    List<String> patterns = complete();
    patterns.set(3, "  patterns: {train: a.csv, eval: b.csv}");
    patterns.set(4, "  splitFeature: id");
    says(refused(String.join("\n", patterns)), "'splitFeature'", "(line 5)");
    says(refusedWithLine(11, "  name: ../x"), "'name'", "section 'model'", "../x");
    says(refusedWithLine(1, "name: ../x"), "'name'", "top level");
    says(refusedWithLine(10, "  label: nothing"), "'label'", "section 'model'", "species");
    says(refusedWithLine(11, "  trainSplit: test"), "'trainSplit'", "[train, eval]");
    says(refusedWithLine(11, "  evalSplit: test"), "'evalSplit'");
    says(refusedWithLine(11, "  retrain: sometimes"), "'retrain'");
    says(refusedWithLine(12, "  config: {hiddenUnits: [0]}"), "'config'", "section 'model'");
    says(refusedWithLine(12, "  config: {learningRat: 0.1}"), "'config'", "learningRat");
    says(refusedWithLine(12, "  config: {kind: DNN, hiddenUnits: [8], embeddingDim: 2000000}"));
    says(refusedWithLine(12, "  config: missing.json"), "'config'", "missing.json");
    says(
        refusedWithLine(14, "  config: {thresholds: [{metric: auc, change: {absolute: -0.01}}]}"),
        "'config'",
        "section 'evaluation'");
    says(refusedWithLine(14, "  config: {minSliceSize: -1}"), "'config'", "minSliceSize");
    says(
        refusedWithLine(14, "  config: {thresholds: [{metric: acuracy, lowerBound: 0.5}]}"),
        "'acuracy' is not a metric",
        "accuracy");
    List<String> multiclass = complete();
    multiclass.add(12, "  task: MULTICLASS");
    multiclass.set(14, "  config: {thresholds: [{metric: auc, lowerBound: 0.5}]}");
    says(
        refused(String.join("\n", multiclass)),
        "(line 15)",
        "'auc' is not a metric of a MULTICLASS model");
    says(refusedWithLine(14, "  config: {treshold: []}"), "'config'", "treshold");
    says(refusedInserting(15, "  split: test"), "'split'", "section 'evaluation'");
    says(refusedWithLine(8, "  file: missing.json"), "'file'", "section 'transform'");
    says(refusedInserting(9, "  analyzeSplit: test"), "'analyzeSplit'");
    says(refusedInserting(13, "statistics: {topK: 0}"), "'topK'", "section 'statistics'");
    says(refusedInserting(13, "schema: {maxDomainSize: -1}"), "'maxDomainSize'");
    says(refusedInserting(13, "schema: {drift: {fare: -0.1}}"), "'drift.fare'");
    says(refusedInserting(13, "schema: {file: missing.pbtxt}"), "'file'", "section 'schema'");
  }

  @Test
  void anInlineEvaluationConfigIsCheckedAtLoad() throws IOException {
    List<String> lines = complete();
    lines.set(13, "  config:");
    lines.add(14, "    thresholds:");
    lines.add(15, "      - {metric: auc, lowerBound: 0.7, bogus: 1}");
    IOException e = refused(String.join("\n", lines));
    says(e, "'config'", "section 'evaluation'", "line 14", "bogus");
  }

  @Test
  void aBadTransformDefinitionIsRefusedAtLoadNamingItsFile() throws IOException {
    Path spec = dir.resolve("transform.json");
    Files.writeString(
        spec,
        "{\"steps\": [{\"output\": \"x\", \"kind\": \"HASHED_CROSS\", \"inputs\": [\"a\","
            + " \"b\"], \"params\": {\"num_buckets\": 2000000000}},"
            + " {\"output\": \"species\", \"kind\": \"COMPUTE_AND_APPLY_VOCABULARY\","
            + " \"inputs\": [\"species\"]}]}");
    says(refusedWithLine(8, "  file: " + spec), "'file'", spec.toString(), "num_buckets");
  }

  @Test
  void aKeyGivenTwiceInAConfigFileIsAnErrorNamingTheFile() throws IOException {
    Path config = dir.resolve("model.json");
    Files.writeString(
        config, "{\"kind\": \"DNN\", \"hiddenUnits\": [8], \"epochs\": 3, \"epochs\": 300}");
    says(refusedWithLine(12, "  config: " + config), config.toString(), "'epochs'");
    Path evaluation = dir.resolve("evaluation.json");
    Files.writeString(evaluation, "{\"minSliceSize\": 1, \"minSliceSize\": 100}");
    says(refusedWithLine(14, "  config: " + evaluation), evaluation.toString(), "'minSliceSize'");
  }

  @Test
  void tunerErrorsNameTheUsersFileOrTheKeyNotATemporaryFile() throws IOException {
    List<String> lines = complete();
    lines.add(12, "  tuner: {strategy: RANDOM, trials: 0}");
    IOException e = refused(String.join("\n", lines));
    says(e, "'tuner'", "section 'model'", "line 13", "trials");
    lines.set(12, "  tuner: {strategy: RANDOM, trials: 2, objective: acc}");
    says(refused(String.join("\n", lines)), "'tuner'", "the objective 'acc' is not a metric");
    assertFalse(e.getMessage().contains("millrace-tuner"), e.getMessage());

    Path tuner = dir.resolve("tuner.json");
    Files.writeString(
        tuner, "{\"strategy\": \"GRID\", \"parameters\": {\"hiddenUnits\": {\"values\": [[0]]}}}");
    lines.set(12, "  tuner: " + tuner);
    e = refused(String.join("\n", lines));
    says(e, "'tuner'", "line 13", tuner.toString(), "hidden layer");
    assertFalse(e.getMessage().contains("millrace-tuner"), e.getMessage());
  }
}
