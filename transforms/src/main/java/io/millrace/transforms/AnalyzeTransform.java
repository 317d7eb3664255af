package io.millrace.transforms;

import io.millrace.record.Example;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.TransformAnalysis;
import io.millrace.transform.TransformSpec;
import io.millrace.transforms.coders.ExampleCoder;
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
    return examples.apply(
        "Analyze",
        Combine.globally(
                AccumulationCombineFn.of(
                        new TransformAnalysis(spec, coder.schema(), dataFingerprint))
                    .withOutputCoder(SerializableCoder.of(FittedTransform.class)))
            .withoutDefaults());
  }
}
