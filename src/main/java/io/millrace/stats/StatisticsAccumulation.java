package io.millrace.stats;

import io.millrace.accumulate.Accumulation;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * TFDV's statistics of examples of one schema, as an {@link Accumulation}: states are {@link
 * StatisticsAccumulator}s, the result the {@code DatasetFeatureStatisticsList} ("All Examples" and
 * a data set per slice).
 */
public record StatisticsAccumulation(ExampleSchema schema, StatisticsOptions options)
    implements Accumulation<Example, StatisticsAccumulator, DatasetFeatureStatisticsList> {
  private static final long serialVersionUID = 1L;

  public StatisticsAccumulation {
    StatisticsAccumulator.create(schema, options); // a slice or weight feature the schema lacks
  }

  @Override
  public StatisticsAccumulator create() {
    return StatisticsAccumulator.create(schema, options);
  }

  @Override
  public StatisticsAccumulator add(StatisticsAccumulator state, Example example) {
    state.add(example);
    return state;
  }

  @Override
  public StatisticsAccumulator merge(StatisticsAccumulator state, StatisticsAccumulator other) {
    state.merge(other);
    return state;
  }

  @Override
  public DatasetFeatureStatisticsList extract(StatisticsAccumulator state) {
    return state.toProto();
  }

  @Override
  public void write(StatisticsAccumulator state, DataOutput out) throws IOException {
    state.write(out);
  }

  @Override
  public StatisticsAccumulator read(DataInput in) throws IOException {
    return StatisticsAccumulator.read(in, schema, options);
  }
}
