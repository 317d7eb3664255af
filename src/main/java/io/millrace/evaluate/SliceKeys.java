package io.millrace.evaluate;

import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The slices of a record by its raw feature values, as TFMA names feature-value slices. */
public final class SliceKeys {
  private SliceKeys() {}

  /**
   * The slice keys of a record: for each definition, {@code "f=v"} or {@code "a=x,b=y"} for every
   * combination of the features' values; none when a feature is missing or empty.
   */
  public static List<String> of(Example record, List<List<String>> definitions) {
    List<String> keys = new ArrayList<>();
    ExampleSchema schema = record.schema();
    for (List<String> features : definitions) {
      List<String> partial = List.of("");
      for (String feature : features) {
        int index = schema.indexOf(feature);
        List<String> values = index < 0 ? List.of() : values(record, index);
        List<String> next = new ArrayList<>(partial.size() * values.size());
        for (String prefix : partial) {
          for (String v : values) {
            next.add((prefix.isEmpty() ? "" : prefix + ",") + feature + "=" + v);
          }
        }
        partial = next;
      }
      keys.addAll(partial);
    }
    return keys;
  }

  private static List<String> values(Example record, int index) {
    Object v = record.rawValues(index);
    List<String> out = new ArrayList<>();
    if (v instanceof long[] l) {
      for (long x : l) {
        out.add(Long.toString(x));
      }
    } else if (v instanceof double[] d) {
      for (double x : d) {
        out.add(Double.toString(x));
      }
    } else if (v instanceof byte[][] b) {
      for (byte[] x : b) {
        out.add(new String(x, StandardCharsets.UTF_8));
      }
    }
    return out;
  }
}
