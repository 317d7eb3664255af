package io.millrace.model;

import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.train.Task;
import io.millrace.transform.FeatureTransformer;
import java.util.List;

/**
 * The label a model is evaluated against, read from a record as training read it: the output of the
 * label's transform step, when the record gives that step its inputs and the value is a valid label
 * for the task.
 */
final class LabelReader {
  private final Task task;
  private final FeatureTransformer transformer;
  private final int labelIndex;
  private final List<String> labelInputs;
  private final int numClasses;

  LabelReader(ModelArtifact artifact, FeatureTransformer transformer) {
    this.task = artifact.task();
    this.transformer = transformer;
    this.labelIndex = transformer.outputSchema().requireIndex(artifact.info().label());
    this.labelInputs = transformer.fitted().fitted().get(labelIndex).inputs();
    List<String> classNames = artifact.info().classNames();
    this.numClasses = classNames == null ? 0 : classNames.size();
  }

  /**
   * The record's label, or NaN when it has none usable.
   *
   * @param transformedOrNull the record already transformed, or null to transform it here
   */
  double of(Example raw, Example transformedOrNull) {
    ExampleSchema schema = raw.schema();
    for (String input : labelInputs) {
      int index = schema.indexOf(input);
      if (index < 0 || raw.valueCount(index) == 0) {
        return Double.NaN;
      }
    }
    Example transformed = transformedOrNull != null ? transformedOrNull : transformer.apply(raw);
    Object v = transformed.rawValues(labelIndex);
    double y;
    if (v instanceof long[] l && l.length > 0) {
      y = l[0];
    } else if (v instanceof double[] d && d.length > 0) {
      y = d[0];
    } else {
      return Double.NaN;
    }
    return switch (task) {
      case BINARY -> y == 0 || y == 1 ? y : Double.NaN;
      case MULTICLASS -> y >= 0 && y < numClasses && y == Math.rint(y) ? y : Double.NaN;
      case REGRESSION -> Double.isFinite(y) ? y : Double.NaN;
    };
  }
}
