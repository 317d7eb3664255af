package io.millrace.evaluate;

import java.io.DataOutput;
import java.io.IOException;
import java.util.Map;

/**
 * A mergeable metrics accumulator (a commutative monoid): {@link #newEmpty()} is the identity and
 * {@link #merge} combines partial results. Implementations are mutable and not thread-safe.
 *
 * @param <A> the concrete accumulator type
 */
public interface MetricsAccumulator<A extends MetricsAccumulator<A>> {

  /** A fresh, empty accumulator with the same configuration (thresholds, k values, ...). */
  A newEmpty();

  /** Adds {@code other} into this accumulator and returns {@code this}. */
  A merge(A other);

  /** Number of examples added (unweighted; examples with weight 0 still count). */
  long exampleCount();

  /** Sum of example weights. */
  double weightedExampleCount();

  /** All metrics by name, in a stable order. Undefined metrics are {@code NaN}. */
  Map<String, Double> result();

  /** Binary serialization; each implementation has a matching static {@code read(DataInput)}. */
  void write(DataOutput out) throws IOException;
}
