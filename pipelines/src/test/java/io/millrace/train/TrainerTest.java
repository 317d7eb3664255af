package io.millrace.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TrainerTest {
  private static TrainingData small;
  private static TrainingData full;

  @BeforeAll
  static void data() {
    small = SyntheticData.generate(1500, 6, 12, 11L);
    full = SyntheticData.generate(5000, 10, 20, 12L);
  }

  private static ModelConfig config(String kind, String optimizer, float dropout) {
    ModelConfig.Builder b =
        ModelConfig.builder()
            .optimizer(ModelConfig.Optimizer.valueOf(optimizer))
            .epochs(3)
            .batchSize(128)
            .seed(1234L)
            .learningRate(optimizer.equals("SGD") ? 0.1f : 0.01f);
    if (kind.equals("DNN")) {
      b.dnn(32, 16).dropoutRate(dropout).embeddingDim(4);
    }
    return b.build();
  }

  @ParameterizedTest(name = "{0} {1} dropout={2}")
  @CsvSource({"LINEAR, ADAM, 0", "LINEAR, SGD, 0", "DNN, ADAM, 0", "DNN, SGD, 0", "DNN, ADAM, 0.2"})
  void sameSeedGivesBitIdenticalWeights(String kind, String optimizer, float dropout) {
    ModelConfig config = config(kind, optimizer, dropout);
    TrainedModel a = new Trainer(config).train(small);
    TrainedModel b = new Trainer(config).train(small);
    assertEquals(a.weightNames(), b.weightNames());
    for (String name : a.weightNames()) {
      assertArrayEquals(bits(a.weight(name)), bits(b.weight(name)), name);
    }
    assertArrayEquals(bits(a.lossCurve()), bits(b.lossCurve()));
    // A different seed must actually change something (guards against a no-op trainer).
    TrainedModel c = new Trainer(config.toBuilder().seed(99L).build()).train(small);
    assertTrue(
        a.weightNames().stream()
            .anyMatch(n -> !java.util.Arrays.equals(bits(a.weight(n)), bits(c.weight(n)))));
  }

  @Test
  void threadSettingsDoNotChangeWeights() {
    ModelConfig one = config("DNN", "ADAM", 0f);
    ModelConfig more = one.toBuilder().intraOpThreads(2).interOpThreads(2).build();
    TrainedModel a = new Trainer(one).train(small);
    TrainedModel b = new Trainer(more).train(small);
    for (String name : a.weightNames()) {
      assertArrayEquals(bits(a.weight(name)), bits(b.weight(name)), name);
    }
  }

  @Test
  void lossesAndWeightsDoNotDependOnTheOrderTheRowsWereReadIn() {
    // Early stopping picks the epoch by the eval loss, so its last bits choose the weights too.
    ModelConfig config = config("DNN", "ADAM", 0f).toBuilder().earlyStoppingPatience(1).build();
    TrainingData eval = SyntheticData.generate(2500, 6, 12, 13L);
    TrainedModel a = new Trainer(config).train(small, eval);
    TrainedModel b =
        new Trainer(config)
            .train(SyntheticData.permuted(small, 5L), SyntheticData.permuted(eval, 6L));
    assertEquals(Float.floatToIntBits(a.initialLoss()), Float.floatToIntBits(b.initialLoss()));
    assertArrayEquals(bits(a.lossCurve()), bits(b.lossCurve()));
    assertArrayEquals(bits(a.evalLossCurve()), bits(b.evalLossCurve()));
    assertEquals(a.bestEpoch(), b.bestEpoch());
    for (String name : a.weightNames()) {
      assertArrayEquals(bits(a.weight(name)), bits(b.weight(name)), name);
    }
  }

  @Test
  void javaForwardPassMatchesGraphLoss() {
    // SGD with a negligible learning rate leaves the initial weights in place, so the graph's
    // initial loss must equal the loss of the plain-Java forward pass over the returned weights.
    for (ModelConfig.Builder b :
        java.util.List.of(ModelConfig.builder(), ModelConfig.builder().dnn(16, 8))) {
      ModelConfig config =
          b.optimizer(ModelConfig.Optimizer.SGD).learningRate(1e-30f).epochs(1).build();
      TrainedModel model = new Trainer(config).train(small);
      float[] p = model.predictProbabilities(small);
      double loss = 0;
      for (int i = 0; i < p.length; i++) {
        loss -= small.label(i) > 0.5f ? Math.log(p[i]) : Math.log1p(-p[i]);
      }
      assertEquals(model.initialLoss(), loss / p.length, 1e-4, config.kind().toString());
    }
  }

  @Test
  void linearModelLearns() {
    ModelConfig config =
        ModelConfig.builder().learningRate(0.05f).epochs(10).batchSize(128).build();
    TrainedModel model = new Trainer(config).train(full);
    assertLearned(model, config);
  }

  @Test
  void dnnLearns() {
    ModelConfig config =
        ModelConfig.builder().dnn(64, 64).learningRate(0.01f).epochs(10).batchSize(256).build();
    TrainedModel model = new Trainer(config).train(full);
    assertLearned(model, config);
    System.out.printf(
        "DNN 64-64 on %d rows, batch %d: %.0f examples/s%n",
        full.numRows(), config.batchSize(), model.examplesPerSecond());
  }

  private static void assertLearned(TrainedModel model, ModelConfig config) {
    float[] curve = model.lossCurve();
    assertEquals(config.epochs(), curve.length);
    for (float loss : curve) {
      assertTrue(Float.isFinite(loss));
    }
    assertTrue(curve[curve.length - 1] < curve[0], java.util.Arrays.toString(curve));
    assertTrue(
        model.finalLoss() < 0.5f * model.initialLoss(),
        "initial " + model.initialLoss() + " final " + model.finalLoss());
    double accuracy = model.accuracy(full);
    System.out.printf(
        "%s: initial loss %.4f, curve %s, accuracy %.4f%n",
        config.kind(), model.initialLoss(), java.util.Arrays.toString(curve), accuracy);
    assertTrue(accuracy > 0.85, "accuracy " + accuracy);
  }

  private static int[] bits(float[] values) {
    int[] out = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Float.floatToIntBits(values[i]);
    }
    return out;
  }

  @Test
  void aModelTooLargeForMemoryIsRefusedBeforeItsWeightsAreAllocated() {
    // A hashed cross of 2e9 buckets: the linear weights alone would be 8 GB.
    TrainingData crossed =
        TrainingData.builder(new float[] {0, 1, 2, 3}, 1, new float[] {0, 1, 0, 1})
            .addIdColumn(new long[] {0, 5, 1_999_999_999L, 7}, 2_000_000_000)
            .build();
    ModelConfig linear = ModelConfig.builder().epochs(1).build();
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> new Trainer(linear).train(crossed));
    assertTrue(e.getMessage().contains("[2000000000]"), e.getMessage());
    assertTrue(e.getMessage().contains("num_buckets"), e.getMessage());

    // Each size within its bound, the product not: 2^24 ids embedded in 4,096 dimensions.
    TrainingData wide =
        TrainingData.builder(new float[] {0, 1}, 1, new float[] {0, 1})
            .addIdColumn(new long[] {0, 1}, 1 << 24)
            .build();
    ModelConfig deep = ModelConfig.builder().epochs(1).dnn(8).embeddingDim(4096).build();
    e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> new Trainer(deep).train(wide));
    assertTrue(e.getMessage().contains("embeddingDim 4096"), e.getMessage());
  }
}
