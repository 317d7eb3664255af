package io.millrace.transforms;

import io.millrace.tfmd.Anomalies;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.tfmd.Schema;
import io.millrace.transforms.coders.ProtoMessageCoder;
import io.millrace.validate.StatisticsValidator;
import io.millrace.validate.ValidationOptions;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;

/**
 * Validates statistics against a schema (TFDV's {@code validate_statistics}, {@link
 * StatisticsValidator}): TFMD {@code Anomalies} per statistics element, e.g. per split. The schema
 * is at hand, or inferred in the same pipeline ({@link InferSchema}) and read as a side input.
 *
 * <pre>{@code
 * PCollection<Schema> schema = trainStatistics.apply(InferSchema.create());
 * PCollection<Anomalies> anomalies = evalStatistics.apply(ValidateStatistics.against(schema));
 * }</pre>
 */
public final class ValidateStatistics
    extends PTransform<PCollection<DatasetFeatureStatisticsList>, PCollection<Anomalies>> {
  private static final long serialVersionUID = 1L;
  private final Schema schema;
  private final transient PCollection<Schema> schemaCollection;
  private final ValidationOptions options;

  private ValidateStatistics(
      Schema schema, PCollection<Schema> schemaCollection, ValidationOptions options) {
    this.schema = schema;
    this.schemaCollection = schemaCollection;
    this.options = options;
  }

  public static ValidateStatistics against(Schema schema) {
    return new ValidateStatistics(
        Objects.requireNonNull(schema, "schema"), null, ValidationOptions.defaults());
  }

  /** Validates against the singleton schema of {@code schema}, as a side input. */
  public static ValidateStatistics against(PCollection<Schema> schema) {
    return new ValidateStatistics(
        null, Objects.requireNonNull(schema, "schema"), ValidationOptions.defaults());
  }

  /** The environment, the previous span's statistics (drift), serving statistics (skew). */
  public ValidateStatistics withOptions(ValidationOptions options) {
    return new ValidateStatistics(schema, schemaCollection, options);
  }

  @Override
  public PCollection<Anomalies> expand(PCollection<DatasetFeatureStatisticsList> statistics) {
    PCollectionView<Schema> view =
        schemaCollection == null ? null : schemaCollection.apply("SchemaView", View.asSingleton());
    return statistics
        .apply(
            "Validate",
            ParDo.of(new ValidateFn(schema, view, options))
                .withSideInputs(view == null ? List.of() : List.of(view)))
        .setCoder(ProtoMessageCoder.of(Anomalies.class));
  }

  private static final class ValidateFn extends DoFn<DatasetFeatureStatisticsList, Anomalies> {
    private static final long serialVersionUID = 1L;
    private final Schema schema;
    private final PCollectionView<Schema> view;
    private final ValidationOptions options;

    ValidateFn(Schema schema, PCollectionView<Schema> view, ValidationOptions options) {
      this.schema = schema;
      this.view = view;
      this.options = options;
    }

    @ProcessElement
    public void process(ProcessContext context) {
      Schema against = view == null ? schema : context.sideInput(view);
      context.output(StatisticsValidator.validate(context.element(), against, options));
    }
  }
}
