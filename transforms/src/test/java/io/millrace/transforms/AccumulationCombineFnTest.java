package io.millrace.transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.millrace.accumulate.Accumulation;
import io.millrace.evaluate.Bootstrap;
import io.millrace.evaluate.EvaluationAccumulation;
import io.millrace.evaluate.EvaluationConfig;
import io.millrace.evaluate.ModelEvaluation;
import io.millrace.evaluate.ModelMetrics;
import io.millrace.evaluate.ScoredExample;
import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.csv.CsvFormatReader;
import io.millrace.record.Example;
import io.millrace.stats.StatisticsAccumulation;
import io.millrace.stats.StatisticsOptions;
import io.millrace.testing.CollectingSink;
import io.millrace.testing.ProtoAssert;
import io.millrace.testing.SharedData;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.TransformAnalysis;
import io.millrace.transform.TransformSpec;
import io.millrace.transforms.coders.AccumulatorCoder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.BiConsumer;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.testing.CombineFnTester;
import org.apache.beam.sdk.util.CoderUtils;
import org.hamcrest.BaseMatcher;
import org.hamcrest.Description;
import org.hamcrest.Matcher;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The one CombineFn and coder of every mergeable accumulation, runner-free: Beam's {@link
 * CombineFnTester} cuts the records into shards and merges them in several shapes, and states
 * encoded and decoded by the {@link AccumulatorCoder} between random parts merge to the one-pass
 * result.
 */
class AccumulationCombineFnTest {
  private static List<Example> penguins;

  @BeforeAll
  static void read() throws IOException {
    penguins =
        CollectingSink.read(
                new CsvFormatReader(FormatOptions.defaults().withMissingValues(Set.of("NA"))),
                SharedData.path("penguins/penguins.csv"))
            .examples;
  }

  @Test
  void statistics() {
    StatisticsAccumulation statistics =
        new StatisticsAccumulation(
            penguins.get(0).schema(), StatisticsOptions.defaults().withSlice("island"));
    assertCombines(
        statistics,
        penguins,
        (DatasetFeatureStatisticsList expected, DatasetFeatureStatisticsList actual) ->
            ProtoAssert.assertEqualsWithin(expected, actual, 1e-12));
  }

  @Test
  void transformAnalyzers() throws IOException {
    TransformSpec spec =
        TransformSpec.read(Path.of("..", "examples", "penguins", "transform.json"));
    TransformAnalysis analysis = new TransformAnalysis(spec, penguins.get(0).schema(), "");
    assertCombines(
        analysis,
        penguins,
        (FittedTransform expected, FittedTransform actual) -> {
          assertEquals(expected.outputSchema(), actual.outputSchema());
          for (int i = 0; i < expected.fitted().size(); i++) {
            FittedTransform.Fitted e = expected.fitted().get(i);
            FittedTransform.Fitted a = actual.fitted().get(i);
            if (e.mean() != null) {
              assertEquals(e.mean(), a.mean(), 1e-9, e.output());
              assertEquals(e.std(), a.std(), 1e-9, e.output());
            }
            assertEquals(e.vocabularySize(), a.vocabularySize(), e.output());
          }
        });
  }

  @Test
  void modelMetrics() {
    Random random = new Random(3);
    List<ScoredExample> scored = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      int label = random.nextInt(2);
      double p = Math.min(1, Math.max(0, 0.3 + 0.4 * label + 0.3 * random.nextGaussian()));
      scored.add(
          new ScoredExample(
              List.of("island=" + (i % 3)),
              label,
              new double[] {p},
              Bootstrap.poissonWeights(42, i, 5)));
    }
    EvaluationAccumulation evaluation =
        EvaluationAccumulation.of(
            "candidate",
            ModelEvaluation.Kind.BINARY,
            EvaluationConfig.defaults().withBootstrap(5, 42));
    assertCombines(
        evaluation,
        scored,
        (ModelMetrics expected, ModelMetrics actual) -> {
          assertEquals(expected.slices().keySet(), actual.slices().keySet());
          assertEquals(expected.exampleCount(), actual.exampleCount());
          assertEquals(expected.metric("", "auc"), actual.metric("", "auc"), 1e-12);
          assertEquals(
              expected.intervals().get("auc").lower(),
              actual.intervals().get("auc").lower(),
              1e-12);
        });
  }

  @Test
  void coderEqualityFollowsTheConfiguration() {
    StatisticsAccumulation a =
        new StatisticsAccumulation(penguins.get(0).schema(), StatisticsOptions.defaults());
    StatisticsAccumulation b =
        new StatisticsAccumulation(
            penguins.get(0).schema(), StatisticsOptions.defaults().withSlice("island"));
    assertEquals(AccumulatorCoder.of(a), AccumulatorCoder.of(a.ofStates()));
    assertNotEquals(AccumulatorCoder.of(a), AccumulatorCoder.of(b));
  }

  private static <I, A, O> void assertCombines(
      Accumulation<I, A, O> accumulation, List<I> inputs, BiConsumer<O, O> same) {
    AccumulationCombineFn<I, A, O> fn = AccumulationCombineFn.of(accumulation);
    A all = fn.createAccumulator();
    for (I input : inputs) {
      all = fn.addInput(all, input);
    }
    O onePass = fn.extractOutput(all);
    CombineFnTester.testCombineFn(fn, inputs, matches(onePass, same));

    AccumulatorCoder<A> coder = AccumulatorCoder.of(accumulation);
    AccumulationCombineFn<A, A, O> ofStates = AccumulationCombineFn.of(accumulation.ofStates());
    Random random = new Random(9);
    for (int trial = 0; trial < 3; trial++) {
      List<I> shuffled = new ArrayList<>(inputs);
      Collections.shuffle(shuffled, random);
      int parts = 2 + random.nextInt(5);
      List<A> states = new ArrayList<>();
      for (int p = 0; p < parts; p++) {
        A state = fn.createAccumulator();
        for (I input :
            shuffled.subList(p * inputs.size() / parts, (p + 1) * inputs.size() / parts)) {
          state = fn.addInput(state, input);
        }
        states.add(clone(coder, state));
      }
      // The partial states as inputs of a second combine, as a fused read's bundles emit them.
      A merged = ofStates.createAccumulator();
      for (A state : states) {
        merged = ofStates.addInput(merged, state);
      }
      same.accept(onePass, ofStates.extractOutput(clone(coder, merged)));
      // States delimit themselves: nested in a list, each decodes exactly what was encoded.
      List<A> decoded = clone(ListCoder.of(coder), states);
      assertEquals(states.size(), decoded.size());
      same.accept(onePass, fn.extractOutput(fn.mergeAccumulators(decoded)));
    }
  }

  private static <A> A clone(Coder<A> coder, A state) {
    try {
      return CoderUtils.clone(coder, state);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static <O> Matcher<O> matches(O expected, BiConsumer<O, O> same) {
    return new BaseMatcher<>() {
      @Override
      @SuppressWarnings("unchecked")
      public boolean matches(Object actual) {
        same.accept(expected, (O) actual);
        return true;
      }

      @Override
      public void describeTo(Description description) {
        description.appendText("the one-pass result");
      }
    };
  }
}
