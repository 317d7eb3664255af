package io.millrace.evaluate;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Metrics per slice key ({@code ""} is the overall slice, others look like {@code
 * "payment_type=Cash"}). Mergeable like its accumulators.
 *
 * <p>{@link #result(long)} drops slices with fewer than {@code minSliceSize} examples (unweighted
 * count, as TFMA's {@code min_slice_size}); the overall slice is always kept.
 */
public final class SlicedMetrics<A extends MetricsAccumulator<A>> {

  public static final String OVERALL = "";

  /** Reads one accumulator (e.g. {@code BinaryMetrics::read}). */
  @FunctionalInterface
  public interface Reader<A> {
    A read(DataInput in) throws IOException;
  }

  private final A prototype;
  private final Map<String, A> slices = new TreeMap<>();

  /** {@code prototype} only supplies the configuration: {@code prototype.newEmpty()} per slice. */
  public SlicedMetrics(A prototype) {
    this.prototype = prototype.newEmpty();
  }

  /** A fresh empty accumulator of this configuration. */
  public A newAccumulator() {
    return prototype.newEmpty();
  }

  /** The accumulator for {@code sliceKey}, created empty on first use. */
  public A slice(String sliceKey) {
    return slices.computeIfAbsent(sliceKey, k -> prototype.newEmpty());
  }

  /**
   * Applies {@code update} to the overall slice and to each of {@code sliceKeys} (duplicates and
   * {@code ""} in {@code sliceKeys} are applied once).
   */
  public SlicedMetrics<A> add(Collection<String> sliceKeys, Consumer<? super A> update) {
    update.accept(slice(OVERALL));
    for (String k : new java.util.LinkedHashSet<>(sliceKeys)) {
      if (!OVERALL.equals(k)) {
        update.accept(slice(k));
      }
    }
    return this;
  }

  public SlicedMetrics<A> merge(SlicedMetrics<A> other) {
    for (Map.Entry<String, A> e : other.slices.entrySet()) {
      slice(e.getKey()).merge(e.getValue());
    }
    return this;
  }

  /** The accumulators by slice key (sorted, read-only view). */
  public Map<String, A> accumulators() {
    return Collections.unmodifiableMap(slices);
  }

  /** Metrics of every slice. */
  public Map<String, Map<String, Double>> result() {
    return result(0);
  }

  /** Metrics of slices with at least {@code minSliceSize} examples, plus the overall slice. */
  public Map<String, Map<String, Double>> result(long minSliceSize) {
    Map<String, Map<String, Double>> out = new TreeMap<>();
    for (Map.Entry<String, A> e : slices.entrySet()) {
      if (OVERALL.equals(e.getKey()) || e.getValue().exampleCount() >= minSliceSize) {
        out.put(e.getKey(), e.getValue().result());
      }
    }
    return out;
  }

  public void write(DataOutput out) throws IOException {
    prototype.write(out);
    out.writeInt(slices.size());
    for (Map.Entry<String, A> e : slices.entrySet()) {
      out.writeUTF(e.getKey());
      e.getValue().write(out);
    }
  }

  public static <A extends MetricsAccumulator<A>> SlicedMetrics<A> read(
      DataInput in, Reader<A> reader) throws IOException {
    SlicedMetrics<A> m = new SlicedMetrics<>(reader.read(in));
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      String key = in.readUTF();
      m.slices.put(key, reader.read(in));
    }
    return m;
  }
}
