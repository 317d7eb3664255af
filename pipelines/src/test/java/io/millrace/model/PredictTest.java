package io.millrace.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.evaluate.Bootstrap;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureType;
import io.millrace.testing.TestPipelineExtension;
import io.millrace.train.Task;
import io.millrace.transforms.coders.ExampleCoder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Batch prediction appends the model's probabilities, which are LoadedModel's. */
@ExtendWith(TestPipelineExtension.class)
class PredictTest {
  @TempDir static Path dir;
  private static ModelArtifact model;

  @BeforeAll
  static void train() throws IOException {
    model = TaxiModels.writeGood(dir.resolve("model"), "big-tipper");
  }

  @Test
  void appendsProbabilityAndPredictedLabelEqualToLoadedModel(TestPipeline pipeline)
      throws IOException {
    List<Example> input = TaxiModels.eval().subList(0, 2_000);
    ExampleSchema schema = input.get(0).schema();
    Map<Long, Float> expected = new HashMap<>();
    try (LoadedModel loaded = LoadedModel.load(model.directory())) {
      LoadedModel.Predictions p = loaded.predict(input);
      for (int i = 0; i < input.size(); i++) {
        expected.put(Bootstrap.contentHash(input.get(i)), p.get(i, 0));
      }
    }
    PCollection<Example> scored =
        pipeline
            .apply(Create.of(input).withCoder(ExampleCoder.of(schema)))
            .apply(Predict.with(model.directory()).withBatchSize(256));
    ExampleSchema out = ((ExampleCoder) scored.getCoder()).schema();
    assertEquals(schema.size() + 2, out.size());
    assertEquals(FeatureType.FLOAT, out.type(out.requireIndex(Predict.PROBABILITY)));
    assertEquals(FeatureType.INT, out.type(out.requireIndex(Predict.PREDICTED_LABEL)));
    PAssert.that(scored)
        .satisfies(
            records -> {
              int n = 0;
              int positives = 0;
              for (Example e : records) {
                n++;
                Example.Builder raw = schema.newExample();
                for (int f = 0; f < schema.size(); f++) {
                  raw.setRaw(f, e.rawValues(out.requireIndex(schema.name(f))));
                }
                Float want = expected.get(Bootstrap.contentHash(raw.build()));
                double p = e.floats(out.requireIndex(Predict.PROBABILITY))[0];
                long label = e.int64s(out.requireIndex(Predict.PREDICTED_LABEL))[0];
                assertEquals(want, p, 1e-6);
                assertEquals(p > 0.5 ? 1 : 0, label);
                positives += (int) label;
              }
              assertEquals(2_000, n);
              assertTrue(positives > 0 && positives < n, positives + " predicted positive");
              return null;
            });
    pipeline.run().waitUntilFinish();
  }

  @Test
  void refusesRecordsThatAlreadyHaveAPredictionFeature() {
    ExampleSchema schema = Predict.outputSchema(TaxiModels.eval().get(0).schema(), Task.BINARY);
    assertThrows(IllegalArgumentException.class, () -> Predict.outputSchema(schema, Task.BINARY));
    assertEquals(
        List.of(Predict.PROBABILITIES, Predict.PREDICTED_CLASS),
        Predict.predictionFeatures(Task.MULTICLASS).stream().map(f -> f.name()).toList());
  }
}
