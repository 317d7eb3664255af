package io.millrace.transforms;

import io.millrace.record.Example;
import io.millrace.transform.FeatureTransformer;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.TransformSpec;
import io.millrace.transforms.coders.ExampleCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;

/**
 * Applies a fitted transform to raw examples in a pipeline (TensorFlow Transform's transform
 * phase), through the same {@link FeatureTransformer} that serving uses.
 *
 * <p>The transform fitted in the same pipeline is a side input, so fit and apply chain in one job:
 *
 * <pre>{@code
 * PCollection<FittedTransform> fitted = train.apply(AnalyzeTransform.of(spec));
 * PCollection<Example> transformed = eval.apply(ApplyTransform.of(spec, fitted));
 * }</pre>
 *
 * <p>The transformed records' schema ({@link TransformSpec#outputSchema}) and so their coder are
 * known when the pipeline is built; the fitted transform that arrives must be of the same
 * definition, or the run fails saying so. {@link #of(FittedTransform)} applies a transform read
 * from disk.
 */
public final class ApplyTransform extends PTransform<PCollection<Example>, PCollection<Example>> {
  private static final long serialVersionUID = 1L;
  private final transient FittedTransformInput fitted;

  private ApplyTransform(FittedTransformInput fitted) {
    this.fitted = fitted;
  }

  /**
   * Applies a fitted transform at hand, e.g. an artifact read with {@link FittedTransform#read}.
   */
  public static ApplyTransform of(FittedTransform fitted) {
    return new ApplyTransform(FittedTransformInput.of(fitted));
  }

  /** Applies the singleton {@code fitted} of {@code spec}, e.g. {@link AnalyzeTransform}'s. */
  public static ApplyTransform of(TransformSpec spec, PCollection<FittedTransform> fitted) {
    return new ApplyTransform(FittedTransformInput.of(spec, fitted));
  }

  /** Applies the fitted transform of {@code spec} in a singleton view. */
  public static ApplyTransform of(TransformSpec spec, PCollectionView<FittedTransform> fitted) {
    return new ApplyTransform(FittedTransformInput.of(spec, fitted));
  }

  @Override
  public PCollection<Example> expand(PCollection<Example> raw) {
    FittedTransformInput.Resolved resolved =
        fitted.resolve(raw.getCoder() instanceof ExampleCoder coder ? coder.schema() : null);
    return raw.apply(
            "Transform", ParDo.of(new TransformFn(resolved)).withSideInputs(resolved.sideInputs()))
        .setCoder(ExampleCoder.of(resolved.outputSchema()));
  }

  private static final class TransformFn extends DoFn<Example, Example> {
    private static final long serialVersionUID = 1L;
    private final FittedTransformInput.Resolved fitted;

    TransformFn(FittedTransformInput.Resolved fitted) {
      this.fitted = fitted;
    }

    @ProcessElement
    public void process(ProcessContext context) {
      context.output(fitted.transformer(context).apply(context.element()));
    }
  }
}
