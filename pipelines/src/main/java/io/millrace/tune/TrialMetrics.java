package io.millrace.tune;

import io.millrace.evaluate.BinaryMetrics;
import io.millrace.evaluate.MetricsAccumulator;
import io.millrace.evaluate.MulticlassMetrics;
import io.millrace.evaluate.RegressionMetrics;
import io.millrace.train.TrainedModel;
import io.millrace.train.TrainingData;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A trial's metrics, from the runner-free forward pass over in-memory data: the evaluator's metrics
 * for the task plus the training and evaluation losses.
 */
public final class TrialMetrics {
  private TrialMetrics() {}

  public static Map<String, Double> of(TrainedModel model, TrainingData data) {
    float[] predictions = model.predict(data);
    int width = model.outputWidth();
    MetricsAccumulator<?> metrics =
        switch (data.task()) {
          case BINARY -> {
            BinaryMetrics m = new BinaryMetrics();
            for (int r = 0; r < data.numRows(); r++) {
              m.add(Math.round(data.label(r)), predictions[r]);
            }
            yield m;
          }
          case MULTICLASS -> {
            MulticlassMetrics m = new MulticlassMetrics();
            double[] p = new double[width];
            for (int r = 0; r < data.numRows(); r++) {
              for (int k = 0; k < width; k++) {
                p[k] = predictions[r * width + k];
              }
              m.add(Math.round(data.label(r)), p);
            }
            yield m;
          }
          case REGRESSION -> {
            RegressionMetrics m = new RegressionMetrics();
            for (int r = 0; r < data.numRows(); r++) {
              m.add(data.label(r), predictions[r]);
            }
            yield m;
          }
        };
    Map<String, Double> out = new LinkedHashMap<>(metrics.result());
    out.put("train_loss", (double) model.lossCurve()[model.bestEpoch()]);
    float[] evalLoss = model.evalLossCurve();
    if (evalLoss.length > 0) {
      out.put("eval_loss", (double) evalLoss[model.bestEpoch()]);
    }
    return out;
  }
}
