package io.millrace.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CacheKeyTest {
  private static final String CONFIG =
      "{\"epochs\": 3, \"optimizer\": {\"name\": \"adam\", \"learning_rate\": 0.01},"
          + " \"features\": [\"fare\", \"trip_miles\"]}";
  private static final List<String> INPUTS = List.of("examples-fp-1", "transform-fp-1");

  private static String key(String config, String code, List<String> inputs) {
    return CacheKey.of("train", config, code, inputs);
  }

  @Test
  void isHexSha256() {
    assertTrue(key(CONFIG, "v1", INPUTS).matches("[0-9a-f]{64}"));
  }

  @Test
  void keyOrderWhitespaceAndNumberSpellingDoNotChangeTheKey() {
    String reordered =
        "{\n  \"features\": [\"fare\", \"trip_miles\"],\n"
            + "  \"optimizer\": {\"learning_rate\": 1.0e-2, \"name\": \"adam\"},\n"
            + "  \"epochs\": 3.0\n}";
    assertEquals(key(CONFIG, "v1", INPUTS), key(reordered, "v1", INPUTS));
    assertEquals(CacheKey.canonicalJson(CONFIG), CacheKey.canonicalJson(reordered));
  }

  @Test
  void anyChangedInputChangesTheKey() {
    String base = key(CONFIG, "v1", INPUTS);
    assertNotEquals(base, key(CONFIG, "v1", List.of("examples-fp-2", "transform-fp-1")));
    assertNotEquals(base, key(CONFIG, "v1", List.of("examples-fp-1", "transform-fp-2")));
    assertNotEquals(base, key(CONFIG, "v1", List.of("transform-fp-1", "examples-fp-1")));
    assertNotEquals(base, key(CONFIG, "v1", List.of("examples-fp-1")));
    assertNotEquals(base, key(CONFIG, "v2", INPUTS));
    assertNotEquals(base, key(CONFIG.replace("0.01", "0.02"), "v1", INPUTS));
    assertNotEquals(
        base,
        key(CONFIG.replace("\"fare\", \"trip_miles\"", "\"trip_miles\", \"fare\""), "v1", INPUTS));
    assertNotEquals(base, CacheKey.of("evaluate", CONFIG, "v1", INPUTS));
  }

  @Test
  void partsCannotRunIntoEachOther() {
    assertNotEquals(
        CacheKey.of("train", "{}", "v1", List.of("ab", "c")),
        CacheKey.of("train", "{}", "v1", List.of("a", "bc")));
  }

  @Test
  void refusesWhatCannotBeKeyed() {
    IllegalArgumentException notJson =
        assertThrows(IllegalArgumentException.class, () -> key("{epochs: 3", "v1", INPUTS));
    assertTrue(notJson.getMessage().contains("not valid JSON"), notJson.getMessage());
    IllegalArgumentException noFingerprint =
        assertThrows(IllegalArgumentException.class, () -> key(CONFIG, "v1", List.of("a", "")));
    assertTrue(noFingerprint.getMessage().contains("input 1"), noFingerprint.getMessage());
  }
}
