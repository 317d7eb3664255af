package io.millrace.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.millrace.evaluate.Bootstrap;
import io.millrace.evaluate.ModelMetrics;
import io.millrace.evaluate.MulticlassMetrics;
import io.millrace.evaluate.RegressionMetrics;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.testing.TestPipelineExtension;
import io.millrace.train.Task;
import io.millrace.transforms.coders.ExampleCoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * MULTICLASS and REGRESSION models (hand-built over the taxi transform, see {@link
 * SyntheticModels}) through LoadedModel, EvaluateModels and Predict.
 */
@ExtendWith(TestPipelineExtension.class)
class OtherTasksTest {
  @TempDir static Path dir;
  private static ModelArtifact multiclass;
  private static ModelArtifact regression;
  private static List<Example> input;

  @BeforeAll
  static void export() throws IOException {
    multiclass = SyntheticModels.write(dir.resolve("multiclass"), Task.MULTICLASS);
    regression = SyntheticModels.write(dir.resolve("regression"), Task.REGRESSION);
    input = TaxiModels.eval().subList(0, 1_000);
  }

  @Test
  void bothPathsAgreeAndLabelsFollowTheTask() throws IOException {
    try (LoadedModel m = LoadedModel.load(multiclass.directory());
        LoadedModel r = LoadedModel.load(regression.directory())) {
      LoadedModel.Predictions p = m.predict(input);
      LoadedModel.Predictions raw = m.predictRaw(input);
      int k = SyntheticModels.classNames(TaxiModels.fitted()).size();
      assertEquals(k, p.width());
      assertEquals(k, raw.width());
      for (int i = 0; i < p.values().length; i++) {
        assertEquals(p.values()[i], raw.values()[i], 1e-6);
      }
      float sum = 0;
      for (int c = 0; c < k; c++) {
        sum += p.get(0, c);
      }
      assertEquals(1f, sum, 1e-5f);
      double[] classes = m.labels(input);
      int payment = input.get(0).schema().requireIndex("payment_type");
      List<String> names = SyntheticModels.classNames(TaxiModels.fitted());
      for (int i = 0; i < input.size(); i++) {
        assertEquals(
            new String(input.get(i).bytes(payment)[0], StandardCharsets.UTF_8),
            names.get((int) classes[i]));
      }

      LoadedModel.Predictions q = r.predict(input);
      LoadedModel.Predictions qRaw = r.predictRaw(input);
      assertEquals(1, q.width());
      double[] fares = r.labels(input);
      Example transformed = r.transformer().apply(input.get(0));
      assertEquals(transformed.floats(transformed.schema().requireIndex("fare_z"))[0], fares[0], 0);
      for (int i = 0; i < input.size(); i++) {
        assertEquals(q.get(i, 0), qRaw.get(i, 0), 1e-6);
      }
    }
  }

  @Test
  void evaluateAndPredictHandleEachTask(TestPipeline pipeline) throws IOException {
    Map<String, Double> expectedMulticlass;
    Map<String, Double> expectedRegression;
    Map<Long, Float> expectedValues = new java.util.HashMap<>();
    try (LoadedModel m = LoadedModel.load(multiclass.directory());
        LoadedModel r = LoadedModel.load(regression.directory())) {
      MulticlassMetrics mm = new MulticlassMetrics(List.of(2));
      LoadedModel.Scored s = m.score(input);
      for (int i = 0; i < input.size(); i++) {
        double[] probabilities = new double[s.predictions().width()];
        for (int c = 0; c < probabilities.length; c++) {
          probabilities[c] = s.predictions().get(i, c);
        }
        mm.add((int) s.labels()[i], probabilities);
      }
      expectedMulticlass = new TreeMap<>(mm.result());
      RegressionMetrics rm = new RegressionMetrics();
      LoadedModel.Scored t = r.score(input);
      for (int i = 0; i < input.size(); i++) {
        rm.add(t.labels()[i], t.predictions().get(i, 0));
        expectedValues.put(Bootstrap.contentHash(input.get(i)), t.predictions().get(i, 0));
      }
      expectedRegression = new TreeMap<>(rm.result());
    }
    ExampleSchema schema = input.get(0).schema();
    PCollection<Example> records =
        pipeline.apply(Create.of(input).withCoder(ExampleCoder.of(schema)));
    PCollection<ModelMetrics> metrics =
        records
            .apply(
                "EvaluateMulticlass",
                EvaluateModels.of(multiclass.directory())
                    .withBaseline(regression.directory())
                    .withConfig(
                        io.millrace.evaluate.EvaluationConfig.defaults().withTopK(List.of(2))))
            .metrics();
    PAssert.that(metrics)
        .satisfies(
            all -> {
              for (ModelMetrics m : all) {
                Map<String, Double> expected =
                    m.kind().equals("MULTICLASS") ? expectedMulticlass : expectedRegression;
                assertEquals(
                    m.model().equals(EvaluateModels.CANDIDATE) ? "MULTICLASS" : "REGRESSION",
                    m.kind());
                assertEquals(1_000, m.exampleCount());
                for (Map.Entry<String, Double> e : expected.entrySet()) {
                  assertEquals(e.getValue(), m.metric("", e.getKey()), 1e-9, e.getKey());
                }
              }
              return null;
            });
    PCollection<Example> classes =
        records.apply("PredictClass", Predict.with(multiclass.directory()).withBatchSize(300));
    ExampleSchema classSchema = ((ExampleCoder) classes.getCoder()).schema();
    int k = SyntheticModels.classNames(TaxiModels.fitted()).size();
    PAssert.that(classes)
        .satisfies(
            all -> {
              int n = 0;
              for (Example e : all) {
                n++;
                double[] p = e.floats(classSchema.requireIndex(Predict.PROBABILITIES));
                assertEquals(k, p.length);
                int best = 0;
                for (int c = 1; c < k; c++) {
                  best = p[c] > p[best] ? c : best;
                }
                String name =
                    new String(
                        e.bytes(classSchema.requireIndex(Predict.PREDICTED_CLASS))[0],
                        StandardCharsets.UTF_8);
                assertEquals(SyntheticModels.classNames(TaxiModels.fitted()).get(best), name);
              }
              assertEquals(1_000, n);
              return null;
            });
    PCollection<Example> values =
        records.apply("PredictValue", Predict.with(regression.directory()));
    ExampleSchema valueSchema = ((ExampleCoder) values.getCoder()).schema();
    PAssert.that(values)
        .satisfies(
            all -> {
              int n = 0;
              for (Example e : all) {
                n++;
                Example.Builder raw = schema.newExample();
                for (int f = 0; f < schema.size(); f++) {
                  raw.setRaw(f, e.rawValues(valueSchema.requireIndex(schema.name(f))));
                }
                assertEquals(
                    expectedValues.get(Bootstrap.contentHash(raw.build())),
                    e.floats(valueSchema.requireIndex(Predict.PREDICTION))[0],
                    1e-6);
              }
              assertEquals(1_000, n);
              return null;
            });
    pipeline.run().waitUntilFinish();
  }
}
