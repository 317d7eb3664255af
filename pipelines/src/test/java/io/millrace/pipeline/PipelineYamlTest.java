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
}
