package io.millrace.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import java.nio.charset.StandardCharsets;

/**
 * An example as a JSON object, {@code {"feature": [values...] | null}}: for records people read
 * (bad examples, transformed serving records). Strings are decoded as UTF-8.
 */
public final class ExampleJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ExampleJson() {}

  public static ObjectNode toJson(Example example) {
    ObjectNode features = JSON.createObjectNode();
    ExampleSchema schema = example.schema();
    for (int f = 0; f < schema.size(); f++) {
      Object raw = example.rawValues(f);
      if (raw == null) {
        features.putNull(schema.name(f));
        continue;
      }
      ArrayNode values = features.putArray(schema.name(f));
      if (raw instanceof long[] longs) {
        for (long v : longs) {
          values.add(v);
        }
      } else if (raw instanceof double[] doubles) {
        for (double v : doubles) {
          values.add(v);
        }
      } else {
        for (byte[] v : (byte[][]) raw) {
          values.add(new String(v, StandardCharsets.UTF_8));
        }
      }
    }
    return features;
  }
}
