package io.millrace.serving;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's metrics under TensorFlow Serving's names, in Prometheus' text format as TensorFlow
 * Serving's {@code /monitoring/prometheus/metrics} writes them ({@code /tensorflow/serving/x}
 * becomes {@code :tensorflow:serving:x}; counters carry no {@code _total} suffix):
 *
 * <ul>
 *   <li>{@code :tensorflow:serving:request_count} (counter; model_name, version, label, API,
 *       entrypoint, status: the canonical gRPC code name, as {@code OK}, {@code INVALID_ARGUMENT})
 *   <li>{@code :tensorflow:serving:request_latency} (histogram in microseconds, TF Serving's
 *       buckets: 10 × 1.8^i; model_name, version, label, API, entrypoint)
 *   <li>{@code :tensorflow:serving:batching_session:processed_batch_size} (histogram of the rows of
 *       each TensorFlow call; model_name, version)
 *   <li>{@code :tensorflow:cc:saved_model:load_latency} (counter, microseconds spent loading and
 *       warming; model_path, model_name, version)
 * </ul>
 *
 * <p>Hand-written rather than the Prometheus Java client: that client appends {@code _total} to
 * every counter and refuses names it deems reserved, so it cannot write TF Serving's names.
 */
final class ServingMetrics {
  static final String REQUEST_COUNT = ":tensorflow:serving:request_count";
  static final String REQUEST_LATENCY = ":tensorflow:serving:request_latency";
  static final String BATCH_SIZE = ":tensorflow:serving:batching_session:processed_batch_size";
  static final String LOAD_LATENCY = ":tensorflow:cc:saved_model:load_latency";

  /** TF Serving's request latency buckets: scale 10 µs, power 1.8, 33 buckets (~20 minutes). */
  private static final double[] LATENCY_BOUNDS = exponential(10, 1.8, 33);

  /** Batch sizes: powers of two up to 2^14, as TF Serving's request_example_counts. */
  private static final double[] BATCH_BOUNDS = exponential(1, 2, 15);

  private static double[] exponential(double scale, double power, int count) {
    double[] bounds = new double[count];
    for (int i = 0; i < count; i++) {
      bounds[i] = scale * Math.pow(power, i);
    }
    return bounds;
  }

  private static final class Histogram {
    final double[] bounds;
    final AtomicLongArray counts;
    final LongAdder sum = new LongAdder();

    Histogram(double[] bounds) {
      this.bounds = bounds;
      this.counts = new AtomicLongArray(bounds.length + 1);
    }

    void observe(long value) {
      int i = 0;
      while (i < bounds.length && value > bounds[i]) {
        i++;
      }
      counts.incrementAndGet(i);
      sum.add(value);
    }
  }

  // Keyed by the label set already written as Prometheus writes it: {a="x",b="y"}.
  private final Map<String, LongAdder> requestCounts = new ConcurrentSkipListMap<>();
  private final Map<String, Histogram> requestLatencies = new ConcurrentSkipListMap<>();
  private final Map<String, Histogram> batchSizes = new ConcurrentSkipListMap<>();
  private final Map<String, LongAdder> loadLatencies = new ConcurrentSkipListMap<>();

  /**
   * Counts one answered request and its latency.
   *
   * @param version the version that answered; empty when none did (an unknown model, say)
   * @param label the label the request named; empty when none
   * @param api as TF Serving writes it: over REST the method the path names ({@code predict},
   *     {@code classify}, {@code regress}; {@code ""} for a status or metadata GET), over gRPC the
   *     RPC's name ({@code Predict}; TF Serving counts no {@code GetModelMetadata} or {@code
   *     GetModelStatus} call)
   * @param entrypoint {@code REST} or {@code GRPC}
   * @param status the name of the canonical code the request was answered with ({@code OK}, an
   *     {@link ApiException}'s, or {@code INTERNAL})
   */
  void request(
      String model,
      String version,
      String label,
      String api,
      String entrypoint,
      String status,
      long latencyNanos) {
    String where =
        labels(
            "model_name",
            model,
            "version",
            version,
            "label",
            label,
            "API",
            api,
            "entrypoint",
            entrypoint);
    requestCounts
        .computeIfAbsent(
            where.substring(0, where.length() - 1) + ",status=\"" + escape(status) + "\"}",
            k -> new LongAdder())
        .increment();
    requestLatencies
        .computeIfAbsent(where, k -> new Histogram(LATENCY_BOUNDS))
        .observe(latencyNanos / 1000);
  }

  void batch(String model, int version, int rows) {
    batchSizes
        .computeIfAbsent(
            labels("model_name", model, "version", Integer.toString(version)),
            k -> new Histogram(BATCH_BOUNDS))
        .observe(rows);
  }

  void modelLoaded(String model, int version, String path, long nanos) {
    loadLatencies
        .computeIfAbsent(
            labels("model_path", path, "model_name", model, "version", Integer.toString(version)),
            k -> new LongAdder())
        .add(nanos / 1000);
  }

  /** Every metric in Prometheus' text exposition format (version 0.0.4). */
  String prometheusText() {
    StringBuilder out = new StringBuilder();
    counter(out, REQUEST_COUNT, "The total number of requests.", requestCounts);
    histogram(
        out,
        REQUEST_LATENCY,
        "Distribution of wall time (in microseconds) for Tensorflow Serving request.",
        requestLatencies);
    histogram(
        out,
        BATCH_SIZE,
        "Tracks the batch size distribution on processed batches by model_name.",
        batchSizes);
    counter(
        out,
        LOAD_LATENCY,
        "Latency in microseconds for SavedModels that were successfully loaded (and warmed).",
        loadLatencies);
    return out.toString();
  }

  private static void counter(
      StringBuilder out, String name, String help, Map<String, LongAdder> cells) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" counter\n");
    cells.forEach(
        (where, n) -> out.append(name).append(where).append(' ').append(n.sum()).append('\n'));
  }

  private static void histogram(
      StringBuilder out, String name, String help, Map<String, Histogram> cells) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" histogram\n");
    cells.forEach(
        (where, h) -> {
          String prefix = where.substring(0, where.length() - 1) + ",le=\"";
          long cumulative = 0;
          for (int i = 0; i <= h.bounds.length; i++) {
            cumulative += h.counts.get(i);
            out.append(name)
                .append("_bucket")
                .append(prefix)
                .append(i < h.bounds.length ? number(h.bounds[i]) : "+Inf")
                .append("\"} ")
                .append(cumulative)
                .append('\n');
          }
          out.append(name)
              .append("_sum")
              .append(where)
              .append(' ')
              .append(h.sum.sum())
              .append('\n');
          out.append(name)
              .append("_count")
              .append(where)
              .append(' ')
              .append(cumulative)
              .append('\n');
        });
  }

  private static String number(double bound) {
    return bound == Math.rint(bound) && bound < 1e15
        ? Long.toString((long) bound)
        : Double.toString(bound);
  }

  private static String labels(String... namesAndValues) {
    StringBuilder s = new StringBuilder("{");
    for (int i = 0; i < namesAndValues.length; i += 2) {
      if (i > 0) {
        s.append(',');
      }
      s.append(namesAndValues[i]).append("=\"").append(escape(namesAndValues[i + 1])).append('"');
    }
    return s.append('}').toString();
  }

  private static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
