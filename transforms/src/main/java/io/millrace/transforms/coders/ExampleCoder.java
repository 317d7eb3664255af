package io.millrace.transforms.coders;

import io.millrace.record.ByteArrayBuffer;
import io.millrace.record.Example;
import io.millrace.record.ExampleEncoding;
import io.millrace.record.ExampleSchema;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.util.VarInt;

/**
 * Encodes {@link Example}s of one {@link ExampleSchema} in their canonical form ({@link
 * ExampleEncoding}): deterministic, the same on every runner.
 */
public final class ExampleCoder extends CustomCoder<Example> {
  private static final long serialVersionUID = 1L;

  private static final ThreadLocal<ByteArrayBuffer> BUFFER =
      ThreadLocal.withInitial(ByteArrayBuffer::new);

  private final ExampleSchema schema;
  private transient volatile ExampleEncoding encoding;

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
    encoding().encode(example, out);
  }

  private ExampleEncoding encoding() {
    ExampleEncoding e = encoding;
    if (e == null) {
      e = ExampleEncoding.of(schema);
      encoding = e;
    }
    return e;
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
