package io.millrace.artifact;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * JSON in one canonical form, for fingerprints of JSON content: object keys sorted, no whitespace
 * and numbers in plain form, so that key order, indentation and the spelling of a number ({@code
 * 1}, {@code 1.0}, {@code 1e0}) do not change it; array order does.
 */
public final class CanonicalJson {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private CanonicalJson() {}

  /**
   * The canonical form of JSON text.
   *
   * @throws IllegalArgumentException when the text is empty or not JSON
   */
  public static String of(String json) {
    try {
      JsonNode node = JSON.readTree(json);
      if (node == null || node.isMissingNode()) {
        throw new IllegalArgumentException("config is empty, expected a JSON value");
      }
      return of(node);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("config is not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** The canonical form of a JSON tree. */
  public static String of(JsonNode node) {
    StringBuilder out = new StringBuilder();
    try {
      write(node, out);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree that cannot be written: " + e.getMessage(), e);
    }
    return out.toString();
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
}
