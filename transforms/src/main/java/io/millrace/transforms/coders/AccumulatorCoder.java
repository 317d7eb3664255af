package io.millrace.transforms.coders;

import io.millrace.accumulate.Accumulation;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.util.VarInt;

/**
 * Encodes the partial states of any {@link Accumulation} (counters, exact counts, sketch bytes)
 * with the accumulation's own {@code write} and {@code read}, length-prefixed so that it also works
 * nested in a KV or a list. Two coders are equal when their accumulations are.
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
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream data = new DataOutputStream(bytes);
    accumulation.write(state, data);
    data.flush();
    VarInt.encode(bytes.size(), out);
    bytes.writeTo(out);
  }

  @Override
  public A decode(InputStream in) throws IOException {
    int length = VarInt.decodeInt(in);
    byte[] bytes = in.readNBytes(length);
    if (bytes.length != length) {
      throw new IOException(
          "a state of " + accumulation.getClass().getSimpleName() + " is cut short");
    }
    return accumulation.read(new DataInputStream(new ByteArrayInputStream(bytes)));
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
