package io.millrace.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tasks, WIDE_AND_DEEP, step limits and early stopping of the {@link Trainer}. */
class TrainerTasksTest {
  private static final TrainingData BINARY = SyntheticData.generate(1500, 6, 12, 11L);
  private static final TrainingData BINARY_EVAL = SyntheticData.generate(500, 6, 12, 11L);
  private static final TrainingData MULTICLASS = SyntheticData.multiclass(1500, 6, 12, 4, 21L);
  private static final TrainingData REGRESSION = SyntheticData.regression(1500, 6, 12, 31L);

  /** Tiny, heavily mislabelled data: a big network overfits it, so its eval loss rises. */
  private static final TrainingData NOISY = SyntheticData.binary(120, 6, 12, 41L, 0.3);

  private static final TrainingData NOISY_EVAL = SyntheticData.binary(600, 6, 12, 41L, 0.3);

  private static ModelConfig.Builder wideAndDeep() {
    return ModelConfig.builder()
        .wideAndDeep(32, 16)
        .embeddingDim(4)
        .dropoutRate(0.2f)
        .batchSize(128)
        .seed(1234L);
  }

  @Test
  void wideAndDeepWithDropoutAndEarlyStoppingIsBitDeterministic() {
    ModelConfig config =
        wideAndDeep().epochs(40).learningRate(0.02f).earlyStoppingPatience(2).build();
    TrainedModel a = new Trainer(config).train(NOISY, NOISY_EVAL);
    TrainedModel b = new Trainer(config).train(NOISY, NOISY_EVAL);
    assertIdentical(a, b);
    System.out.printf(
        "wide and deep with dropout: best epoch %d, eval curve %s%n",
        a.bestEpoch(), Arrays.toString(a.evalLossCurve()));
    assertTrue(a.stoppedEarly());
    assertTrue(a.weightNames().containsAll(List.of("wide/w", "wide/ids0", "embedding0")));
    TrainedModel c = new Trainer(config.toBuilder().seed(99L).build()).train(NOISY, NOISY_EVAL);
    assertTrue(
        a.weightNames().stream().anyMatch(n -> !Arrays.equals(a.weight(n), c.weight(n))),
        "another seed must change the weights");
  }

  @Test
  void multiclassIsBitDeterministicAndLearns() {
    ModelConfig config =
        ModelConfig.builder().dnn(32, 16).embeddingDim(4).epochs(8).batchSize(128).build();
    TrainedModel a = new Trainer(config).train(MULTICLASS);
    TrainedModel b = new Trainer(config).train(MULTICLASS);
    assertIdentical(a, b);
    assertEquals(4, a.outputWidth());
    assertArrayEquals(new long[] {16, 4}, a.shape("logits/w"));
    float[] p = a.predict(MULTICLASS);
    assertEquals(MULTICLASS.numRows() * 4, p.length);
    assertEquals(1.0, p[0] + p[1] + p[2] + p[3], 1e-6);
    double accuracy = a.accuracy(MULTICLASS);
    System.out.printf(
        "synthetic 4 classes: train accuracy %.4f, curve %s%n",
        accuracy, Arrays.toString(a.lossCurve()));
    assertTrue(accuracy > 0.8, "accuracy " + accuracy);
    assertTrue(a.finalLoss() < 0.5f * a.initialLoss());
  }

  @Test
  void earlyStoppingStopsAndReturnsTheBestEpochsWeights() {
    ModelConfig config =
        ModelConfig.builder()
            .dnn(128, 128)
            .epochs(60)
            .batchSize(16)
            .learningRate(0.002f)
            .earlyStoppingPatience(3)
            .build();
    TrainedModel model = new Trainer(config).train(NOISY, NOISY_EVAL);
    float[] eval = model.evalLossCurve();
    System.out.printf(
        "early stopping: best epoch %d of %d, eval curve %s%n",
        model.bestEpoch(), eval.length, Arrays.toString(eval));
    assertTrue(model.stoppedEarly());
    assertTrue(model.bestEpoch() > 0, "the eval loss must first fall");
    assertTrue(eval.length < config.epochs());
    assertEquals(eval.length, model.lossCurve().length);
    assertEquals(model.bestEpoch() + 3 + 1, eval.length, "stops after `patience` worse epochs");
    int argmin = 0;
    for (int e = 1; e < eval.length; e++) {
      argmin = eval[e] < eval[argmin] ? e : argmin;
    }
    assertEquals(argmin, model.bestEpoch());
    double recomputed = logLoss(model.predict(NOISY_EVAL), NOISY_EVAL);
    assertEquals(eval[model.bestEpoch()], recomputed, 1e-5, "the returned weights' eval loss");
    assertTrue(
        eval[eval.length - 1] - recomputed > 1e-3, "the last epoch's weights were not returned");
    assertEquals(model.steps(), model.stepLosses().length);
    assertEquals(eval.length * (long) Math.ceil(120 / 16.0), model.steps());
  }

  @Test
  void withoutEarlyStoppingTheLastEpochIsReturnedAndEvalIsStillTracked() {
    ModelConfig config = ModelConfig.builder().epochs(4).batchSize(128).build();
    TrainedModel model = new Trainer(config).train(BINARY, BINARY_EVAL);
    assertEquals(4, model.evalLossCurve().length);
    assertEquals(3, model.bestEpoch());
    assertTrue(!model.stoppedEarly());
    assertEquals(model.evalLossCurve()[3], logLoss(model.predict(BINARY_EVAL), BINARY_EVAL), 1e-5);
    assertEquals(0, new Trainer(config).train(BINARY).evalLossCurve().length);
    assertThrows(
        IllegalArgumentException.class,
        () -> new Trainer(config.toBuilder().earlyStoppingPatience(1).build()).train(BINARY));
  }

