package io.millrace.accumulate;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.Serializable;

/**
 * How inputs accumulate into a mergeable state, and what the state yields: Deequ's analyzers as
 * monoids. {@link #create} is the identity, {@link #merge} is associative and commutative, so
 * partial states accumulated over any parts of the input, in any order, on any number of workers,
 * merge into the result of one pass over all of it. {@link #write} and {@link #read} move states
 * between workers.
 *
 * <p>The statistics ({@code StatisticsAccumulation}), the transform analyzers ({@code
 * TransformAnalysis}) and the model metrics ({@code EvaluationAccumulation}) all have this one
 * shape, and one Beam {@code CombineFn} and one coder run every one of them.
 *
 * <p>An accumulation holds only configuration (schema, options): it is immutable, serializable and
 * equal to another of the same configuration, so a coder built on it can be compared. States are
 * mutable and not thread-safe.
 *
 * @param <I> what is added
 * @param <A> the mergeable state
 * @param <O> what the state yields
 */
public interface Accumulation<I, A, O> extends Serializable {

  /** An empty state: merging it into another changes nothing. */
  A create();

  /** Adds {@code input} to {@code state}; returns the state (the same object, changed). */
  A add(A state, I input);

  /**
   * Merges {@code other} into {@code state} and returns {@code state}; {@code other} is not
   * changed, so it may be a value someone else owns (a pipeline element).
   */
  A merge(A state, A other);

  /** What the state yields; the state is not changed. */
  O extract(A state);

  void write(A state, DataOutput out) throws IOException;

  /** Reads what {@link #write} wrote, with this accumulation's configuration. */
  A read(DataInput in) throws IOException;

  /** Merges all states into a new one: {@link #create} when there are none. */
  default A mergeAll(Iterable<? extends A> states) {
    A merged = create();
    for (A state : states) {
      merged = merge(merged, state);
    }
    return merged;
  }

  /**
   * The same accumulation fed with partial states instead of inputs: merges states accumulated
   * elsewhere (per bundle of a fused read, per worker) and yields what this one yields.
   */
  default Accumulation<A, A, O> ofStates() {
    return new OfStates<>(this);
  }

  /** {@link #ofStates()}: adding a state merges it. */
  record OfStates<A, O>(Accumulation<?, A, O> inner) implements Accumulation<A, A, O> {
    @Override
    public A create() {
      return inner.create();
    }

    @Override
    public A add(A state, A input) {
      return inner.merge(state, input);
    }

    @Override
    public A merge(A state, A other) {
      return inner.merge(state, other);
    }

    @Override
    public O extract(A state) {
      return inner.extract(state);
    }

    @Override
    public void write(A state, DataOutput out) throws IOException {
      inner.write(state, out);
    }

    @Override
    public A read(DataInput in) throws IOException {
      return inner.read(in);
    }

    @Override
    public Accumulation<A, A, O> ofStates() {
      return this;
    }
  }
}
