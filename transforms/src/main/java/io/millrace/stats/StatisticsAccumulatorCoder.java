package io.millrace.stats;

import io.millrace.record.ExampleSchema;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.util.VarInt;

/** Encodes partial statistics between workers: counters, exact value counts and sketch bytes. */
public final class StatisticsAccumulatorCoder extends CustomCoder<StatisticsAccumulator> {
  private static final long serialVersionUID = 1L;
  private final ExampleSchema schema;
  private final StatisticsOptions options;

  private StatisticsAccumulatorCoder(ExampleSchema schema, StatisticsOptions options) {
    this.schema = schema;
    this.options = options;
  }

  public static StatisticsAccumulatorCoder of(ExampleSchema schema, StatisticsOptions options) {
    return new StatisticsAccumulatorCoder(schema, options);
  }

  @Override
  public void encode(StatisticsAccumulator value, OutputStream out) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream data = new DataOutputStream(bytes);
    value.write(data);
    data.flush();
    // Length-prefixed so that the coder also works nested (e.g. inside a KV).
    VarInt.encode(bytes.size(), out);
    bytes.writeTo(out);
  }

  @Override
  public StatisticsAccumulator decode(InputStream in) throws IOException {
    int length = VarInt.decodeInt(in);
    byte[] bytes = in.readNBytes(length);
    if (bytes.length != length) {
      throw new IOException("truncated statistics accumulator");
    }
    return StatisticsAccumulator.read(
        new DataInputStream(new ByteArrayInputStream(bytes)), schema, options);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StatisticsAccumulatorCoder other
        && other.schema.equals(schema)
        && other.options.equals(options);
  }

  @Override
  public int hashCode() {
    return schema.hashCode() * 31 + options.hashCode();
  }
}
