package io.millrace.metadata;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;

/**
 * The key under which a stage's execution is cached: SHA-256 (hex) of the stage name, its config as
 * canonical JSON, the code version and the fingerprints of its input artifacts in order. Two
 * executions with the same key would compute the same outputs, so the later one may reuse the
 * earlier one's.
 *
 * <p>The config is canonicalised first, so key order, whitespace and the spelling of numbers
 * ({@code 1}, {@code 1.0}, {@code 1e0}) do not change the key; array order does.
 */
public final class CacheKey {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  // Bumped when what goes into the key changes, so old entries stop matching.
  private static final String VERSION = "millrace-cache-key/1";

  private CacheKey() {}

  /**
   * @throws IllegalArgumentException when the config is not JSON or an input has no fingerprint
   */
  public static String of(
      String stage, String configJson, String codeVersion, List<String> inputFingerprints) {
    List<String> parts = new ArrayList<>();
    parts.add(VERSION);
    parts.add(stage);
    parts.add(canonicalJson(configJson));
    parts.add(codeVersion);
    parts.add(Integer.toString(inputFingerprints.size()));
    for (int i = 0; i < inputFingerprints.size(); i++) {
      String fingerprint = inputFingerprints.get(i);
      if (fingerprint == null || fingerprint.isEmpty()) {
        throw new IllegalArgumentException(
            "stage " + stage + ": input " + i + " has no fingerprint, so it cannot be cached");
      }
      parts.add(fingerprint);
    }
    return sha256(parts);
  }

  /** The key for a stage reading these artifacts, in this order. */
  public static String forInputs(
      String stage, String configJson, String codeVersion, List<Artifact> inputs) {
    List<String> fingerprints = new ArrayList<>();
    for (Artifact input : inputs) {
      if (input.fingerprint().isEmpty()) {
        throw new IllegalArgumentException(
            "stage "
                + stage
                + ": input artifact "
                + input.id()
                + " ("
                + input.type()
                + " at "
                + input.uri()
                + ") has no fingerprint, so it cannot be cached");
      }
      fingerprints.add(input.fingerprint());
    }
    return of(stage, configJson, codeVersion, fingerprints);
  }

  /** The JSON with object keys sorted, no whitespace and numbers in plain form. */
  public static String canonicalJson(String json) {
    try {
      JsonNode node = JSON.readTree(json);
      if (node == null || node.isMissingNode()) {
        throw new IllegalArgumentException("config is empty, expected a JSON value");
      }
      StringBuilder out = new StringBuilder();
      write(node, out);
      return out.toString();
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("config is not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static void write(JsonNode node, StringBuilder out) throws JsonProcessingException {
    if (node.isObject()) {
      List<String> names = new ArrayList<>();
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        names.add(it.next());
      }
      names.sort(null);
      out.append('{');
      for (int i = 0; i < names.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        out.append(JSON.writeValueAsString(names.get(i))).append(':');
        write(node.get(names.get(i)), out);
      }
      out.append('}');
    } else if (node.isArray()) {
      out.append('[');
      for (int i = 0; i < node.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        write(node.get(i), out);
      }
      out.append(']');
    } else if (node.isNumber()) {
      out.append(node.decimalValue().stripTrailingZeros().toPlainString());
    } else {
      out.append(JSON.writeValueAsString(node));
    }
  }

  private static String sha256(List<String> parts) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (String part : parts) {
        // Length-prefixed, so no two different part lists hash the same bytes.
        byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
        digest.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
        digest.update(bytes);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
