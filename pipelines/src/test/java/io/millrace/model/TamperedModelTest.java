package io.millrace.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.ArtifactIntegrityException;
import io.millrace.evaluate.EvaluationConfig;
import io.millrace.metadata.MetadataStore;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.TransformAnalyzer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every byte that changes a prediction is under the model's fingerprint: a model whose transform
 * constants, vocabulary, model.json or weights were edited after its evaluation is refused when it
 * is read, pushed or loaded, with a message naming the artifact.
 */
class TamperedModelTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  private static MetadataStore store;
  private static ModelArtifact model;
  private static Path evaluation;

  @FunctionalInterface
  interface Edit {
    void apply(Path model) throws IOException;
  }

  @BeforeAll
  static void trainAndEvaluate() throws IOException {
    store = MetadataStore.openSqlite(dir.resolve("metadata.sqlite"));
    model = TaxiModels.writeGood(dir.resolve("model"), "big-tipper");
    evaluation =
        ForgedBlessingTest.evaluate(model, EvaluationConfig.defaults(), dir.resolve("eval"), store);
  }

  @AfterAll
  static void closeStore() {
    store.close();
  }

  static Map<String, Edit> edits() {
    Map<String, Edit> edits = new LinkedHashMap<>();
    edits.put(
        "a mean in the transform manifest",
        m ->
            editJson(
                m.resolve(ModelArtifact.TRANSFORM).resolve(FittedTransform.MANIFEST),
                json -> {
                  ObjectNode fare = (ObjectNode) json.get("outputs").get(0);
                  fare.put("mean", fare.get("mean").asDouble() + 1.0);
                }));
    edits.put(
        "two vocabulary lines swapped",
        m -> {
          Path vocabulary =
              m.resolve(ModelArtifact.TRANSFORM)
                  .resolve(FittedTransform.VOCABULARIES)
                  .resolve("company_id.txt");
          List<String> lines = new ArrayList<>(Files.readAllLines(vocabulary));
          String first = lines.get(0);
          lines.set(0, lines.get(1));
          lines.set(1, first);
          Files.write(vocabulary, lines, StandardCharsets.UTF_8);
        });
    edits.put(
        "the label in model.json",
        m -> editJson(m.resolve(ModelArtifact.MODEL_JSON), json -> json.put("label", "fare_z")));
    edits.put(
        "classNames in model.json",
        m ->
            editJson(
                m.resolve(ModelArtifact.MODEL_JSON),
                json -> json.putArray("classNames").add("small").add("big")));
    edits.put(
        "the inputs in model.json",
        m ->
            editJson(
                m.resolve(ModelArtifact.MODEL_JSON),
                json -> {
                  ArrayNode dense = (ArrayNode) json.get("inputs").get("denseFeatures");
                  String first = dense.get(0).asText();
                  dense.set(0, dense.get(1));
                  dense.set(1, JSON.getNodeFactory().textNode(first));
                }));
    edits.put(
        "a byte of the variables",
        m -> {
          Path variables;
          try (Stream<Path> files =
              Files.list(m.resolve(ModelArtifact.SAVED_MODEL).resolve("variables"))) {
            variables =
                files
                    .filter(p -> p.getFileName().toString().startsWith("variables.data"))
                    .findFirst()
                    .orElseThrow();
          }
          byte[] bytes = Files.readAllBytes(variables);
          bytes[bytes.length / 2] ^= 1;
          Files.write(variables, bytes);
        });
    return edits;
  }

  interface JsonEdit {
    void apply(ObjectNode json);
  }

  static void editJson(Path file, JsonEdit edit) throws IOException {
    ObjectNode json = (ObjectNode) JSON.readTree(file.toFile());
    edit.apply(json);
    JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), json);
  }

  private static Path tampered(String name, Edit edit) throws IOException {
    Path copy = dir.resolve("tampered").resolve(name.replace(' ', '-'));
    ArtifactDirectory.copyRecursively(model.directory(), copy);
    edit.apply(copy);
    return copy;
  }

  @Test
  void timestampsTimingsAndFormattingAreOutsideTheFingerprint() throws IOException {
    Path copy =
        tampered(
            "timings",
            m ->
                editJson(
                    m.resolve(ModelArtifact.MODEL_JSON),
                    json -> {
                      json.put("createdAt", "2000-01-01T00:00:00Z");
                      ObjectNode training = (ObjectNode) json.get("training");
                      training.put("examplesPerSecond", 1.5);
                      training.put("trainMillis", 123456);
                      ((ObjectNode) training.get("more")).put("trainNanos", 42);
                    }));
    assertEquals(model.fingerprint(), ModelArtifact.read(copy).fingerprint());
    // The same training again: the same fingerprint, though written at another time.
    ModelArtifact again = TaxiModels.writeGood(dir.resolve("again"), "big-tipper");
    assertEquals(model.fingerprint(), again.fingerprint());
  }

  @Test
  void anotherGenuineTransformInTheModelIsRefused() throws IOException {
    Path copy =
        tampered(
            "other-transform",
            m -> {
              Path transform = m.resolve(ModelArtifact.TRANSFORM);
              ArtifactDirectory.deleteRecursively(transform);
              TransformAnalyzer analyzer =
                  TransformAnalyzer.create(
                      TaxiModels.fitted().spec(), TaxiModels.eval().get(0).schema());
              TaxiModels.eval().forEach(analyzer::add);
              analyzer.fit("taxi/tutorial/eval.csv").write(transform, false);
            });
    ArtifactIntegrityException e =
        assertThrows(ArtifactIntegrityException.class, () -> ModelArtifact.read(copy));
    assertTrue(
        e.getMessage().contains("is not the transform the model was trained"), e.getMessage());
  }

  @Test
  void aModelWrittenBeforeContentFingerprintsIsRefusedWithTheReason() throws IOException {
    Path copy =
        tampered(
            "old-layout",
            m ->
                editJson(
                    m.resolve(ModelArtifact.MODEL_JSON),
                    json -> json.put("layout", "millrace-model/1")));
    ArtifactIntegrityException e =
        assertThrows(ArtifactIntegrityException.class, () -> ModelArtifact.read(copy));
    assertTrue(e.getMessage().contains("train it again"), e.getMessage());
  }

  @TestFactory
  Stream<DynamicTest> anEditedModelIsRefusedOnReadPushAndLoad() {
    return edits().entrySet().stream()
        .map(
            e ->
                DynamicTest.dynamicTest(
                    e.getKey(),
                    () -> {
                      Path copy = tampered(e.getKey(), e.getValue());
                      ArtifactIntegrityException read =
                          assertThrows(
                              ArtifactIntegrityException.class, () -> ModelArtifact.read(copy));
                      assertTrue(read.getMessage().contains(copy.toString()), read.getMessage());

                      ModelRegistry registry =
                          new ModelRegistry(dir.resolve("registry-" + copy.getFileName()));
                      Exception push =
                          assertThrows(
                              ArtifactIntegrityException.class,
                              () -> registry.push(copy, evaluation, "taxi", store));
                      assertTrue(push.getMessage().contains(copy.toString()), push.getMessage());
                      assertEquals(List.of(), registry.versions("taxi"));

                      ArtifactIntegrityException load =
                          assertThrows(
                              ArtifactIntegrityException.class, () -> LoadedModel.load(copy));
                      assertTrue(load.getMessage().contains(copy.toString()), load.getMessage());
                    }));
  }
}
