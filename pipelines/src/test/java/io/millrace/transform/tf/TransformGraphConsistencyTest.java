package io.millrace.transform.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.testing.TestPipelineExtension;
import io.millrace.transform.FeatureTransformer;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.TransformAnalyzer;
import io.millrace.transform.TransformSpec;
import io.millrace.transform.TransformSpec.VocabularyOptions;
import io.millrace.transform.TransformTestData;
import io.millrace.transforms.ApplyTransform;
import io.millrace.transforms.coders.ExampleCoder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The no-skew property between the TensorFlow graph of a fitted transform and the Java runtime
 * ({@link FeatureTransformer}): for every kind of step, on random records with missing values,
 * unseen strings, values beyond the training range and extreme magnitudes, and on the taxi data.
 */
@ExtendWith(TestPipelineExtension.class)
class TransformGraphConsistencyTest {
  private static final ExampleSchema RAW = TransformTestData.RAW;
  private static final TransformSpec EVERY_KIND = TransformTestData.EVERY_KIND;

  private static final int BATCH = 256;

  /**
   * The graph's convention has no "present but NaN": a raw NaN is missing. The runtime's answer for
   * such a record is therefore that of the record with the NaN value left out.
   */
  static Example nanAsMissing(Example raw) {
    Example.Builder b = raw.schema().newExample();
    for (int f = 0; f < raw.schema().size(); f++) {
      Object v = raw.rawValues(f);
      b.setRaw(f, v instanceof double[] d && d.length > 0 && Double.isNaN(d[0]) ? null : v);
    }
    return b.build();
  }

  private static boolean hasNaN(Example raw) {
    return !nanAsMissing(raw).equals(raw);
  }

  private static GraphOutputs.Agreement check(
      FittedTransform fitted, List<Example> records, UnaryOperator<Example> reference) {
    GraphOutputs outputs =
        InProcessGraph.with(
            fitted,
            function ->
                GraphOutputs.run(function, RawColumns.of(fitted.inputSchema(), records), BATCH));
    return outputs.assertAgrees(fitted.transformer(), records, reference);
  }

  /**
   * The generic no-skew property through all three paths: the Java runtime, the Beam pipeline
   * ({@link ApplyTransform}, required to equal the runtime record for record) and the TensorFlow
   * graph (required to equal the runtime: ids exactly, floats within 1e-6 relative).
   */
  @Test
  void graphPipelineAndRuntimeAgreeOnEveryStepKind(TestPipeline pipeline) {
    TransformAnalyzer analyzer = TransformAnalyzer.create(EVERY_KIND, RAW);
    TransformTestData.records(1, 5_000, false).forEach(analyzer::add);
    FittedTransform fitted = analyzer.fit("");

    List<Example> wild = TransformTestData.records(2, 3_000, true);
    List<Example> runtime = new ArrayList<>();
    wild.forEach(raw -> runtime.add(fitted.transformer().apply(raw)));
    PAssert.that(
            pipeline
                .apply(Create.of(wild).withCoder(ExampleCoder.of(RAW)))
                .apply(ApplyTransform.of(fitted)))
        .containsInAnyOrder(runtime);
    pipeline.run().waitUntilFinish();

    List<Example> serving = TransformTestData.records(2, 3_000, true);
    long withNaN = serving.stream().filter(TransformGraphConsistencyTest::hasNaN).count();
    assertTrue(withNaN > 50, "the records exercise raw NaN: " + withNaN);
    GraphOutputs.Agreement agreement =
        check(fitted, serving, TransformGraphConsistencyTest::nanAsMissing);
    System.out.println("every kind: " + agreement + ", records with a raw NaN: " + withNaN);
    assertEquals(3_000L * (fitted.fitted().size() - 1 + 7 + 2), agreement.values());
  }

  /** Degenerate fits: constant inputs (std and range 0), an empty vocabulary, default ids. */
  @Test
  void graphAndRuntimeAgreeOnDegenerateFits() {
    TransformSpec spec =
        TransformSpec.builder()
            .zScore("x_z", "x")
            .scaleTo01("x_01", "x")
            .scaleByMinMax("n_mm", "n", 2, 4)
            .bucketize("x_bucket", "x", 4)
            .passthrough("n_raw", "n")
            .fillMissingWith(-7.9)
            .vocabulary("city_id", "city", VocabularyOptions.defaults().withDefaultValue(-3))
            .vocabulary("city_oov", "city", VocabularyOptions.defaults().withNumOovBuckets(4))
            .vocabulary("city_one_hot", "city", VocabularyOptions.defaults().withDefaultValue(0))
            .oneHot()
            .hashStrings("n_hash", "n", 7)
            .hashedCross("x_x_n", "x", "n", 11)
            .expression("constant", "2 * 3")
            .expression("not_equal", "x != n or not n")
            .build();
    TransformAnalyzer analyzer = TransformAnalyzer.create(spec, RAW);
    for (int i = 0; i < 100; i++) {
      // Constant x and n; city always missing: nothing to learn.
      analyzer.add(RAW.newExample().setFloats(0, 1.5).setInt64s(1, 4).build());
    }
    FittedTransform fitted = analyzer.fit("");
    assertEquals(0, fitted.fitted().get(6).vocabularySize());
    List<Example> serving = TransformTestData.records(5, 1_000, true);
    GraphOutputs.Agreement agreement =
        check(fitted, serving, TransformGraphConsistencyTest::nanAsMissing);
    System.out.println("degenerate: " + agreement);
  }

  @Test
  void graphAndRuntimeAgreeOnTaxiEvalAndServingData() throws IOException {
    FittedTransform fitted = Taxi.fitted();
    for (String file : List.of("eval.csv", "serving.csv")) {
      List<Example> records = Taxi.read(file);
      assertTrue(records.size() >= 100, file);
      if (file.equals("serving.csv")) {
        // No label column: the graph is fed NaN (missing) for it, the runtime finds no feature.
        assertEquals(-1, records.get(0).schema().indexOf("tips"));
      }
      GraphOutputs.Agreement agreement = check(fitted, records, UnaryOperator.identity());
      System.out.println("taxi " + file + ": " + records.size() + " records, " + agreement);
    }
  }
}
