package io.millrace.transform;

import io.millrace.accumulate.Accumulation;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The full-pass analyzers of a {@link TransformSpec} as an {@link Accumulation}: states are {@link
 * TransformAnalyzer}s, the result the {@link FittedTransform}.
 *
 * @param dataFingerprint names the data fitted on, recorded in the fitted transform (for lineage)
 */
public record TransformAnalysis(TransformSpec spec, ExampleSchema schema, String dataFingerprint)
    implements Accumulation<Example, TransformAnalyzer, FittedTransform> {
  private static final long serialVersionUID = 1L;

  public TransformAnalysis {
    TransformAnalyzer.create(spec, schema); // a bad definition fails here, before any data
    dataFingerprint = dataFingerprint == null ? "" : dataFingerprint;
  }

  @Override
  public TransformAnalyzer create() {
    return TransformAnalyzer.create(spec, schema);
  }

  @Override
  public TransformAnalyzer add(TransformAnalyzer state, Example example) {
    state.add(example);
    return state;
  }

  @Override
  public TransformAnalyzer merge(TransformAnalyzer state, TransformAnalyzer other) {
    state.merge(other);
    return state;
  }

  @Override
  public FittedTransform extract(TransformAnalyzer state) {
    return state.fit(dataFingerprint);
  }

  @Override
  public void write(TransformAnalyzer state, DataOutput out) throws IOException {
    state.write(out);
  }

  @Override
  public TransformAnalyzer read(DataInput in) throws IOException {
    return TransformAnalyzer.read(in, spec, schema);
  }
}
