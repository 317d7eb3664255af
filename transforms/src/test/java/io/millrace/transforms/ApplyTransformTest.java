package io.millrace.transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureSpec;
import io.millrace.record.FeatureType;
import io.millrace.testing.TestPipelineExtension;
import io.millrace.transform.FeatureTransformer;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.TransformAnalyzer;
import io.millrace.transform.TransformSpec;
import io.millrace.transforms.coders.ExampleCoder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fit and apply chained in one pipeline: the transform {@link AnalyzeTransform} fits is the side
 * input of {@link ApplyTransform}, whose output schema is known when the pipeline is built.
 */
@ExtendWith(TestPipelineExtension.class)
class ApplyTransformTest {
  private static final ExampleSchema RAW =
      ExampleSchema.of(
          FeatureSpec.of("id", FeatureType.INT),
          FeatureSpec.of("x", FeatureType.FLOAT),
          FeatureSpec.of("color", FeatureType.BYTES));

  private static final TransformSpec SPEC =
      TransformSpec.builder()
          .passthrough("id", "id")
          .zScore("x_z", "x")
          .bucketize("x_bucket", "x", 4)
          .vocabulary("color_id", "color", TransformSpec.VocabularyOptions.defaults())
          .build();

  private static List<Example> records(int from, int to) {
    String[] colors = {"red", "green", "blue"};
    List<Example> records = new ArrayList<>();
    for (int i = from; i < to; i++) {
      records.add(
          RAW.newExample()
              .setInt64s(0, i)
              .setFloats(1, (i % 200) * 0.37)
              .setString(2, colors[i % colors.length])
              .build());
    }
    return records;
  }

  /**
   * What the serving runtime gives, fitted without a runner: by record id, its z-score, bucket and
   * vocabulary id (plain values: PAssert's checks are serialized, records are not Serializable).
   */
  private static HashMap<Long, double[]> expected(List<Example> training, List<Example> serving) {
    TransformAnalyzer analyzer = TransformAnalyzer.create(SPEC, RAW);
    training.forEach(analyzer::add);
    FeatureTransformer runtime = analyzer.fit("").transformer();
    assertEquals(SPEC.outputSchema(RAW), runtime.outputSchema());
    HashMap<Long, double[]> byId = new HashMap<>();
    serving.forEach(r -> byId.put(r.int64s(0)[0], values(runtime.apply(r))));
    return byId;
  }

  private static double[] values(Example transformed) {
    return new double[] {
      transformed.floats(1)[0], transformed.int64s(2)[0], transformed.int64s(3)[0]
    };
  }

  private static void assertSameRecords(
      HashMap<Long, double[]> expected, PCollection<Example> transformed) {
    PAssert.that(transformed)
        .satisfies(
            records -> {
              assertSameRecords(expected, records);
              return null;
            });
  }

  /**
   * The pipeline's records equal the runtime's: ids, buckets and vocabulary ids exactly, z-scores
   * within the rounding of the mean, whose sums depend on the order the runner adds them in.
   */
  private static void assertSameRecords(Map<Long, double[]> expected, Iterable<Example> actual) {
    int n = 0;
    for (Example a : actual) {
      double[] e = expected.get(a.int64s(0)[0]);
      double[] v = values(a);
      assertEquals(e[0], v[0], 1e-9);
      assertEquals(e[1], v[1]);
      assertEquals(e[2], v[2]);
      n++;
    }
    assertEquals(expected.size(), n);
  }

  @Test
  void theTransformFittedInThePipelineIsAppliedAsASideInput(TestPipeline pipeline) {
    List<Example> training = records(0, 3_000);
    List<Example> serving = records(3_000, 4_000);
    HashMap<Long, double[]> expected = expected(training, serving);
    PCollection<FittedTransform> fitted =
        pipeline
            .apply("Training", Create.of(training).withCoder(ExampleCoder.of(RAW)))
            .apply(AnalyzeTransform.of(SPEC));
    PCollection<Example> transformed =
        pipeline
            .apply("Serving", Create.of(serving).withCoder(ExampleCoder.of(RAW)))
            .apply(ApplyTransform.of(SPEC, fitted));
    // Known when the pipeline is built, before anything is fitted.
    assertEquals(ExampleCoder.of(SPEC.outputSchema(RAW)), transformed.getCoder());
    assertSameRecords(expected, transformed);
    pipeline.run().waitUntilFinish();
  }

  @Test
  void aViewOfTheFittedTransformIsASideInputToo(TestPipeline pipeline) {
    List<Example> training = records(0, 2_000);
    HashMap<Long, double[]> expected = expected(training, training);
    PCollection<Example> raw = pipeline.apply(Create.of(training).withCoder(ExampleCoder.of(RAW)));
    PCollectionView<FittedTransform> view =
        raw.apply(AnalyzeTransform.of(SPEC)).apply(View.asSingleton());
    PCollection<Example> transformed = raw.apply(ApplyTransform.of(SPEC, view));
    assertSameRecords(expected, transformed);
    pipeline.run().waitUntilFinish();
  }

  @Test
  void aFittedTransformOfAnotherDefinitionFailsTheRunNamingBoth() {
    Pipeline pipeline = Pipeline.create(TestPipeline.testingPipelineOptions());
    TransformSpec other =
        TransformSpec.builder().passthrough("id", "id").zScore("x_z", "x").build();
    PCollection<FittedTransform> fitted =
        pipeline
            .apply("Training", Create.of(records(0, 100)).withCoder(ExampleCoder.of(RAW)))
            .apply(AnalyzeTransform.of(other));
    pipeline
        .apply("Serving", Create.of(records(100, 110)).withCoder(ExampleCoder.of(RAW)))
        .apply(ApplyTransform.of(SPEC, fitted));
    Pipeline.PipelineExecutionException e =
        assertThrows(Pipeline.PipelineExecutionException.class, () -> pipeline.run());
    String message = e.getCause().getMessage();
    assertTrue(message.contains("x_bucket"), message);
    assertTrue(message.contains("fitted transform"), message);
  }

  @Test
  void recordsLackingAnInputOfTheDefinitionAreRefusedWhenThePipelineIsBuilt() {
    Pipeline pipeline = Pipeline.create(TestPipeline.testingPipelineOptions());
    PCollection<FittedTransform> fitted =
        pipeline
            .apply("Training", Create.of(records(0, 100)).withCoder(ExampleCoder.of(RAW)))
            .apply(AnalyzeTransform.of(SPEC));
    ExampleSchema noColor = ExampleSchema.of(FeatureSpec.of("id", FeatureType.INT));
    PCollection<Example> raw =
        pipeline.apply(
            "Serving",
            Create.of(noColor.newExample().setInt64s(0, 1).build())
                .withCoder(ExampleCoder.of(noColor)));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> raw.apply(ApplyTransform.of(SPEC, fitted)));
    assertTrue(e.getMessage().contains("no feature named 'x'"), e.getMessage());
  }
}
