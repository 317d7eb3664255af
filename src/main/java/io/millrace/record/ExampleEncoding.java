package io.millrace.record;

import java.util.Objects;

/**
 * The canonical byte form of {@link Example}s of one {@link ExampleSchema}, values only: per
 * feature, a varint of (value count + 1), 0 meaning missing, then the values (zigzag varints,
 * IEEE-754 doubles little-endian, or length-prefixed bytes).
 *
 * <p>The form is deterministic, so split hashing and grouping rely on it on every runner; the Beam
 * coder of examples writes exactly these bytes.
 */
public final class ExampleEncoding {
  private final ExampleSchema schema;
  private volatile ExampleSchema lastCheckedSchema;

  private ExampleEncoding(ExampleSchema schema) {
    this.schema = Objects.requireNonNull(schema);
  }

  public static ExampleEncoding of(ExampleSchema schema) {
    return new ExampleEncoding(schema);
  }

  public ExampleSchema schema() {
    return schema;
  }

  /** Appends the canonical encoding of an example of this schema to a buffer. */
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
   * Examples normally share their reader's schema instance, while an encoding may hold a
   * deserialized copy; remembering the last instance found equal keeps the check off the per-record
   * path.
   */
  private void checkSchema(Example example) {
    ExampleSchema given = example.schema();
    if (given != lastCheckedSchema) {
      if (!given.equals(schema)) {
        throw new IllegalArgumentException(
            "example of schema " + given + " given to an encoding of schema " + schema);
      }
      lastCheckedSchema = given;
    }
  }
}
