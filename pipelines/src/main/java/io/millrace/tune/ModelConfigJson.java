package io.millrace.tune;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.train.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@link ModelConfig} as JSON. A file names only the fields it changes ({@code {"kind": "DNN",
 * "hiddenUnits": [64, 32], "learningRate": 0.003}}); the rest keep the builder's defaults. The same
 * overlay applies a tuner trial's parameters to a base configuration, so every field of {@code
 * ModelConfig} is tunable by its name.
 */
public final class ModelConfigJson {
  // A key given twice is an error: a silently kept last value would train another model.
  public static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private ModelConfigJson() {}

  public static ModelConfig read(Path file) throws IOException {
    JsonNode node;
    try {
      node = JSON.readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new IOException(file + ": not valid JSON: " + e.getMessage(), e);
    }
    if (node == null || !node.isObject()) {
      throw new IOException(file + ": expected a JSON object of model settings");
    }
    try {
      return overlay(ModelConfig.builder().build(), node);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  public static ModelConfig parse(String json) throws IOException {
    return overlay(ModelConfig.builder().build(), JSON.readTree(json));
  }

  public static String write(ModelConfig config) {
    try {
      return JSON.writeValueAsString(config);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static ObjectNode toTree(ModelConfig config) {
    return JSON.valueToTree(config);
  }

  /** {@code base} with the fields of {@code changes} replaced; unknown names are an error. */
  public static ModelConfig overlay(ModelConfig base, JsonNode changes) {
    ObjectNode tree = toTree(base);
    Iterator<Map.Entry<String, JsonNode>> fields = changes.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (!tree.has(field.getKey())) {
        throw new IllegalArgumentException(
            "unknown model setting '" + field.getKey() + "'; known: " + knownNames(tree));
      }
      tree.set(field.getKey(), field.getValue());
    }
    try {
      return JSON.treeToValue(tree, ModelConfig.class);
    } catch (IOException e) {
      Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
      throw new IllegalArgumentException(cause.getMessage(), e);
    }
  }

  private static TreeSet<String> knownNames(ObjectNode tree) {
    TreeSet<String> names = new TreeSet<>();
    tree.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
