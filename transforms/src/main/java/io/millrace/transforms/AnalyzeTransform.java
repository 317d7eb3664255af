package io.millrace.transforms;

import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.TransformAnalyzer;
import io.millrace.transform.TransformSpec;
import io.millrace.transforms.coders.DataStreamCoder;
import io.millrace.transforms.coders.ExampleCoder;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;

/**
 * Fits a {@link TransformSpec} on training examples in one full pass (TensorFlow Transform's
 * analyze phase): a singleton {@link FittedTransform} to write as the transform artifact, or to
 * give {@link ApplyTransform} as a side input.
 *
 * <pre>{@code
 * PCollection<FittedTransform> fitted = train.apply(AnalyzeTransform.of(spec));
 * }</pre>
 */
public final class AnalyzeTransform
    extends PTransform<PCollection<Example>, PCollection<FittedTransform>> {
  private static final long serialVersionUID = 1L;
  private final TransformSpec spec;
  private final String dataFingerprint;

  private AnalyzeTransform(TransformSpec spec, String dataFingerprint) {
    this.spec = spec;
    this.dataFingerprint = dataFingerprint;
  }

  public static AnalyzeTransform of(TransformSpec spec) {
    return new AnalyzeTransform(spec, "");
  }

  /** Records the fingerprint of the data analyzed in the fitted transform (for lineage). */
  public AnalyzeTransform withDataFingerprint(String fingerprint) {
    return new AnalyzeTransform(spec, fingerprint);
  }

  @Override
  public PCollection<FittedTransform> expand(PCollection<Example> examples) {
    if (!(examples.getCoder() instanceof ExampleCoder coder)) {
      throw new IllegalArgumentException(
          "AnalyzeTransform needs examples with an ExampleCoder, not " + examples.getCoder());
    }
    return examples
        .apply(
            "Analyze",
            Combine.globally(new AnalyzeFn(spec, coder.schema(), dataFingerprint))
                .withoutDefaults())
        .setCoder(SerializableCoder.of(FittedTransform.class));
  }

  /** The analyzers as a {@link Combine.CombineFn}: accumulate, merge, fit. */
  public static final class AnalyzeFn
      extends Combine.CombineFn<Example, TransformAnalyzer, FittedTransform> {
    private static final long serialVersionUID = 1L;
    private final TransformSpec spec;
    private final ExampleSchema schema;
    private final String dataFingerprint;

    public AnalyzeFn(TransformSpec spec, ExampleSchema schema, String dataFingerprint) {
      this.spec = spec;
      this.schema = schema;
      this.dataFingerprint = dataFingerprint;
      TransformAnalyzer.create(spec, schema); // fails now, at construction, on a bad spec
    }

    @Override
    public TransformAnalyzer createAccumulator() {
      return TransformAnalyzer.create(spec, schema);
    }

    @Override
    public TransformAnalyzer addInput(TransformAnalyzer accumulator, Example example) {
      accumulator.add(example);
      return accumulator;
    }

    @Override
    public TransformAnalyzer mergeAccumulators(Iterable<TransformAnalyzer> accumulators) {
      TransformAnalyzer merged = null;
      for (TransformAnalyzer a : accumulators) {
        if (merged == null) {
          merged = a;
        } else {
          merged.merge(a);
        }
      }
      return merged == null ? createAccumulator() : merged;
    }

    @Override
    public FittedTransform extractOutput(TransformAnalyzer accumulator) {
      return accumulator.fit(dataFingerprint);
    }

    @Override
    public Coder<TransformAnalyzer> getAccumulatorCoder(
        CoderRegistry registry, Coder<Example> inputCoder) {
      return new AnalyzerCoder(spec, schema);
    }
  }

  /** Partial analyzer states between workers: counters, exact counts and sketch bytes. */
  public static final class AnalyzerCoder extends DataStreamCoder<TransformAnalyzer> {
    private static final long serialVersionUID = 1L;
    private final TransformSpec spec;
    private final ExampleSchema schema;

    public AnalyzerCoder(TransformSpec spec, ExampleSchema schema) {
      this.spec = spec;
      this.schema = schema;
    }

    @Override
    protected void write(TransformAnalyzer value, DataOutputStream out) throws IOException {
      value.write(out);
    }

    @Override
    protected TransformAnalyzer read(DataInputStream in) throws IOException {
      return TransformAnalyzer.read(in, spec, schema);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof AnalyzerCoder other
          && other.spec.equals(spec)
          && other.schema.equals(schema);
    }

    @Override
    public int hashCode() {
      return spec.hashCode() * 31 + schema.hashCode();
    }
  }
}
