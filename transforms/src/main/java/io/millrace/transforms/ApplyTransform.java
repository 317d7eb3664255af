package io.millrace.transforms;

import io.millrace.record.Example;
import io.millrace.transform.FeatureTransformer;
import io.millrace.transform.FittedTransform;
import io.millrace.transforms.coders.ExampleCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;

/**
 * Applies a fitted transform to raw examples in a pipeline (TensorFlow Transform's transform
 * phase), through the same {@link FeatureTransformer} that serving uses.
 *
 * <pre>{@code
 * PCollection<Example> transformed = eval.apply(ApplyTransform.of(fitted));
 * }</pre>
 */
public final class ApplyTransform extends PTransform<PCollection<Example>, PCollection<Example>> {
  private static final long serialVersionUID = 1L;
  private final FittedTransform fitted;

  private ApplyTransform(FittedTransform fitted) {
    this.fitted = fitted;
  }

  public static ApplyTransform of(FittedTransform fitted) {
    return new ApplyTransform(fitted);
  }

  @Override
  public PCollection<Example> expand(PCollection<Example> raw) {
    return raw.apply("Transform", ParDo.of(new TransformFn(fitted.transformer())))
        .setCoder(ExampleCoder.of(fitted.outputSchema()));
  }

  private static final class TransformFn extends DoFn<Example, Example> {
    private static final long serialVersionUID = 1L;
    private final FeatureTransformer transformer;

    TransformFn(FeatureTransformer transformer) {
      this.transformer = transformer;
    }

    @ProcessElement
    public void process(@Element Example raw, OutputReceiver<Example> out) {
      out.output(transformer.apply(raw));
    }
  }
}
