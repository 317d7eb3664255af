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
import io.millrace.stage.EvaluationJob;
import io.millrace.transforms.coders.ExampleCoder;
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

  @FunctionalInterface
  interface JsonEdit {
    void apply(ObjectNode evaluationJson);
  }

  /** A copy of {@code evaluation} whose evaluation.json went through {@code edit}. */
  private static Path edited(Path evaluation, Path to, JsonEdit edit) throws IOException {
    ArtifactDirectory.copyRecursively(evaluation, to);
    Path file = to.resolve(Evaluation.FILE);
    ObjectNode json = (ObjectNode) JSON.readTree(file.toFile());
    edit.apply(json);
    Files.write(file, JSON.writeValueAsBytes(json));
    return to;
  }

  /**
   * Pushes {@code model} with {@code evaluation} into a new registry under {@code root}: refused as
   * an altered artifact, and nothing is pushed.
   *
   * @return the refusal's message
   */
  private static String refusedAsAltered(
      Path root, ModelArtifact model, Path evaluation, MetadataStore evaluations)
      throws IOException {
    ModelRegistry registry = new ModelRegistry(root.resolve("registry"));
    ArtifactIntegrityException e =
        assertThrows(
            ArtifactIntegrityException.class,
            () -> registry.push(model.directory(), evaluation, "taxi", evaluations));
    assertNothingPushed(registry);
    return e.getMessage();
  }

  private static void assertNothingPushed(ModelRegistry registry) throws IOException {
    assertEquals(List.of(), registry.versions("taxi"));
    assertFalse(Files.exists(registry.root().resolve("taxi").resolve(ModelRegistry.LATEST)));
  }

  @Test
  void aFailedEvaluationWithItsBlessingFlippedIsRefused(@TempDir Path root) throws IOException {
    Path forged =
        edited(
            shuffledEvaluation,
            root.resolve("forged"),
            json -> ((ObjectNode) json.get("validation")).put("blessed", true));
    String message = refusedAsAltered(root, shuffled, forged, store);
    assertTrue(message.contains(forged.toString()), message);
  }

  @Test
  void aFailedEvaluationMadeConsistentWithLoweredThresholdsIsRefused(@TempDir Path root)
      throws IOException {
    // The forger lowers the bound, clears the failures and blesses: every number agrees with
    // every other, so only the record of what the evaluation wrote can tell.
    Path forged =
        edited(
            shuffledEvaluation,
            root.resolve("forged"),
            json -> {
              ((ObjectNode) json.get("config").get("thresholds").get(0)).put("lowerBound", 0.1);
              ObjectNode validation = (ObjectNode) json.get("validation");
              validation.put("blessed", true);
              validation.putArray("failures");
            });
    String message = refusedAsAltered(root, shuffled, forged, store);
    assertTrue(message.contains(forged.toString()), message);
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
    String message = refusedAsAltered(root, shuffled, forged, store);
    assertTrue(message.contains(forged.toString()), message);
  }

  @Test
  void aBlessingMovedToAnotherModelIsRefused(@TempDir Path root) throws IOException {
    Path forged =
        edited(
            goodEvaluation,
            root.resolve("forged"),
            json ->
                ((ObjectNode) json.get("candidate")).put("fingerprint", shuffled.fingerprint()));
    String message = refusedAsAltered(root, shuffled, forged, store);
    assertTrue(message.contains(forged.toString()), message);
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
    try (MetadataStore other = MetadataStore.openSqlite(root.resolve("other.sqlite"))) {
      String message = refusedAsAltered(root, good, goodEvaluation, other);
      assertTrue(message.contains(other.url()), message);
    }
  }

  @Test
  void aRecordedEvaluationWhoseBlessingContradictsItsMetricsIsRefused(@TempDir Path root)
      throws IOException {
    // Recorded as it is (as if the evaluator had a bug): the verdict is recomputed all the same.
    Path contradicting =
        edited(
            shuffledEvaluation,
            root.resolve("contradicting"),
            json -> ((ObjectNode) json.get("validation")).put("blessed", true));
    EvaluationRecords.record(store, contradicting, "test");
    String message = refusedAsAltered(root, shuffled, contradicting, store);
    assertTrue(message.contains("blessed = true"), message);
  }
}
