package io.millrace.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.testing.TestPipelineExtension;
import io.millrace.transforms.AnalyzeTransform;
import io.millrace.transforms.ApplyTransform;
import io.millrace.transforms.coders.ExampleCoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The no-skew property, for every kind of step at once: fitted in a pipeline and fitted without one
 * give the same transform, and the pipeline's transformed records equal the serving runtime's, on
 * random records with missing values, unseen strings, values beyond the training range and extreme
 * magnitudes.
 */
@ExtendWith(TestPipelineExtension.class)
class TrainServeConsistencyTest {
  private static final ExampleSchema RAW = TransformTestData.RAW;
  private static final TransformSpec EVERY_KIND = TransformTestData.EVERY_KIND;

  private static List<Example> records(long seed, int count, boolean wild) {
    return TransformTestData.records(seed, count, wild);
  }

  @Test
  void pipelineAndRuntimeAgreeOnEveryStepKind(TestPipeline pipeline) {
    List<Example> training = records(1, 5_000, false);
    TransformAnalyzer analyzer = TransformAnalyzer.create(EVERY_KIND, RAW);
    training.forEach(analyzer::add);
    FittedTransform fitted = analyzer.fit("");
    FeatureTransformer runtime = fitted.transformer();

    List<Example> serving = records(2, 3_000, true);
    List<Example> expected = new ArrayList<>();
    serving.forEach(r -> expected.add(runtime.apply(r)));

    PCollection<FittedTransform> fittedInPipeline =
        pipeline
            .apply("Training", Create.of(training).withCoder(ExampleCoder.of(RAW)))
            .apply(AnalyzeTransform.of(EVERY_KIND));
    PAssert.thatSingleton(fittedInPipeline)
        .satisfies(
            f -> {
              for (int s = 0; s < f.fitted().size(); s++) {
                FittedTransform.Fitted a = f.fitted().get(s);
                FittedTransform.Fitted e = fitted.fitted().get(s);
                assertEquals(e.vocabularySize(), a.vocabularySize(), e.output());
                assertEquals(
                    fitted.vocabulary(s).stream().map(String::new).toList(),
                    f.vocabulary(s).stream().map(String::new).toList());
                if (e.mean() != null) {
                  assertEquals(e.mean(), a.mean(), 1e-12 * Math.abs(e.mean()) + 1e-15);
                  assertEquals(e.std(), a.std(), 1e-9 * e.std() + 1e-15);
                  assertEquals(e.min(), a.min());
                  assertEquals(e.max(), a.max());
                }
              }
              return null;
            });

    PCollection<Example> transformed =
        pipeline
            .apply("Serving", Create.of(serving).withCoder(ExampleCoder.of(RAW)))
            .apply(ApplyTransform.of(fitted));
    PAssert.that(transformed).containsInAnyOrder(expected);
    pipeline.run().waitUntilFinish();
  }

  @Test
  void aTransformedRecordHasEveryOutputAndIdsInRange() {
    TransformAnalyzer analyzer = TransformAnalyzer.create(EVERY_KIND, RAW);
    records(3, 2_000, false).forEach(analyzer::add);
    FittedTransform fitted = analyzer.fit("");
    FeatureTransformer runtime = fitted.transformer();
    ExampleSchema out = runtime.outputSchema();
    int colors = fitted.fitted().get(out.indexOf("color_id")).vocabularySize();
    assertEquals(5, colors);
    for (Example raw : records(4, 2_000, true)) {
      Example t = runtime.apply(raw);
      for (int f = 0; f < out.size(); f++) {
        if (!out.name(f).equals("color_one_hot")) {
          assertEquals(1, t.valueCount(f), out.name(f));
        }
      }
      double[] oneHot = t.floats(out.indexOf("color_one_hot"));
      assertEquals(7 + 2, oneHot.length);
      assertEquals(1.0, Arrays.stream(oneHot).sum());
      long color = t.int64s(out.indexOf("color_id"))[0];
      assertEquals(true, color >= 0 && color < colors + 3, "color id " + color);
      long bucket = t.int64s(out.indexOf("x_bucket"))[0];
      assertEquals(true, bucket >= 0 && bucket <= 6, "bucket " + bucket);
      long city = t.int64s(out.indexOf("city_hash"))[0];
      assertEquals(true, city >= 0 && city < 50);
    }
  }
}
