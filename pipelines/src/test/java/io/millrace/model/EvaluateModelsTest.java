package io.millrace.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.evaluate.BinaryMetrics;
import io.millrace.evaluate.Bootstrap;
import io.millrace.evaluate.ModelMetrics;
import io.millrace.record.Example;
import io.millrace.testing.TestPipelineExtension;
import io.millrace.transforms.coders.ExampleCoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The Beam evaluator on taxi eval against runner-free computations over LoadedModel. */
@ExtendWith(TestPipelineExtension.class)
class EvaluateModelsTest {
  @TempDir static Path dir;
  private static ModelArtifact good;
  private static ModelArtifact shuffled;

  /** 5,000 eval records, every 50th without tips: 100 unusable labels. */
  private static List<Example> input;

  @BeforeAll
  static void train() throws IOException {
    good = TaxiModels.writeGood(dir.resolve("good"), "big-tipper");
    shuffled = TaxiModels.writeShuffled(dir.resolve("shuffled"), "big-tipper");
    input = TaxiModels.evalWithMissingLabels(5_000, 50);
  }

  private static PCollection<Example> eval(TestPipeline pipeline) {
    return pipeline.apply(Create.of(input).withCoder(ExampleCoder.of(input.get(0).schema())));
  }

  /** BinaryMetrics per slice key ("" overall, "payment_type=...") computed without a runner. */
  private static Map<String, Map<String, Double>> reference(ModelArtifact artifact)
      throws IOException {
    Map<String, BinaryMetrics> out = new TreeMap<>();
    int payment = input.get(0).schema().requireIndex("payment_type");
    try (LoadedModel model = LoadedModel.load(artifact.directory())) {
      LoadedModel.Predictions p = model.predict(input);
      double[] labels = model.labels(input);
      for (int i = 0; i < input.size(); i++) {
        if (Double.isNaN(labels[i])) {
          continue;
        }
        String slice =
            "payment_type=" + new String(input.get(i).bytes(payment)[0], StandardCharsets.UTF_8);
        for (String key : List.of("", slice)) {
          out.computeIfAbsent(key, k -> new BinaryMetrics()).add((int) labels[i], p.get(i, 0));
        }
      }
    }
    // Plain values: PAssert's checks are serialized, accumulators are not Serializable.
    Map<String, Map<String, Double>> results = new TreeMap<>();
    out.forEach((k, v) -> results.put(k, new TreeMap<>(v.result())));
    return results;
  }

  @Test
  void candidateMetricsPerSliceEqualARunnerFreeComputation(TestPipeline pipeline)
      throws IOException {
    Map<String, Map<String, Double>> expected = reference(good);
    EvaluateModels.Result result =
        eval(pipeline)
            .apply(
                EvaluateModels.of(good.directory())
                    .withSlices(List.of(List.of("payment_type"), List.of("trip_start_hour")))
                    .withMinSliceSize(20)
                    .withBatchSize(256));
    PAssert.thatSingleton(result.metrics())
        .satisfies(
            m -> {
              assertEquals(EvaluateModels.CANDIDATE, m.model());
              assertEquals("BINARY", m.kind());
              assertEquals(4_900, m.exampleCount());
              assertEquals(100, m.unusableLabels());
              Map<String, Double> overall = expected.get("");
              for (String metric : List.of("auc", "auc_precision_recall", "log_loss", "accuracy")) {
                assertEquals(overall.get(metric), m.metric("", metric), 1e-12, metric);
              }
              assertTrue(m.metric("", "auc") > 0.8, "auc " + m.metric("", "auc"));
              for (Map.Entry<String, Map<String, Double>> e : expected.entrySet()) {
                double count = e.getValue().get("example_count");
                if (count >= 20) {
                  assertEquals(count, m.metric(e.getKey(), "example_count"), e.getKey());
                  assertEquals(
                      e.getValue().get("auc"), m.metric(e.getKey(), "auc"), 1e-12, e.getKey());
                } else {
                  assertFalse(m.slices().containsKey(e.getKey()), e.getKey());
                  assertTrue(m.droppedSlices().contains(e.getKey()), e.getKey());
                }
              }
              assertTrue(m.slices().containsKey("payment_type=Cash"));
              assertTrue(m.slices().containsKey("payment_type=No Charge"));
              assertTrue(m.droppedSlices().contains("payment_type=Prcard"));
              // 24 hours (each >= 20 records) + Cash, Credit Card, No Charge + overall.
              assertEquals(24 + 3 + 1, m.slices().size(), m.slices().keySet().toString());
              assertEquals(
                  4_900L,
                  (long)
                      m.slices().entrySet().stream()
                          .filter(s -> s.getKey().startsWith("trip_start_hour="))
                          .mapToDouble(s -> s.getValue().get("example_count"))
                          .sum());
              assertTrue(m.intervals().isEmpty());
              return null;
            });
    PAssert.thatSingleton(result.unusableLabels().apply(Count.globally())).isEqualTo(100L);
    pipeline.run().waitUntilFinish();
  }

  @Test
  void candidateAndBaselineAreEvaluatedInOneJobWithBootstrapIntervals(TestPipeline pipeline)
      throws IOException {
    Map<String, Map<String, Double>> expectedCandidate = reference(good);
    Map<String, Map<String, Double>> expectedBaseline = reference(shuffled);
    EvaluateModels.Result result =
        eval(pipeline)
            .apply(
                EvaluateModels.of(good.directory())
                    .withBaseline(shuffled.directory())
                    .withSlices(List.of(List.of("payment_type")))
                    .withBootstrap(20, 42));
    PAssert.that(result.metrics())
        .satisfies(
            all -> {
              Map<String, ModelMetrics> byModel = new TreeMap<>();
              all.forEach(m -> byModel.put(m.model(), m));
              assertEquals(List.of("baseline", "candidate"), new ArrayList<>(byModel.keySet()));
              ModelMetrics c = byModel.get(EvaluateModels.CANDIDATE);
              ModelMetrics b = byModel.get(EvaluateModels.BASELINE);
              assertEquals(expectedCandidate.get("").get("auc"), c.metric("", "auc"), 1e-12);
              assertEquals(expectedBaseline.get("").get("auc"), b.metric("", "auc"), 1e-12);
              assertEquals(4_900, b.exampleCount());
              assertEquals(100, b.unusableLabels());
              assertTrue(
                  c.metric("", "auc") > b.metric("", "auc") + 0.1,
                  "candidate " + c.metric("", "auc") + " baseline " + b.metric("", "auc"));
              Bootstrap.Interval auc = c.intervals().get("auc");
              assertNotNull(auc);
              assertEquals(20, auc.samples());
              assertEquals(c.metric("", "auc"), auc.pointEstimate());
              assertTrue(auc.contains(auc.pointEstimate()), auc.toString());
              assertTrue(auc.upper() - auc.lower() < 0.1, auc.toString());
              assertTrue(b.intervals().get("auc").upper() < auc.lower(), "intervals overlap");
              return null;
            });
    long start = System.nanoTime();
    pipeline.run().waitUntilFinish();
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        "EvaluateModels, DirectRunner, taxi eval, two models, bootstrap 20: %d records in %.2f s"
            + " (%.0f records/s)%n",
        input.size(), seconds, input.size() / seconds);
  }
}
