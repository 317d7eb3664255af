package io.millrace.transforms;

import io.millrace.schema.InferenceOptions;
import io.millrace.schema.SchemaInference;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.tfmd.Schema;
import io.millrace.transforms.coders.ProtoMessageCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;

/**
 * Infers a TFMD schema from statistics (TFDV's {@code infer_schema}, {@link SchemaInference}): one
 * schema per statistics element, e.g. of the training split.
 *
 * <pre>{@code
 * PCollection<Schema> schema = trainStatistics.apply(InferSchema.create());
 * }</pre>
 */
public final class InferSchema
    extends PTransform<PCollection<DatasetFeatureStatisticsList>, PCollection<Schema>> {
  private static final long serialVersionUID = 1L;
  private final InferenceOptions options;

  private InferSchema(InferenceOptions options) {
    this.options = options;
  }

  public static InferSchema create() {
    return new InferSchema(InferenceOptions.defaults());
  }

  public InferSchema withOptions(InferenceOptions options) {
    return new InferSchema(options);
  }

  @Override
  public PCollection<Schema> expand(PCollection<DatasetFeatureStatisticsList> statistics) {
    return statistics
        .apply("InferSchema", ParDo.of(new InferFn(options)))
        .setCoder(ProtoMessageCoder.of(Schema.class));
  }

  private static final class InferFn extends DoFn<DatasetFeatureStatisticsList, Schema> {
    private static final long serialVersionUID = 1L;
    private final InferenceOptions options;

    InferFn(InferenceOptions options) {
      this.options = options;
    }

    @ProcessElement
    public void process(@Element DatasetFeatureStatisticsList stats, OutputReceiver<Schema> out) {
      out.output(SchemaInference.create(options).infer(stats));
    }
  }
}
