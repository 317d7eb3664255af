package io.millrace.transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureSpec;
import io.millrace.record.FeatureType;
import io.millrace.stats.StatisticsAccumulator;
import io.millrace.stats.StatisticsOptions;
import io.millrace.testing.TestPipelineExtension;
import io.millrace.tfmd.DatasetFeatureStatistics;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.transforms.coders.ExampleCoder;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestPipelineExtension.class)
class GenerateStatisticsTest {
  private static final ExampleSchema SCHEMA =
      ExampleSchema.of(
          FeatureSpec.of("color", FeatureType.BYTES), FeatureSpec.of("x", FeatureType.FLOAT));

  private static List<Example> examples(int n) {
    List<Example> examples = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Example.Builder b = SCHEMA.newExample().setString(0, i % 3 == 0 ? "red" : "blue");
      examples.add((i % 10 == 0 ? b.setMissing(1) : b.setFloats(1, i)).build());
    }
    return examples;
  }

  /** The same statistics as one runner-free pass, whatever the bundles the runner made. */
  private static DatasetFeatureStatisticsList reference(List<Example> examples) {
    StatisticsAccumulator acc =
        StatisticsAccumulator.create(SCHEMA, StatisticsOptions.defaults().withSlice("color"));
    examples.forEach(acc::add);
    return acc.toProto();
  }

  @Test
  void computesStatisticsAndSlicesInOnePass(TestPipeline pipeline) {
    List<Example> input = examples(3_000);
    PCollection<DatasetFeatureStatisticsList> stats =
        pipeline
            .apply(Create.of(input).withCoder(ExampleCoder.of(SCHEMA)))
            .apply(GenerateStatistics.create().withSlice("color"));
    DatasetFeatureStatisticsList expected = reference(input);
    PAssert.thatSingleton(stats)
        .satisfies(
            actual -> {
              assertEquals(3, actual.getDatasetsCount());
              for (int d = 0; d < 3; d++) {
                DatasetFeatureStatistics a = actual.getDatasets(d);
                DatasetFeatureStatistics e = expected.getDatasets(d);
                assertEquals(e.getName(), a.getName());
                assertEquals(e.getNumExamples(), a.getNumExamples());
                assertEquals(e.getFeatures(0), a.getFeatures(0));
                assertEquals(
                    e.getFeatures(1).getNumStats().getCommonStats(),
                    a.getFeatures(1).getNumStats().getCommonStats());
                assertEquals(
                    e.getFeatures(1).getNumStats().getMean(),
                    a.getFeatures(1).getNumStats().getMean(),
                    1e-9);
              }
              return null;
            });
    pipeline.run().waitUntilFinish();
  }

  @Test
  void perKeyGivesEachSplitItsOwnStatistics(TestPipeline pipeline) {
    List<KV<String, Example>> input = new ArrayList<>();
    List<Example> all = examples(900);
    for (int i = 0; i < all.size(); i++) {
      input.add(KV.of(i < 600 ? "train" : "eval", all.get(i)));
    }
    PCollection<KV<String, DatasetFeatureStatisticsList>> stats =
        pipeline
            .apply(
                Create.of(input)
                    .withCoder(KvCoder.of(StringUtf8Coder.of(), ExampleCoder.of(SCHEMA))))
            .apply(GenerateStatistics.perKey());
    PAssert.that(stats)
        .satisfies(
            splits -> {
              int seen = 0;
              for (KV<String, DatasetFeatureStatisticsList> kv : splits) {
                long n = kv.getValue().getDatasets(0).getNumExamples();
                assertEquals(kv.getKey().equals("train") ? 600 : 300, n);
                seen++;
              }
              assertEquals(2, seen);
              return null;
            });
    pipeline.run().waitUntilFinish();
  }
}
