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

  private static final ThreadLocal<ByteArrayBuffer> BUFFER =
      ThreadLocal.withInitial(ByteArrayBuffer::new);

  private final ExampleSchema schema;
  private transient volatile ExampleSchema lastCheckedSchema;

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
    ByteArrayBuffer buffer = BUFFER.get();
    buffer.reset();
    encode(example, buffer);
    out.write(buffer.array(), 0, buffer.size());
  }

  /** Appends the canonical encoding of an example of this coder's schema to a buffer. */
  public void encode(Example example, ByteArrayBuffer out) {
    checkSchema(example);
    for (int i = 0; i < schema.size(); i++) {
      Object v = example.rawValues(i);
      if (v == null) {
        out.writeByte(0);
        continue;
      }
      switch (schema.type(i)) {
        case INT:
          long[] ints = (long[]) v;
          out.writeVarLong(ints.length + 1);
          for (long x : ints) {
            out.writeVarLong((x << 1) ^ (x >> 63));
          }
          break;
        case FLOAT:
          double[] floats = (double[]) v;
          out.writeVarLong(floats.length + 1);
          for (double x : floats) {
            out.writeLongLittleEndian(Double.doubleToRawLongBits(x));
          }
          break;
        case BYTES:
          byte[][] bytes = (byte[][]) v;
          out.writeVarLong(bytes.length + 1);
          for (byte[] b : bytes) {
            out.writeVarLong(b.length);
            out.write(b);
          }
          break;
      }
    }
  }

  /**
   * Examples normally share their reader's schema instance, while this coder holds a deserialized
   * copy; remembering the last instance found equal keeps the check off the per-record path.
   */
  private void checkSchema(Example example) {
    ExampleSchema given = example.schema();
    if (given != lastCheckedSchema) {
      if (!given.equals(schema)) {
        throw new IllegalArgumentException(
            "example of schema " + given + " given to a coder of schema " + schema);
      }
      lastCheckedSchema = given;
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
