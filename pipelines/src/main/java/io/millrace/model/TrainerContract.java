package io.millrace.model;

import io.millrace.train.ModelConfig;
import io.millrace.train.ModelExport;
import io.millrace.train.TrainedModel;
import io.millrace.train.TransformedData;
import io.millrace.transform.FittedTransform;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The only places where this package depends on what the trainer is still gaining (a task per
 * layout, class names, an export for every kind and task). Each method says what it becomes once
 * {@code io.millrace.train.Task} and {@code Layout.task()/numClasses()/classNames()} exist.
 */
public final class TrainerContract {
  /** Output key of BINARY (float32 [batch]) and MULTICLASS (float32 [batch, K]) models. */
  public static final String PROBABILITIES = "probabilities";

  /** Output key of REGRESSION models (float32 [batch]). */
  public static final String PREDICTIONS = "predictions";

  /** The signature fed transformed features (dense features and id columns by output name). */
  public static final String TRANSFORMED_SIGNATURE = ModelExport.TRANSFORMED_SIGNATURE;

  private TrainerContract() {}

  /** Becomes {@code ModelTask.valueOf(layout.task().name())}. */
  public static ModelTask task(TransformedData.Layout layout) {
    return ModelTask.valueOf(layout.task().name());
  }

  /** Becomes {@code layout.classNames()} (empty unless MULTICLASS). */
  public static List<String> classNames(TransformedData.Layout layout) {
    return layout.classNames();
  }

  /** Becomes {@code ModelExport.export(fitted, layout, model, dir)}. */
  public static void export(
      FittedTransform fitted,
      TransformedData.Layout layout,
      ModelConfig config,
      TrainedModel model,
      Path dir)
      throws IOException {
    ModelExport.export(fitted, layout, model, dir);
  }
}
