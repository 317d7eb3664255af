package io.millrace.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Raw records as TensorFlow Serving predict requests. */
final class TaxiRequests {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TaxiRequests() {}

  /** A raw record as an instance: each of the given inputs' first value, null when missing. */
  static ObjectNode instance(Example e, ExampleSchema inputs) {
    ObjectNode row = JSON.createObjectNode();
    for (int f = 0; f < inputs.size(); f++) {
      String name = inputs.name(f);
      int index = e.schema().indexOf(name);
      Object v = index < 0 ? null : e.rawValues(index);
      if (v instanceof long[] l) {
        row.put(name, l[0]);
      } else if (v instanceof double[] d) {
        row.put(name, d[0]);
      } else if (v instanceof byte[][] b) {
        row.put(name, new String(b[0], StandardCharsets.UTF_8));
      } else {
        row.putNull(name);
      }
    }
    return row;
  }

  /** {@code {"instances": [...]}} of the records. */
  static String instances(List<Example> records, ExampleSchema inputs) {
    ObjectNode body = JSON.createObjectNode();
    ArrayNode rows = body.putArray("instances");
    records.forEach(e -> rows.add(instance(e, inputs)));
    return body.toString();
  }
}
