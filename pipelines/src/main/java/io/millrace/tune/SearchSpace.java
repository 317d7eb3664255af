package io.millrace.tune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.train.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Hyperparameters to search, KerasTuner-style: each parameter names a {@link ModelConfig} field and
 * gives either a list of values ({@code {"values": [[64, 32], [128, 64]]}}) or a range ({@code
 * {"min": 1e-4, "max": 1e-2, "scale": "log"}}, integers when both bounds are integers). {@link
 * Strategy#GRID} takes every combination of value lists (ranges are not allowed); {@link
 * Strategy#RANDOM} draws {@code trials} configurations from a generator seeded with {@code seed},
 * so the same file always gives the same trials.
 *
 * <pre>{@code
 * {"strategy": "RANDOM", "trials": 8, "seed": 7, "objective": "auc",
 *  "parameters": {"learningRate": {"min": 0.0005, "max": 0.02, "scale": "log"},
 *                 "hiddenUnits": {"values": [[64, 32], [128, 64]]}}}
 * }</pre>
 */
public record SearchSpace(
    Strategy strategy, int trials, long seed, String objective, Map<String, Parameter> parameters) {

  public enum Strategy {
    GRID,
    RANDOM
  }

  /** One tunable field: a list of values, or a numeric range. */
  public record Parameter(List<JsonNode> values, Double min, Double max, String scale) {
    public Parameter {
      values = values == null ? null : List.copyOf(values);
      boolean range = min != null || max != null;
      if ((values == null) == !range) {
        throw new IllegalArgumentException("a parameter has either \"values\" or \"min\"/\"max\"");
      }
      if (values != null && values.isEmpty()) {
        throw new IllegalArgumentException("\"values\" is empty");
      }
      if (range && (min == null || max == null || !(min <= max))) {
        throw new IllegalArgumentException("a range needs min <= max");
      }
      if (scale != null && !scale.equals("linear") && !scale.equals("log")) {
        throw new IllegalArgumentException("scale is \"linear\" or \"log\", not " + scale);
      }
      if ("log".equals(scale) && !(min > 0)) {
        throw new IllegalArgumentException("a log scale needs min > 0");
      }
    }

    boolean isRange() {
      return values == null;
    }

    JsonNode draw(SplittableRandom random) {
      if (!isRange()) {
        return values.get(random.nextInt(values.size()));
      }
      boolean integers = min == Math.rint(min) && max == Math.rint(max) && !"log".equals(scale);
      if (integers) {
        return IntNode.valueOf((int) (min + random.nextLong((long) (max - min) + 1)));
      }
      double u = random.nextDouble();
      double v =
          "log".equals(scale)
              ? Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min)))
              : min + u * (max - min);
      return DoubleNode.valueOf(v);
    }
  }

  public SearchSpace {
    Objects.requireNonNull(strategy, "strategy");
    parameters = parameters == null ? Map.of() : new LinkedHashMap<>(parameters);
    if (strategy == Strategy.RANDOM && trials <= 0) {
      throw new IllegalArgumentException("a random search needs \"trials\" > 0");
    }
    if (trials > MAX_TRIALS) {
      throw new IllegalArgumentException(
          "\"trials\" is at most " + MAX_TRIALS + " (each trial trains a model), not " + trials);
    }
    if (strategy == Strategy.GRID) {
      long combinations = 1;
      for (Map.Entry<String, Parameter> p : parameters.entrySet()) {
        if (p.getValue().isRange()) {
          throw new IllegalArgumentException(
              "a grid search needs a list of values for '" + p.getKey() + "', not a range");
        }
        combinations = Math.min(combinations * p.getValue().values().size(), MAX_TRIALS + 1L);
      }
      if (combinations > MAX_TRIALS) {
        throw new IllegalArgumentException(
            "the grid has more than " + MAX_TRIALS + " combinations (each trains a model)");
      }
    }
  }

  /** The most trials one search may train: a bound that keeps a typo from queueing millions. */
  public static final int MAX_TRIALS = 10_000;

  /** No search: the base configuration is the only trial. */
  public static SearchSpace single() {
    return new SearchSpace(Strategy.GRID, 1, 0, null, Map.of());
  }

  public static SearchSpace read(Path file) throws IOException {
    JsonNode node;
    try {
      node = ModelConfigJson.JSON.readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new IOException(file + ": not valid JSON: " + e.getMessage(), e);
    }
    try {
      return fromJson(node);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  /** A search from its JSON tree (a tuner file's content, or an inline tuner). */
  public static SearchSpace fromJson(JsonNode node) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("expected a JSON object");
    }
    requireKnownKeys(
        node, "the tuner", Set.of("strategy", "trials", "seed", "objective", "parameters"));
    String strategyName = node.path("strategy").asText("GRID");
    Strategy strategy =
        Arrays.stream(Strategy.values())
            .filter(s -> s.name().equalsIgnoreCase(strategyName))
            .findFirst()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "strategy is GRID or RANDOM, not '" + strategyName + "'"));
    Map<String, Parameter> parameters = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = node.path("parameters").fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode p = e.getValue();
      List<JsonNode> values = null;
      try {
        requireKnownKeys(p, "a parameter", Set.of("values", "min", "max", "scale"));
        if (p.has("values")) {
          if (!p.get("values").isArray()) {
            throw new IllegalArgumentException("\"values\" is a list");
          }
          values = new ArrayList<>();
          p.get("values").forEach(values::add);
        }
        parameters.put(
            e.getKey(),
            new Parameter(
                values,
                p.has("min") ? number(p.get("min"), "min") : null,
                p.has("max") ? number(p.get("max"), "max") : null,
                p.has("scale") ? p.get("scale").asText() : null));
      } catch (IllegalArgumentException ex) {
        throw new IllegalArgumentException("parameter '" + e.getKey() + "': " + ex.getMessage());
      }
    }
    long trials = node.has("trials") ? wholeNumber(node.get("trials"), "trials") : 0;
    if (trials > MAX_TRIALS) {
      throw new IllegalArgumentException(
          "\"trials\" is at most " + MAX_TRIALS + " (each trial trains a model), not " + trials);
    }
    return new SearchSpace(
        strategy,
        (int) trials,
        node.has("seed") ? wholeNumber(node.get("seed"), "seed") : 0,
        node.hasNonNull("objective") ? node.get("objective").asText() : null,
        parameters);
  }

  private static void requireKnownKeys(JsonNode node, String what, Set<String> known) {
    if (!node.isObject()) {
      throw new IllegalArgumentException(what + " is a JSON object, not " + node);
    }
    node.fieldNames()
        .forEachRemaining(
            name -> {
              if (!known.contains(name)) {
                throw new IllegalArgumentException(
                    "unknown key '" + name + "' in " + what + "; known: " + new TreeSet<>(known));
              }
            });
  }

  private static double number(JsonNode value, String name) {
    if (!value.isNumber()) {
      throw new IllegalArgumentException("\"" + name + "\" is a number, not " + value);
    }
    return value.asDouble();
  }

  private static long wholeNumber(JsonNode value, String name) {
    if (!value.isIntegralNumber() || !value.canConvertToLong()) {
      throw new IllegalArgumentException("\"" + name + "\" is a whole number, not " + value);
    }
    return value.asLong();
  }

  /** The trials of this search over {@code base}, ids {@code trial-000}, {@code trial-001}, ... */
  public List<Trial> trials(ModelConfig base) {
    List<ObjectNode> overlays = new ArrayList<>();
    if (strategy == Strategy.GRID) {
      overlays.add(ModelConfigJson.JSON.createObjectNode());
      for (Map.Entry<String, Parameter> p : parameters.entrySet()) {
        List<ObjectNode> next = new ArrayList<>();
        for (ObjectNode partial : overlays) {
          for (JsonNode value : p.getValue().values()) {
            next.add(partial.deepCopy().set(p.getKey(), value));
          }
        }
        overlays = next;
      }
      if (trials > 0 && overlays.size() > trials) {
        throw new IllegalArgumentException(
            "the grid has " + overlays.size() + " combinations, more than trials = " + trials);
      }
    } else {
      SplittableRandom random = new SplittableRandom(seed);
      for (int t = 0; t < trials; t++) {
        ObjectNode overlay = ModelConfigJson.JSON.createObjectNode();
        parameters.forEach((name, p) -> overlay.set(name, p.draw(random)));
        overlays.add(overlay);
      }
    }
    List<Trial> out = new ArrayList<>();
    for (int t = 0; t < overlays.size(); t++) {
      ObjectNode overlay = overlays.get(t);
      ModelConfig config;
      try {
        config = ModelConfigJson.overlay(base, overlay);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("trial " + overlay + ": " + e.getMessage(), e);
      }
      out.add(new Trial(String.format("trial-%03d", t), overlay.toString(), config));
    }
    return out;
  }
}
