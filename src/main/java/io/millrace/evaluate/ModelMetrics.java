package io.millrace.evaluate;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The evaluation of one model: metrics per slice ({@code ""} is the overall slice), the overall
 * slice's bootstrap intervals (empty without bootstrap), and the examples not evaluated.
 *
 * @param model the role in the evaluation ("candidate", "baseline")
 * @param kind BINARY, MULTICLASS or REGRESSION
 * @param unusableLabels records scored but not evaluated: their label is missing or invalid
 * @param droppedSlices slices with fewer than the minimum slice size examples, left out of {@code
 *     slices}
 */
public record ModelMetrics(
    String model,
    String kind,
    long unusableLabels,
    Map<String, Map<String, Double>> slices,
    Map<String, Bootstrap.Interval> intervals,
    List<String> droppedSlices)
    implements Serializable {
  public ModelMetrics {
    TreeMap<String, Map<String, Double>> copy = new TreeMap<>();
    slices.forEach((k, v) -> copy.put(k, new java.util.LinkedHashMap<>(v)));
    slices = copy;
    intervals = new java.util.LinkedHashMap<>(intervals);
    droppedSlices = new java.util.ArrayList<>(droppedSlices);
  }

  /** The overall slice's metrics. */
  public Map<String, Double> overall() {
    return slices.get(SlicedMetrics.OVERALL);
  }

  /** Examples evaluated (overall slice). */
  public long exampleCount() {
    Map<String, Double> overall = overall();
    Double n = overall == null ? null : overall.get("example_count");
    return n == null ? 0 : n.longValue();
  }

  /** One metric of one slice, or NaN when the slice or the metric is absent. */
  public double metric(String slice, String metric) {
    Map<String, Double> m = slices.get(slice);
    Double v = m == null ? null : m.get(metric);
    return v == null ? Double.NaN : v;
  }
}
