package io.millrace.record;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.util.VarInt;

/**
 * Encodes {@link Example}s of one {@link ExampleSchema} as values only: per feature, a varint of
 * (value count + 1), 0 meaning missing, then the values (zigzag varints, IEEE-754 doubles, or
 * length-prefixed bytes).
 *
 * <p>The encoding is deterministic, so it serves as the canonical form that split hashing and
 * grouping rely on; it is the same on every runner.
 */
public final class ExampleCoder extends CustomCoder<Example> {
  private static final long serialVersionUID = 1L;

  private final ExampleSchema schema;

  private ExampleCoder(ExampleSchema schema) {
    this.schema = Objects.requireNonNull(schema);
  }

  public static ExampleCoder of(ExampleSchema schema) {
    return new ExampleCoder(schema);
  }

  public ExampleSchema schema() {
    return schema;
  }

  @Override
  public void encode(Example example, OutputStream out) throws IOException {
    if (!example.schema().equals(schema)) {
      throw new IllegalArgumentException(
          "example of schema " + example.schema() + " given to a coder of schema " + schema);
    }
    for (int i = 0; i < schema.size(); i++) {
      Object v = example.rawValues(i);
      if (v == null) {
        out.write(0);
        continue;
      }
      switch (schema.type(i)) {
        case INT:
          long[] ints = (long[]) v;
          VarInt.encode(ints.length + 1, out);
          for (long x : ints) {
            VarInt.encode((x << 1) ^ (x >> 63), out);
          }
          break;
        case FLOAT:
          double[] floats = (double[]) v;
          VarInt.encode(floats.length + 1, out);
          byte[] buffer = new byte[8 * floats.length];
          for (int j = 0; j < floats.length; j++) {
            long bits = Double.doubleToRawLongBits(floats[j]);
            for (int b = 0; b < 8; b++) {
              buffer[8 * j + b] = (byte) (bits >>> (8 * b));
            }
          }
          out.write(buffer);
          break;
        case BYTES:
          byte[][] bytes = (byte[][]) v;
          VarInt.encode(bytes.length + 1, out);
          for (byte[] b : bytes) {
            VarInt.encode(b.length, out);
            out.write(b);
          }
          break;
      }
    }
  }

  @Override
  public Example decode(InputStream in) throws IOException {
    Example.Builder builder = schema.newExample();
    for (int i = 0; i < schema.size(); i++) {
      int count = VarInt.decodeInt(in) - 1;
      if (count < 0) {
        continue;
      }
      switch (schema.type(i)) {
        case INT:
          long[] ints = new long[count];
          for (int j = 0; j < count; j++) {
            long z = VarInt.decodeLong(in);
            ints[j] = (z >>> 1) ^ -(z & 1);
          }
          builder.setInt64s(i, ints);
          break;
        case FLOAT:
          double[] floats = new double[count];
          byte[] buffer = readFully(in, 8 * count);
          for (int j = 0; j < count; j++) {
            long bits = 0;
            for (int b = 7; b >= 0; b--) {
              bits = (bits << 8) | (buffer[8 * j + b] & 0xFF);
            }
            floats[j] = Double.longBitsToDouble(bits);
          }
          builder.setFloats(i, floats);
          break;
        case BYTES:
          byte[][] bytes = new byte[count][];
          for (int j = 0; j < count; j++) {
            bytes[j] = readFully(in, VarInt.decodeInt(in));
          }
          builder.setBytes(i, bytes);
          break;
      }
    }
    return builder.build();
  }

  private static byte[] readFully(InputStream in, int length) throws IOException {
    byte[] b = new byte[length];
    int read = 0;
    while (read < length) {
      int n = in.read(b, read, length - read);
      if (n < 0) {
        throw new EOFException("truncated example encoding");
      }
      read += n;
    }
    return b;
  }

  @Override
  public void verifyDeterministic() {}

  @Override
  public boolean consistentWithEquals() {
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExampleCoder && ((ExampleCoder) o).schema.equals(schema);
  }

  @Override
  public int hashCode() {
    return schema.hashCode();
  }
}
