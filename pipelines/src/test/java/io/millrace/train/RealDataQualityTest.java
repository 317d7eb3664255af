package io.millrace.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.evaluate.BinaryMetrics;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Models trained on real data sets reach a useful quality on a held-out hash split. */
class RealDataQualityTest {

  @Test
  void taxiBigTipperWideAndDeepReachesAuc090() {
    SplitDataset taxi = SplitDataset.taxi();
    assertEquals(Task.BINARY, taxi.layout().task());
    ModelConfig config =
        ModelConfig.builder()
            .wideAndDeep(64, 32)
            .embeddingDim(8)
            .dropoutRate(0.1f)
            .epochs(4)
            .learningRate(0.003f)
            .batchSize(128)
            .build();
    // Fixed epochs, no early stopping: the eval split only measures.
    TrainedModel model = new Trainer(config).train(taxi.train());
    float[] p = model.predict(taxi.eval());
    BinaryMetrics metrics = new BinaryMetrics();
    for (int r = 0; r < p.length; r++) {
      metrics.add((int) taxi.eval().label(r), p[r]);
    }
    System.out.printf(
        "taxi big_tipper %s: %d train / %d eval rows, eval AUC %.4f, accuracy %.4f, %.0f"
            + " examples/s%n",
        config.kind(),
        taxi.train().numRows(),
        taxi.eval().numRows(),
        metrics.auc(),
        metrics.accuracy(),
        model.examplesPerSecond());
    assertTrue(metrics.auc() >= 0.90, "AUC " + metrics.auc());
  }

  @Test
  void penguinsSpeciesMulticlassReachesAccuracy095() {
    SplitDataset penguins = SplitDataset.penguins();
    TransformedData.Layout layout = penguins.layout();
    assertEquals(Task.MULTICLASS, layout.task());
    assertEquals(3, layout.numClasses());
    assertEquals(List.of("Adelie", "Gentoo", "Chinstrap"), layout.classNames());
    ModelConfig config =
        ModelConfig.builder().dnn(16).epochs(30).batchSize(16).learningRate(0.01f).build();
    TrainedModel model = new Trainer(config).train(penguins.train());
    double accuracy = model.accuracy(penguins.eval());
    System.out.printf(
        "penguins species %s: %d train / %d eval rows (%d skipped), eval accuracy %.4f%n",
        config.kind(),
        penguins.train().numRows(),
        penguins.eval().numRows(),
        penguins.eval().skippedRows(),
        accuracy);
    assertTrue(accuracy >= 0.95, "accuracy " + accuracy);
  }

  @Test
  void diamondsPriceRegressionBeatsTheMean() {
    SplitDataset diamonds = SplitDataset.diamonds();
    assertEquals(Task.REGRESSION, diamonds.layout().task());
    TrainingData train = diamonds.train();
    TrainingData eval = diamonds.eval();
    ModelConfig config =
        ModelConfig.builder().dnn(32, 16).epochs(3).batchSize(256).learningRate(0.005f).build();
    TrainedModel model = new Trainer(config).train(train);
    double mse = TrainerTasksTest.meanSquaredError(model.predict(eval), eval);
    double mean = 0;
    for (int r = 0; r < train.numRows(); r++) {
      mean += train.label(r);
    }
    mean /= train.numRows();
    float[] baseline = new float[eval.numRows()];
    Arrays.fill(baseline, (float) mean);
    double baselineMse = TrainerTasksTest.meanSquaredError(baseline, eval);
    System.out.printf(
        "diamonds price z-score %s: %d train / %d eval rows, eval MSE %.4f, train-mean baseline"
            + " %.4f%n",
        config.kind(), train.numRows(), eval.numRows(), mse, baselineMse);
    assertTrue(mse < 0.1 * baselineMse, "MSE " + mse + " vs mean baseline " + baselineMse);
  }
}
