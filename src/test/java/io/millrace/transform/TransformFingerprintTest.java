package io.millrace.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.ArtifactIntegrityException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transform's fingerprint covers its fitted constants and vocabularies, not only its
 * definition: an edited mean or two swapped vocabulary lines are refused by {@link
 * FittedTransform#read}, naming the artifact.
 */
class TransformFingerprintTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  private static FittedTransform fitted;
  private static Path written;

  @BeforeAll
  static void fit() throws IOException {
    List<io.millrace.record.Example> train = FeatureTransformerTest.read("train.csv");
    TransformAnalyzer analyzer =
        TransformAnalyzer.create(FeatureTransformerTest.TAXI, train.get(0).schema());
    train.forEach(analyzer::add);
    fitted = analyzer.fit("taxi/tutorial/train.csv");
    written = dir.resolve("transform");
    fitted.write(written, false);
  }

  private static Path copy(String name) throws IOException {
    Path copy = dir.resolve(name);
    ArtifactDirectory.copyRecursively(written, copy);
    return copy;
  }

  @Test
  void aWrittenTransformReadsBackWithTheSameFingerprint() throws IOException {
    assertEquals(fitted.fingerprint(), FittedTransform.read(written).fingerprint());
    // Fitted again on the same data: the same fingerprint (no time or place in it).
    List<io.millrace.record.Example> train = FeatureTransformerTest.read("train.csv");
    TransformAnalyzer again =
        TransformAnalyzer.create(FeatureTransformerTest.TAXI, train.get(0).schema());
    train.forEach(again::add);
    assertEquals(fitted.fingerprint(), again.fit("taxi/tutorial/train.csv").fingerprint());
    assertNotEquals(fitted.fingerprint(), again.fit("other data").fingerprint());
  }

  @Test
  void anEditedMeanIsRefused() throws IOException {
    Path copy = copy("edited-mean");
    Path manifest = copy.resolve(FittedTransform.MANIFEST);
    ObjectNode json = (ObjectNode) JSON.readTree(manifest.toFile());
    ObjectNode fare = (ObjectNode) json.get("outputs").get(0);
    fare.put("mean", fare.get("mean").asDouble() + 0.5);
    JSON.writerWithDefaultPrettyPrinter().writeValue(manifest.toFile(), json);
    ArtifactIntegrityException e =
        assertThrows(ArtifactIntegrityException.class, () -> FittedTransform.read(copy));
    assertTrue(e.getMessage().contains(copy.toString()), e.getMessage());
  }

  @Test
  void twoSwappedVocabularyLinesAreRefused() throws IOException {
    Path copy = copy("swapped-vocabulary");
    Path vocabulary = copy.resolve(FittedTransform.VOCABULARIES).resolve("company_id.txt");
    List<String> lines = new ArrayList<>(Files.readAllLines(vocabulary));
    String first = lines.get(0);
    lines.set(0, lines.get(1));
    lines.set(1, first);
    Files.write(vocabulary, lines);
    ArtifactIntegrityException e =
        assertThrows(ArtifactIntegrityException.class, () -> FittedTransform.read(copy));
    assertTrue(e.getMessage().contains(copy.toString()), e.getMessage());
  }

  @Test
  void aTransformWrittenBeforeContentFingerprintsIsRefusedWithTheReason() throws IOException {
    Path copy = copy("old-layout");
    Path manifest = copy.resolve(FittedTransform.MANIFEST);
    ObjectNode json = (ObjectNode) JSON.readTree(manifest.toFile());
    json.put("layout", "millrace-transform/1");
    JSON.writeValue(manifest.toFile(), json);
    ArtifactIntegrityException e =
        assertThrows(ArtifactIntegrityException.class, () -> FittedTransform.read(copy));
    assertTrue(e.getMessage().contains("fit the transform again"), e.getMessage());
  }

  @Test
  void aReformattedManifestIsTheSameTransform() throws IOException {
    // Indentation and key order change no prediction.
    Path copy = copy("reformatted");
    Path manifest = copy.resolve(FittedTransform.MANIFEST);
    Files.write(manifest, JSON.writeValueAsBytes(JSON.readTree(manifest.toFile())));
    assertEquals(fitted.fingerprint(), FittedTransform.read(copy).fingerprint());
  }
}
