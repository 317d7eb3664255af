package io.millrace.serving;

import com.fasterxml.jackson.databind.JsonNode;
import io.millrace.model.LoadedModel;
import io.millrace.model.ModelArtifact;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureType;
import io.millrace.train.ModelExport;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.ServingSchema;
import io.millrace.transform.TransformSpec;
import io.millrace.transform.tf.TransformGraph;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one of a model's signatures takes, and JSON rows read as its records: {@value
 * TransformGraph#SIGNATURE} takes raw features (the model's transform artifact turns them into its
 * inputs), {@value ModelExport#TRANSFORMED_SIGNATURE} the model's inputs themselves.
 *
 * <p>A value is a JSON scalar or a list of them: an integer for INT, a number for FLOAT, a string
 * (or TensorFlow Serving's {@code {"b64": ...}}) for BYTES; {@code null} or {@code []} is a missing
 * value, which the transform fills as in training. An input the signature lacks, a required input a
 * row lacks, and a value of another type are refused, naming the row and the input.
 *
 * @param required the inputs every row must give (an optional one, such as the label's input, may
 *     be left out)
 * @param fitted the model's transform
 * @param idCardinalities each id column the signature takes and its number of ids: a value outside
 *     0..n-1 is refused here, before it could fail a batch shared with other requests
 */
record InputSignature(
    String name,
    ExampleSchema schema,
    Set<String> required,
    FittedTransform fitted,
    Map<String, Integer> idCardinalities) {

  static InputSignature of(LoadedModel model, String signatureName) {
    FittedTransform fitted = model.transformer().fitted();
    List<String> modelInputs = new ArrayList<>(model.artifact().info().inputs().denseFeatures());
    modelInputs.addAll(model.artifact().info().inputs().idColumns());
    if (signatureName == null || signatureName.equals(TransformGraph.SIGNATURE)) {
      return new InputSignature(
          TransformGraph.SIGNATURE,
          fitted.inputSchema(),
          ServingSchema.inputsOf(fitted, modelInputs),
          fitted,
          Map.of());
    }
    if (signatureName.equals(ModelExport.TRANSFORMED_SIGNATURE)) {
      return new InputSignature(
          ModelExport.TRANSFORMED_SIGNATURE,
          model.transformer().outputSchema(),
          new LinkedHashSet<>(modelInputs),
          fitted,
          idCardinalities(model.artifact().info().inputs()));
    }
    throw ApiException.badRequest(
        "signature_name '"
            + signatureName
            + "' is not one of the model's signatures ("
            + TransformGraph.SIGNATURE
            + ", "
            + ModelExport.TRANSFORMED_SIGNATURE
            + ")");
  }

  /** Whether the signature takes an input: every required one, and for raw features any other. */
  boolean accepts(String input) {
    return name.equals(TransformGraph.SIGNATURE)
        ? schema.indexOf(input) >= 0
        : required.contains(input);
  }

  /**
   * The rank of an input's tensor: 2 for a one-hot vocabulary output the transformed signature
   * takes as a vector per row, else 1 (one value per row).
   */
  int rank(String input) {
    if (name.equals(TransformGraph.SIGNATURE)) {
      return 1;
    }
    FittedTransform.Fitted step = fitted.fitted().get(schema.requireIndex(input));
    return step.kind() == TransformSpec.Kind.COMPUTE_AND_APPLY_VOCABULARY
            && step.outputType() == FeatureType.FLOAT
        ? 2
        : 1;
  }

  /** Rows given as a list of objects of named inputs ({@code "instances"}, {@code "examples"}). */
  List<Example> rows(JsonNode rows, String field, JsonNode context) {
    if (!rows.isArray()) {
      throw ApiException.badRequest("'" + field + "' is not a list");
    }
    if (context != null && !context.isNull() && !context.isObject()) {
      throw ApiException.badRequest("'context' is not an object of named inputs");
    }
    List<Example> records = new ArrayList<>(rows.size());
    for (int r = 0; r < rows.size(); r++) {
      JsonNode row = rows.get(r);
      String where = field + "[" + r + "]";
      if (!row.isObject()) {
        throw ApiException.badRequest(where + " is not an object of named inputs");
      }
      Example.Builder b = schema.newExample();
      Set<String> given = new LinkedHashSet<>();
      if (context != null && context.isObject()) {
        set(b, context, "context", given);
      }
      set(b, row, where, given);
      requireAll(given, where);
      records.add(b.build());
    }
    return records;
  }

  /** Rows given as columns: {@code "inputs": {name: [one value per row], ...}}. */
  List<Example> columns(JsonNode inputs) {
    if (!inputs.isObject()) {
      throw ApiException.badRequest("'inputs' is not an object of named inputs");
    }
    int n = -1;
    String first = null;
    for (Iterator<Map.Entry<String, JsonNode>> it = inputs.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> column = it.next();
      String where = "inputs." + column.getKey();
      requireAccepted(column.getKey(), where);
      if (!column.getValue().isArray()) {
        throw ApiException.badRequest(where + " is not a list of one value per row");
      }
      if (n < 0) {
        n = column.getValue().size();
        first = column.getKey();
      } else if (column.getValue().size() != n) {
        throw ApiException.badRequest(
            where + " has " + column.getValue().size() + " rows, inputs." + first + " has " + n);
      }
    }
    requireAll(fieldNames(inputs), "inputs");
    List<Example> records = new ArrayList<>(Math.max(n, 0));
    for (int r = 0; r < n; r++) {
      Example.Builder b = schema.newExample();
      for (Iterator<Map.Entry<String, JsonNode>> it = inputs.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> column = it.next();
        int index = schema.requireIndex(column.getKey());
        b.setRaw(
            index,
            value(column.getValue().get(r), index, "inputs." + column.getKey() + "[" + r + "]"));
      }
      records.add(b.build());
    }
    return records;
  }

  private static Set<String> fieldNames(JsonNode object) {
    Set<String> names = new LinkedHashSet<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private void set(Example.Builder b, JsonNode object, String where, Set<String> given) {
    for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> input = it.next();
      String at = where + "." + input.getKey();
      requireAccepted(input.getKey(), at);
      int index = schema.requireIndex(input.getKey());
      b.setRaw(index, value(input.getValue(), index, at));
      given.add(input.getKey());
    }
  }

  private void requireAccepted(String input, String where) {
    if (!accepts(input)) {
      throw ApiException.badRequest(
          where
              + ": unknown input '"
              + input
              + "'; signature '"
              + name
              + "' takes "
              + String.join(", ", name.equals(TransformGraph.SIGNATURE) ? names() : required));
    }
  }

  private List<String> names() {
    List<String> names = new ArrayList<>();
    for (int f = 0; f < schema.size(); f++) {
      names.add(schema.name(f));
    }
    return names;
  }

  private void requireAll(Set<String> given, String where) {
    for (String input : required) {
      if (!given.contains(input)) {
        throw ApiException.badRequest(
            where + " lacks the input '" + input + "' (signature '" + name + "' needs it)");
      }
    }
  }

  /**
   * A JSON value as a value array of the input's type; null when missing, which only raw features
   * may be (the transform fills them; the model's inputs have no filler).
   */
  private Object value(JsonNode value, int index, String where) {
    Object values = values(value, schema.type(index), where);
    if (values == null && !name.equals(TransformGraph.SIGNATURE)) {
      throw ApiException.badRequest(where + " has no value; signature '" + name + "' needs one");
    }
    Integer ids = idCardinalities.get(schema.name(index));
    if (ids != null && values instanceof long[] longs) {
      for (long id : longs) {
        if (id < 0 || id >= ids) {
          throw ApiException.badRequest(
              where + ": id " + id + " is not in 0.." + (ids - 1) + " (the column's ids)");
        }
      }
    }
    return values;
  }

  private static Map<String, Integer> idCardinalities(ModelArtifact.Inputs inputs) {
    Map<String, Integer> ids = new HashMap<>();
    for (int c = 0; c < inputs.idColumns().size(); c++) {
      ids.put(inputs.idColumns().get(c), inputs.cardinalities().get(c));
    }
    return ids;
  }

  /** A JSON value as a value array of the type; null when missing. */
  private static Object values(JsonNode value, FeatureType type, String where) {
    if (value == null || value.isNull()) {
      return null;
    }
    List<JsonNode> items = new ArrayList<>();
    if (value.isArray()) {
      value.forEach(items::add);
      if (items.isEmpty()) {
        return null;
      }
    } else {
      items.add(value);
    }
    switch (type) {
      case INT -> {
        long[] out = new long[items.size()];
        for (int i = 0; i < out.length; i++) {
          JsonNode v = items.get(i);
          if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw wrongType(where, "a 64-bit integer", v);
          }
          out[i] = v.longValue();
        }
        return out;
      }
      case FLOAT -> {
        double[] out = new double[items.size()];
        for (int i = 0; i < out.length; i++) {
          JsonNode v = items.get(i);
          if (!v.isNumber()) {
            throw wrongType(where, "a number", v);
          }
          out[i] = v.doubleValue();
        }
        return out;
      }
      default -> {
        byte[][] out = new byte[items.size()][];
        for (int i = 0; i < out.length; i++) {
          JsonNode v = items.get(i);
          if (v.isTextual()) {
            out[i] = v.textValue().getBytes(StandardCharsets.UTF_8);
          } else if (v.isObject() && v.size() == 1 && v.path("b64").isTextual()) {
            try {
              out[i] = Base64.getDecoder().decode(v.path("b64").textValue());
            } catch (IllegalArgumentException e) {
              throw ApiException.badRequest(where + ": b64 is not base64: " + e.getMessage());
            }
          } else {
            throw wrongType(where, "a string", v);
          }
        }
        return out;
      }
    }
  }

  private static ApiException wrongType(String where, String expected, JsonNode got) {
    String shown = got.toString();
    if (shown.length() > 60) {
      shown = shown.substring(0, 60) + "...";
    }
    return ApiException.badRequest(where + " must be " + expected + ", not " + shown);
  }
}
