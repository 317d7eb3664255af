package io.millrace.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.train.ModelConfig;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SearchSpaceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ModelConfig BASE =
      ModelConfig.builder().dnn(8).learningRate(0.01f).epochs(3).build();

  private static SearchSpace space(String json) throws IOException {
    return SearchSpace.fromJson(JSON.readTree(json));
  }

  @Test
  void aGridTakesEveryCombinationInOrder() throws IOException {
    List<Trial> trials =
        space(
                """
                {"strategy": "grid", "parameters": {
                  "learningRate": {"values": [0.001, 0.01]},
                  "hiddenUnits": {"values": [[8], [16, 8], [32, 16]]}}}
                """)
            .trials(BASE);
    assertEquals(6, trials.size());
    assertEquals("trial-000", trials.get(0).id());
    assertEquals(0.001f, trials.get(0).config().learningRate());
    assertEquals(List.of(8), trials.get(0).config().hiddenUnits());
    assertEquals(List.of(16, 8), trials.get(1).config().hiddenUnits());
    assertEquals(0.01f, trials.get(5).config().learningRate());
    assertEquals(List.of(32, 16), trials.get(5).config().hiddenUnits());
    // Untuned settings keep the base's values.
    trials.forEach(t -> assertEquals(3, t.config().epochs()));
    Set<String> distinct = new HashSet<>();
    trials.forEach(t -> distinct.add(t.parameters()));
    assertEquals(6, distinct.size());
  }

  @Test
  void aRandomSearchIsReproducibleAndStaysInItsRanges() throws IOException {
    String json =
        """
        {"strategy": "RANDOM", "trials": 20, "seed": 5, "parameters": {
          "learningRate": {"min": 0.0001, "max": 0.1, "scale": "log"},
          "batchSize": {"min": 32, "max": 64},
          "dropoutRate": {"values": [0.0, 0.25]}}}
        """;
    List<Trial> first = space(json).trials(BASE);
    List<Trial> second = space(json).trials(BASE);
    assertEquals(first, second);
    assertEquals(20, first.size());
    Set<Integer> batchSizes = new HashSet<>();
    for (Trial t : first) {
      float lr = t.config().learningRate();
      assertTrue(lr >= 0.0001f && lr <= 0.1f, "learning rate " + lr);
      int batch = t.config().batchSize();
      assertTrue(batch >= 32 && batch <= 64, "batch size " + batch);
      batchSizes.add(batch);
      assertTrue(t.config().dropoutRate() == 0f || t.config().dropoutRate() == 0.25f);
    }
    assertTrue(batchSizes.size() > 5, "integer range draws vary: " + batchSizes);
    List<Trial> otherSeed = space(json.replace("\"seed\": 5", "\"seed\": 6")).trials(BASE);
    assertTrue(!first.equals(otherSeed));
  }

  @Test
  void mistakesAreNamed() {
    IllegalArgumentException unknown =
        assertThrows(
            IllegalArgumentException.class,
            () -> space("{\"parameters\": {\"learningRat\": {\"values\": [0.1]}}}").trials(BASE));
    assertTrue(unknown.getMessage().contains("learningRat"), unknown.getMessage());
    assertTrue(unknown.getMessage().contains("learningRate"), unknown.getMessage());
    IllegalArgumentException range =
        assertThrows(
            IllegalArgumentException.class,
            () -> space("{\"parameters\": {\"learningRate\": {\"min\": 0.1, \"max\": 0.2}}}"));
    assertTrue(range.getMessage().contains("grid"), range.getMessage());
    IllegalArgumentException invalid =
        assertThrows(
            IllegalArgumentException.class,
            () -> space("{\"parameters\": {\"batchSize\": {\"values\": [0]}}}").trials(BASE));
    assertTrue(invalid.getMessage().contains("batchSize"), invalid.getMessage());
  }

  @Test
  void modelSettingsFilesOverlayTheDefaults() throws IOException {
    ModelConfig config =
        ModelConfigJson.parse("{\"kind\": \"DNN\", \"hiddenUnits\": [4], \"epochs\": 2}");
    ModelConfig defaults = ModelConfig.builder().build();
    assertEquals(ModelConfig.Kind.DNN, config.kind());
    assertEquals(List.of(4), config.hiddenUnits());
    assertEquals(2, config.epochs());
    assertEquals(defaults.learningRate(), config.learningRate());
    assertEquals(config, ModelConfigJson.parse(ModelConfigJson.write(config)));
  }
}
