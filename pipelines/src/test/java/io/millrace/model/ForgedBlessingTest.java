package io.millrace.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.ArtifactIntegrityException;
import io.millrace.evaluate.Evaluation;
import io.millrace.evaluate.EvaluationConfig;
import io.millrace.evaluate.EvaluationConfig.Threshold;
import io.millrace.metadata.MetadataStore;
import io.millrace.record.Example;
import io.millrace.record.ExampleCoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Push rests on proof, not on a flag: a real evaluation that failed its threshold, with its
 * blessing flipped by hand, a hand-written evaluation, and a real blessing moved to another model
 * are all refused, and nothing is written to the registry.
 */
class ForgedBlessingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  private static MetadataStore store;
  private static ModelArtifact good;
  private static ModelArtifact shuffled;
  private static Path goodEvaluation;
  private static Path shuffledEvaluation;

  @BeforeAll
  static void evaluate() throws IOException {
    store = MetadataStore.openSqlite(dir.resolve("metadata.sqlite"));
    good = TaxiModels.writeGood(dir.resolve("good"), "big-tipper");
    shuffled = TaxiModels.writeShuffled(dir.resolve("shuffled"), "big-tipper");
    EvaluationConfig aucAtLeast07 =
        EvaluationConfig.defaults()
            .withThresholds(List.of(new Threshold("auc", null, 0.7, null, null)));
    goodEvaluation = evaluate(good, aucAtLeast07, dir.resolve("good-eval"), store);
    shuffledEvaluation = evaluate(shuffled, aucAtLeast07, dir.resolve("shuffled-eval"), store);
    assertTrue(Evaluation.read(goodEvaluation).blessed());
    assertFalse(Evaluation.read(shuffledEvaluation).blessed());
  }

  @AfterAll
  static void closeStore() {
    store.close();
  }

  /**
   * Runs the real evaluation job on 2,000 taxi eval records and records its output in {@code
   * store}, as {@code millrace evaluate} does.
   */
  static Path evaluate(
      ModelArtifact model, EvaluationConfig config, Path output, MetadataStore store)
      throws IOException {
    List<Example> records = TaxiModels.eval().subList(0, 2_000);
    Pipeline pipeline = Pipeline.create(TestPipeline.testingPipelineOptions());
    EvaluationJob.run(
        pipeline.apply(Create.of(records).withCoder(ExampleCoder.of(records.get(0).schema()))),
        model.directory(),
        null,
        config,
        output);
    EvaluationRecords.record(store, output, "test");
    return output;
  }

  private static Path copy(Path evaluation, Path to) throws IOException {
    ArtifactDirectory.copyRecursively(evaluation, to);
    return to;
  }

  private static ObjectNode json(Path evaluation) throws IOException {
    return (ObjectNode) JSON.readTree(evaluation.resolve(Evaluation.FILE).toFile());
  }

  private static void write(Path evaluation, ObjectNode json) throws IOException {
    Files.write(evaluation.resolve(Evaluation.FILE), JSON.writeValueAsBytes(json));
  }

  private static void assertNothingPushed(ModelRegistry registry) throws IOException {
    assertEquals(List.of(), registry.versions("taxi"));
    assertFalse(Files.exists(registry.root().resolve("taxi").resolve(ModelRegistry.LATEST)));
  }

  @Test
  void aFailedEvaluationWithItsBlessingFlippedIsRefused(@TempDir Path root) throws IOException {
    Path forged = copy(shuffledEvaluation, root.resolve("forged"));
    ObjectNode json = json(forged);
    ((ObjectNode) json.get("validation")).put("blessed", true);
    write(forged, json);
    ModelRegistry registry = new ModelRegistry(root.resolve("registry"));
    ArtifactIntegrityException e =
        assertThrows(
            ArtifactIntegrityException.class,
            () -> registry.push(shuffled.directory(), forged, "taxi", store));
    assertTrue(e.getMessage().contains(forged.toString()), e.getMessage());
    assertNothingPushed(registry);
  }

  @Test
  void aFailedEvaluationMadeConsistentWithLoweredThresholdsIsRefused(@TempDir Path root)
      throws IOException {
    // The forger lowers the bound, clears the failures and blesses: every number agrees with
    // every other, so only the record of what the evaluation wrote can tell.
    Path forged = copy(shuffledEvaluation, root.resolve("forged"));
    ObjectNode json = json(forged);
    ((ObjectNode) json.get("config").get("thresholds").get(0)).put("lowerBound", 0.1);
    ObjectNode validation = (ObjectNode) json.get("validation");
    validation.put("blessed", true);
    validation.putArray("failures");
    write(forged, json);
    ModelRegistry registry = new ModelRegistry(root.resolve("registry"));
    ArtifactIntegrityException e =
        assertThrows(
            ArtifactIntegrityException.class,
            () -> registry.push(shuffled.directory(), forged, "taxi", store));
    assertTrue(e.getMessage().contains(forged.toString()), e.getMessage());
    assertNothingPushed(registry);
  }

  @Test
  void aHandWrittenEvaluationIsRefused(@TempDir Path root) throws IOException {
    Path forged = root.resolve("forged");
    Files.createDirectories(forged);
    Files.writeString(
        forged.resolve(Evaluation.FILE),
        "{\"layout\": \""
            + Evaluation.LAYOUT
            + "\", \"createdAt\": \"2024-01-01T00:00:00Z\", \"candidate\": {\"fingerprint\": \""
            + shuffled.fingerprint()
            + "\"}, \"validation\": {\"blessed\": true, \"failures\": [], \"skipped\": []}}");
    ModelRegistry registry = new ModelRegistry(root.resolve("registry"));
    ArtifactIntegrityException e =
        assertThrows(
            ArtifactIntegrityException.class,
            () -> registry.push(shuffled.directory(), forged, "taxi", store));
    assertTrue(e.getMessage().contains(forged.toString()), e.getMessage());
    assertNothingPushed(registry);
  }

  @Test
  void aBlessingMovedToAnotherModelIsRefused(@TempDir Path root) throws IOException {
    Path forged = copy(goodEvaluation, root.resolve("forged"));
    Files.writeString(
        forged.resolve(Evaluation.FILE),
        Files.readString(forged.resolve(Evaluation.FILE))
            .replace(good.fingerprint(), shuffled.fingerprint()));
    ModelRegistry registry = new ModelRegistry(root.resolve("registry"));
    ArtifactIntegrityException e =
        assertThrows(
            ArtifactIntegrityException.class,
            () -> registry.push(shuffled.directory(), forged, "taxi", store));
    assertTrue(e.getMessage().contains(forged.toString()), e.getMessage());
    assertNothingPushed(registry);
  }

  @Test
  void theGenuineEvaluationsPushOrAreRefusedAsNotBlessed(@TempDir Path root) throws IOException {
    ModelRegistry registry = new ModelRegistry(root.resolve("registry"));
    ModelRegistry.NotBlessedException e =
        assertThrows(
            ModelRegistry.NotBlessedException.class,
            () -> registry.push(shuffled.directory(), shuffledEvaluation, "taxi", store));
    assertTrue(e.getMessage().contains("Overall auc"), e.getMessage());
    assertNothingPushed(registry);
    assertEquals(1, registry.push(good.directory(), goodEvaluation, "taxi", store));
  }

  @Test
  void aGenuineEvaluationUnknownToTheStoreIsRefused(@TempDir Path root) throws IOException {
    ModelRegistry registry = new ModelRegistry(root.resolve("registry"));
    try (MetadataStore other = MetadataStore.openSqlite(root.resolve("other.sqlite"))) {
      ArtifactIntegrityException e =
          assertThrows(
              ArtifactIntegrityException.class,
              () -> registry.push(good.directory(), goodEvaluation, "taxi", other));
      assertTrue(e.getMessage().contains(other.url()), e.getMessage());
    }
    assertNothingPushed(registry);
  }

  @Test
  void aRecordedEvaluationWhoseBlessingContradictsItsMetricsIsRefused(@TempDir Path root)
      throws IOException {
    // Recorded as it is (as if the evaluator had a bug): the verdict is recomputed all the same.
    Path contradicting = copy(shuffledEvaluation, root.resolve("contradicting"));
    ObjectNode json = json(contradicting);
    ((ObjectNode) json.get("validation")).put("blessed", true);
    write(contradicting, json);
    EvaluationRecords.record(store, contradicting, "test");
    ModelRegistry registry = new ModelRegistry(root.resolve("registry"));
    ArtifactIntegrityException e =
        assertThrows(
            ArtifactIntegrityException.class,
            () -> registry.push(shuffled.directory(), contradicting, "taxi", store));
    assertTrue(e.getMessage().contains("blessed = true"), e.getMessage());
    assertNothingPushed(registry);
  }
}
