package io.millrace.transform;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Vocabulary files are named after step outputs and found again through the manifest: neither a
 * definition nor an edited manifest can make the transform write or read a file outside its
 * artifact.
 */
class TransformPathsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  @Test
  void anOutputNamedLikeAPathIsRefusedWhenTheDefinitionIsRead() {
    String definition =
        "{\"steps\": [{\"output\": \"../../../../elsewhere/x\","
            + " \"kind\": \"COMPUTE_AND_APPLY_VOCABULARY\", \"inputs\": [\"color\"]}]}";
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TransformSpec.fromJson(definition));
    assertTrue(e.getMessage().contains("output '../../../../elsewhere/x'"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> TransformSpec.builder().zScore("a/b", "x").build(),
        "a separator in a name built in Java");
    assertThrows(
        IllegalArgumentException.class,
        () ->
            TransformSpec.builder()
                .vocabulary("..", "color", TransformSpec.VocabularyOptions.defaults())
                .build(),
        "a name that is a parent reference");
  }

  @Test
  void aVocabularyFileOutsideTheArtifactIsRefusedOnRead() throws IOException {
    TransformSpec spec =
        TransformSpec.builder()
            .vocabulary("color_id", "color", TransformSpec.VocabularyOptions.defaults())
            .build();
    TransformAnalyzer analyzer = TransformAnalyzer.create(spec, TransformTestData.RAW);
    TransformTestData.records(1, 500, false).forEach(analyzer::add);
    Path artifact = dir.resolve("models").resolve("transform");
    analyzer.fit("test-data").write(artifact, false);
    FittedTransform.read(artifact);

    // A copy of the genuine vocabulary two levels up, and a manifest edited to point at it: the
    // counts match, so only the path gives the edit away.
    Path outside = dir.resolve("x.txt");
    Files.copy(artifact.resolve("vocabularies/color_id.txt"), outside);
    Path manifestFile = artifact.resolve(FittedTransform.MANIFEST);
    ObjectNode manifest = (ObjectNode) JSON.readTree(manifestFile.toFile());
    ((ObjectNode) manifest.get("outputs").get(0)).put("vocabularyFile", "../../x.txt");
    JSON.writeValue(manifestFile.toFile(), manifest);

    IOException e = assertThrows(IOException.class, () -> FittedTransform.read(artifact));
    assertTrue(e.getMessage().contains("../../x.txt"), e.getMessage());
    assertTrue(e.getMessage().contains("outside"), e.getMessage());

    ((ObjectNode) manifest.get("outputs").get(0)).put("vocabularyFile", outside.toString());
    JSON.writeValue(manifestFile.toFile(), manifest);
    IOException absolute = assertThrows(IOException.class, () -> FittedTransform.read(artifact));
    assertTrue(absolute.getMessage().contains(outside.toString()), absolute.getMessage());
    assertFalse(Files.exists(artifact.resolve("x.txt")));
  }
}
