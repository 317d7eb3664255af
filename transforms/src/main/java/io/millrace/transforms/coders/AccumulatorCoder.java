package io.millrace.transforms.coders;

import io.millrace.accumulate.Accumulation;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;

/**
 * Encodes the partial states of any {@link Accumulation} (counters, exact counts, sketch bytes)
 * with the accumulation's own {@code write} and {@code read}, straight to the runner's stream: a
 * state's format says how long each part is, so a coded state also works nested in a KV or a list,
 * without a length prefix and the copy of megabytes of histogram it would take. Two coders are
 * equal when their accumulations are.
 */
public final class AccumulatorCoder<A> extends CustomCoder<A> {
  private static final long serialVersionUID = 1L;
  private final Accumulation<?, A, ?> accumulation;

  private AccumulatorCoder(Accumulation<?, A, ?> accumulation) {
    this.accumulation = accumulation;
  }

  @SuppressWarnings("unchecked")
  public static <A> AccumulatorCoder<A> of(Accumulation<?, A, ?> accumulation) {
    // Fed with inputs or with states, an accumulation has one kind of state and one coder.
    return new AccumulatorCoder<>(
        accumulation instanceof Accumulation.OfStates<?, ?> states
            ? (Accumulation<?, A, ?>) states.inner()
            : accumulation);
  }

  @Override
  public void encode(A state, OutputStream out) throws IOException {
    DataOutputStream data = new DataOutputStream(out);
    accumulation.write(state, data);
    data.flush();
  }

  /** Reads exactly what {@link #encode} wrote: the states' formats delimit themselves. */
  @Override
  public A decode(InputStream in) throws IOException {
    return accumulation.read(new DataInputStream(in));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AccumulatorCoder<?> other && other.accumulation.equals(accumulation);
  }

  @Override
  public int hashCode() {
    return accumulation.hashCode();
  }

  @Override
  public String toString() {
    return "AccumulatorCoder(" + accumulation + ")";
  }
}
