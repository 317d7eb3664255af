package io.millrace.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.TextNode;
import io.millrace.train.Task;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The records of a pipeline definition: each takes back its own components unchanged (so a wither
 * is just a new record with one component replaced), and its rules hold however it is built.
 */
class PipelineDefinitionTest {
  private static final Path ROOT = Path.of("/tmp/pipeline-root");

  private static PipelineDefinition.Input rebuilt(PipelineDefinition.Input in) {
    return new PipelineDefinition.Input(
        in.pattern(),
        in.patterns(),
        in.format(),
        in.splits(),
        in.splitFeature(),
        in.spans(),
        in.missingValues(),
        in.delimiter(),
        in.featureTypes(),
        in.inferSample(),
        in.maxBadFraction(),
        in.cache(),
        in.acceptPartialFiles());
  }

  private static PipelineDefinition.Input perSplit() {
    return PipelineDefinition.Input.ofPatterns(Map.of("train", "a/*.csv", "eval", "b/*.csv"));
  }

  @Test
  void anInputOfEitherShapeTakesBackItsOwnComponents() {
    PipelineDefinition.Input hashed =
        PipelineDefinition.Input.of("data/*.csv").withMissingValues(List.of("NA"));
    assertEquals(hashed, rebuilt(hashed));
    assertEquals(Map.of("train", 2, "eval", 1), hashed.splits());
    assertEquals(perSplit(), rebuilt(perSplit()));
    assertEquals(Map.of(), perSplit().splits());
  }

  @Test
  void everyRecordOfADefinitionTakesBackItsOwnComponents() {
    PipelineDefinition d =
        PipelineDefinition.of("taxi", ROOT, perSplit())
            .withSchema(
                PipelineDefinition.SchemaSource.inferred()
                    .withMaxDomainSize(10)
                    .withDrift(Map.of("company", 0.1)))
            .withTransform(PipelineDefinition.Transform.of(Path.of("/t/transform.json")))
            .withModel(
                PipelineDefinition.Model.of("tips")
                    .withTask(Task.BINARY)
                    .withConfigFile(Path.of("/t/model.json"))
                    .withName("taxi-model")
                    .withRetrain("on-drift"))
            .withEvaluation(PipelineDefinition.Evaluation.of(TextNode.valueOf("/t/eval.json")));
    assertEquals(
        d,
        new PipelineDefinition(
            d.name(),
            d.root(),
            rebuilt(d.input()),
            d.statistics(),
            d.schema(),
            d.validation(),
            d.transform(),
            d.model(),
            d.evaluation(),
            d.registry()));
    PipelineDefinition.SchemaSource s = d.schema();
    assertEquals(
        s,
        new PipelineDefinition.SchemaSource(
            s.infer(), s.file(), s.maxDomainSize(), s.inferRanges(), s.drift(), s.cache()));
  }

  @Test
  void withersReplaceOneComponentAndKeepTheOthers() {
    PipelineDefinition.Input withNa = perSplit().withMissingValues(List.of("NA"));
    assertEquals(perSplit().patterns(), withNa.patterns());
    assertEquals(List.of("NA"), withNa.missingValues());

    PipelineDefinition.Input hashed = PipelineDefinition.Input.of("data/*.csv");
    assertEquals(Map.of("all", 1), hashed.withSplits(Map.of("all", 1)).splits());
    assertEquals("other/*.csv", hashed.withPattern("other/*.csv").pattern());
    assertEquals(hashed.splits(), hashed.withPattern("other/*.csv").splits());
    assertEquals(perSplit().patterns(), hashed.withPatterns(perSplit().patterns()).patterns());
    assertEquals(Map.of(), hashed.withPatterns(perSplit().patterns()).splits());

    PipelineDefinition d = PipelineDefinition.of("taxi", ROOT, hashed);
    PipelineDefinition moved = d.withRoot(Path.of("/elsewhere")).withInput(perSplit());
    assertEquals(Path.of("/elsewhere"), moved.root());
    assertEquals(perSplit(), moved.input());
    assertEquals(d.name(), moved.name());
    assertEquals(d.schema(), moved.schema());
  }

  @Test
  void theRulesHoldHoweverARecordIsBuilt() {
    assertThrows(
        InvalidSettingException.class,
        () -> PipelineDefinition.Input.of("data/*.csv").withPatterns(Map.of("../up", "x")));
    assertThrows(
        InvalidSettingException.class,
        () -> perSplit().withSplits(Map.of("train", 1)),
        "hash splits divide one pattern");
    assertThrows(
        InvalidSettingException.class,
        () -> PipelineDefinition.SchemaSource.curated(Path.of("schema.pbtxt")).withInfer(true));
    assertThrows(
        InvalidSettingException.class,
        () -> PipelineDefinition.Model.of("tips").withName("a/b"),
        "a model name becomes a registry directory");
    assertThrows(
        InvalidSettingException.class, () -> PipelineDefinition.Model.of("tips").withRetrain("x"));
  }
}
