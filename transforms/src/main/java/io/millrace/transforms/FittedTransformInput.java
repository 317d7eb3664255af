package io.millrace.transforms;

import io.millrace.record.ExampleSchema;
import io.millrace.transform.FeatureTransformer;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.TransformSpec;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;

/**
 * The fitted transform a step applies: a value (an artifact read from disk), or the singleton that
 * {@link AnalyzeTransform} fits in the same pipeline, read as a side input. With a side input the
 * output schema comes from the definition and the raw schema when the pipeline is built, and the
 * fitted transform that arrives is checked against it.
 */
final class FittedTransformInput {
  private final FittedTransform value;
  private final TransformSpec spec;
  private final PCollection<FittedTransform> collection;
  private final PCollectionView<FittedTransform> view;

  private FittedTransformInput(
      FittedTransform value,
      TransformSpec spec,
      PCollection<FittedTransform> collection,
      PCollectionView<FittedTransform> view) {
    this.value = value;
    this.spec = spec;
    this.collection = collection;
    this.view = view;
  }

  static FittedTransformInput of(FittedTransform fitted) {
    return new FittedTransformInput(Objects.requireNonNull(fitted, "fitted"), null, null, null);
  }

  static FittedTransformInput of(TransformSpec spec, PCollection<FittedTransform> fitted) {
    return new FittedTransformInput(
        null, Objects.requireNonNull(spec, "spec"), Objects.requireNonNull(fitted), null);
  }

  static FittedTransformInput of(TransformSpec spec, PCollectionView<FittedTransform> fitted) {
    return new FittedTransformInput(
        null, Objects.requireNonNull(spec, "spec"), null, Objects.requireNonNull(fitted));
  }

  /**
   * What the DoFns of one expansion use; makes the side input's view when the fitted transform is a
   * collection.
   *
   * @param raw the raw records' schema (from their coder); needed with a side input only
   * @throws IllegalArgumentException when the raw records lack a feature the definition reads
   */
  Resolved resolve(ExampleSchema raw) {
    if (value != null) {
      return new Resolved(value, null, null, value.outputSchema());
    }
    if (raw == null) {
      throw new IllegalArgumentException(
          "applying a transform fitted in the pipeline needs the raw records' schema, to know the"
              + " transformed ones' before the fit: give the records an ExampleCoder");
    }
    PCollectionView<FittedTransform> singleton =
        view != null ? view : collection.apply("FittedTransformView", View.asSingleton());
    return new Resolved(null, singleton, spec, spec.outputSchema(raw));
  }

  /** A fitted transform for the DoFns: serializable, the runtime built once per worker. */
  static final class Resolved implements Serializable {
    private static final long serialVersionUID = 1L;
    private final FittedTransform value;
    private final PCollectionView<FittedTransform> view;
    private final TransformSpec spec;
    private final ExampleSchema outputSchema;
    private transient FittedTransform seen;
    private transient FeatureTransformer transformer;

    private Resolved(
        FittedTransform value,
        PCollectionView<FittedTransform> view,
        TransformSpec spec,
        ExampleSchema outputSchema) {
      this.value = value;
      this.view = view;
      this.spec = spec;
      this.outputSchema = outputSchema;
    }

    ExampleSchema outputSchema() {
      return outputSchema;
    }

    /** The side inputs a ParDo using this must declare. */
    List<PCollectionView<?>> sideInputs() {
      return view == null ? List.of() : List.of(view);
    }

    /** The runtime; with a side input, checked to be the one the pipeline was built for. */
    FeatureTransformer transformer(DoFn<?, ?>.ProcessContext context) {
      FittedTransform fitted = value != null ? value : context.sideInput(view);
      if (fitted != seen) {
        if (value == null) {
          check(fitted);
        }
        transformer = fitted.transformer();
        seen = fitted;
      }
      return transformer;
    }

    private void check(FittedTransform fitted) {
      if (!fitted.spec().equals(spec) || !fitted.outputSchema().equals(outputSchema)) {
        throw new IllegalStateException(
            "the fitted transform computes "
                + fitted.outputSchema()
                + " by "
                + fitted.spec().toJson()
                + ", but the step was built to apply "
                + spec.toJson()
                + ", which computes "
                + outputSchema
                + ": it was fitted from another definition");
      }
    }
  }
}