  @Test
  void maxStepsStopsAfterThatManyStepsAcrossEpochs() {
    ModelConfig config = ModelConfig.builder().batchSize(128).epochs(1).maxSteps(30).build();
    TrainedModel model = new Trainer(config).train(BINARY);
    // 1500 rows / 128 = 12 steps per epoch: 12 + 12 + 6.
    assertEquals(30, model.steps());
    assertEquals(30, model.stepLosses().length);
    assertEquals(3, model.lossCurve().length);
    float[] steps = model.stepLosses();
    double lastEpoch = 0;
    for (int s = 24; s < 30; s++) {
      lastEpoch += steps[s];
    }
    assertEquals(lastEpoch / 6, model.lossCurve()[2], 1e-6, "a partial epoch's mean");
  }

  @Test
  void javaForwardPassMatchesGraphLossForEveryKindAndTask() {
    // SGD with a negligible learning rate leaves the initial weights in place, so the graph's
    // initial loss must equal the loss of the plain-Java forward pass over the returned weights.
    for (TrainingData data : List.of(BINARY, MULTICLASS, REGRESSION)) {
      for (ModelConfig.Builder b :
          List.of(
              ModelConfig.builder(),
              ModelConfig.builder().dnn(16, 8),
              ModelConfig.builder().wideAndDeep(16, 8))) {
        ModelConfig config =
            b.optimizer(ModelConfig.Optimizer.SGD).learningRate(1e-30f).epochs(1).build();
        TrainedModel model = new Trainer(config).train(data);
        double loss =
            data.task() == Task.REGRESSION
                ? meanSquaredError(model.predict(data), data)
                : logLoss(model.predict(data), data);
        assertEquals(
            model.initialLoss(), loss, 1e-4 * Math.max(1, loss), data.task() + " " + config.kind());
      }
    }
  }

  @Test
  void regressionAndWideAndDeepLearn() {
    ModelConfig config = ModelConfig.builder().wideAndDeep(32, 16).epochs(10).batchSize(64).build();
    TrainedModel model = new Trainer(config).train(REGRESSION);
    double mse = meanSquaredError(model.predict(REGRESSION), REGRESSION);
    double mean = 0;
    for (int r = 0; r < REGRESSION.numRows(); r++) {
      mean += REGRESSION.label(r) / REGRESSION.numRows();
    }
    double variance = 0;
    for (int r = 0; r < REGRESSION.numRows(); r++) {
      variance += Math.pow(REGRESSION.label(r) - mean, 2) / REGRESSION.numRows();
    }
    System.out.printf("synthetic regression: MSE %.4f, variance %.4f%n", mse, variance);
    assertTrue(mse < 0.1 * variance, "MSE " + mse + " vs variance " + variance);
  }

  @Test
  void mismatchedDataIsRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new Trainer(ModelConfig.builder().build()).train(BINARY, MULTICLASS));
    TrainedModel model = new Trainer(ModelConfig.builder().epochs(1).build()).train(BINARY);
    assertThrows(IllegalArgumentException.class, () -> model.predict(MULTICLASS));
    TrainingData otherVocabulary = SyntheticData.generate(100, 6, 13, 1L);
    assertThrows(IllegalArgumentException.class, () -> model.predict(otherVocabulary));
    TrainingData otherFeatures = SyntheticData.generate(100, 5, 12, 1L);
    assertThrows(IllegalArgumentException.class, () -> model.predict(otherFeatures));
    assertEquals(100, model.predict(SyntheticData.generate(100, 6, 12, 1L)).length);
  }

  /** Mean cross-entropy of BINARY or MULTICLASS predictions. */
  static double logLoss(float[] p, TrainingData data) {
    double sum = 0;
    int width = data.outputWidth();
    for (int r = 0; r < data.numRows(); r++) {
      if (data.task() == Task.BINARY) {
        sum -= data.label(r) > 0.5f ? Math.log(p[r]) : Math.log1p(-p[r]);
      } else {
        sum -= Math.log(p[r * width + (int) data.label(r)]);
      }
    }
    return sum / data.numRows();
  }

  static double meanSquaredError(float[] predictions, TrainingData data) {
    double sum = 0;
    for (int r = 0; r < data.numRows(); r++) {
      double e = predictions[r] - data.label(r);
      sum += e * e;
    }
    return sum / data.numRows();
  }

  private static void assertIdentical(TrainedModel a, TrainedModel b) {
    assertEquals(a.weightNames(), b.weightNames());
    for (String name : a.weightNames()) {
      assertTrue(Arrays.equals(a.weight(name), b.weight(name)), name);
    }
    assertTrue(Arrays.equals(a.lossCurve(), b.lossCurve()), "loss curves");
    assertTrue(Arrays.equals(a.evalLossCurve(), b.evalLossCurve()), "eval loss curves");
    assertTrue(Arrays.equals(a.stepLosses(), b.stepLosses()), "step losses");
    assertEquals(a.bestEpoch(), b.bestEpoch());
    assertEquals(a.stoppedEarly(), b.stoppedEarly());
  }
}
