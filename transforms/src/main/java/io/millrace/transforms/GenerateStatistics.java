package io.millrace.transforms;

import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.stats.StatisticsAccumulation;
import io.millrace.stats.StatisticsAccumulator;
import io.millrace.stats.StatisticsOptions;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.transforms.coders.ExampleCoder;
import io.millrace.transforms.coders.ProtoMessageCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Computes TFDV's per-feature statistics of a collection of examples in one pass, as one {@code
 * DatasetFeatureStatisticsList} ("All Examples" and a data set per slice).
 *
 * <pre>{@code
 * PCollection<DatasetFeatureStatisticsList> stats =
 *     examples.apply(GenerateStatistics.create().withSlice("payment_type"));
 * }</pre>
 *
 * <p>The example schema is taken from the input's {@link ExampleCoder}, or given with {@link
 * #withSchema}. Every statistic is a mergeable accumulator ({@link StatisticsAccumulator}), so the
 * work is spread over workers by Beam's combiner lifting; {@link #perKey()} computes statistics per
 * split (or any key) in the same pass.
 */
public final class GenerateStatistics
    extends PTransform<PCollection<Example>, PCollection<DatasetFeatureStatisticsList>> {
  private static final long serialVersionUID = 1L;

  private final StatisticsOptions options;
  private final ExampleSchema schema;

  private GenerateStatistics(StatisticsOptions options, ExampleSchema schema) {
    this.options = options;
    this.schema = schema;
  }

  public static GenerateStatistics create() {
    return new GenerateStatistics(StatisticsOptions.defaults(), null);
  }

  /**
   * Statistics per key, e.g. per split: {@code KV<split, example>} in, {@code KV<split, stats>}.
   */
  public static PerKey perKey() {
    return new PerKey(StatisticsOptions.defaults(), null);
  }

  public GenerateStatistics withOptions(StatisticsOptions options) {
    return new GenerateStatistics(options, schema);
  }

  public GenerateStatistics withSlice(String... features) {
    return withOptions(options.withSlice(features));
  }

  public GenerateStatistics withWeightFeature(String feature) {
    return withOptions(options.withWeightFeature(feature));
  }

  public GenerateStatistics withSchema(ExampleSchema schema) {
    return new GenerateStatistics(options, schema);
  }

  @Override
  public PCollection<DatasetFeatureStatisticsList> expand(PCollection<Example> examples) {
    ExampleSchema resolved = schemaOf(schema, examples.getCoder());
    return examples
        .apply(
            "CombineStatistics", Combine.globally(combineFn(resolved, options)).withoutDefaults())
        .setCoder(ProtoMessageCoder.of(DatasetFeatureStatisticsList.class));
  }

  private static ExampleSchema schemaOf(ExampleSchema given, Coder<?> coder) {
    if (given != null) {
      return given;
    }
    if (coder instanceof ExampleCoder exampleCoder) {
      return exampleCoder.schema();
    }
    throw new IllegalArgumentException(
        "GenerateStatistics needs the example schema: the input's coder is "
            + coder
            + ", not an ExampleCoder; give the schema with withSchema(...)");
  }

  /** {@link GenerateStatistics} per key. */
  public static final class PerKey
      extends PTransform<
          PCollection<KV<String, Example>>, PCollection<KV<String, DatasetFeatureStatisticsList>>> {
    private static final long serialVersionUID = 1L;
    private final StatisticsOptions options;
    private final ExampleSchema schema;

    private PerKey(StatisticsOptions options, ExampleSchema schema) {
      this.options = options;
      this.schema = schema;
    }

    public PerKey withOptions(StatisticsOptions options) {
      return new PerKey(options, schema);
    }

    public PerKey withSchema(ExampleSchema schema) {
      return new PerKey(options, schema);
    }

    @Override
    public PCollection<KV<String, DatasetFeatureStatisticsList>> expand(
        PCollection<KV<String, Example>> examples) {
      Coder<?> valueCoder = ((KvCoder<?, ?>) examples.getCoder()).getValueCoder();
      ExampleSchema resolved = schemaOf(schema, valueCoder);
      return examples
          .apply("CombineStatisticsPerKey", Combine.perKey(combineFn(resolved, options)))
          .setCoder(
              KvCoder.of(
                  StringUtf8Coder.of(), ProtoMessageCoder.of(DatasetFeatureStatisticsList.class)));
    }
  }

  private static AccumulationCombineFn<Example, StatisticsAccumulator, DatasetFeatureStatisticsList>
      combineFn(ExampleSchema schema, StatisticsOptions options) {
    return AccumulationCombineFn.of(new StatisticsAccumulation(schema, options))
        .withOutputCoder(ProtoMessageCoder.of(DatasetFeatureStatisticsList.class));
  }
}
