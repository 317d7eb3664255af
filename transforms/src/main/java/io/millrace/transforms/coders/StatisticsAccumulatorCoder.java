package io.millrace.transforms.coders;

import io.millrace.record.ExampleSchema;
import io.millrace.stats.StatisticsAccumulator;
import io.millrace.stats.StatisticsOptions;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/** Encodes partial statistics between workers: counters, exact value counts and sketch bytes. */
public final class StatisticsAccumulatorCoder extends DataStreamCoder<StatisticsAccumulator> {
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
  protected void write(StatisticsAccumulator value, DataOutputStream out) throws IOException {
    value.write(out);
  }

  @Override
  protected StatisticsAccumulator read(DataInputStream in) throws IOException {
    return StatisticsAccumulator.read(in, schema, options);
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
