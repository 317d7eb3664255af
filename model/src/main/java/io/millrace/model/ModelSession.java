package io.millrace.model;

import io.millrace.model.LoadedModel.Predictions;
import io.millrace.train.ModelExport;
import io.millrace.train.Task;
import io.millrace.transform.tf.TransformGraph;
import java.io.IOException;
import java.util.Map;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * A model artifact's SavedModel in a TensorFlow session of its own, and the calls of its two
 * signatures: {@value ModelExport#TRANSFORMED_SIGNATURE} (transformed features) and {@value
 * TransformGraph#SIGNATURE} (raw features, the transform inside the graph). Each call's output is
 * checked against the task: one value per record, K for MULTICLASS.
 */
final class ModelSession implements AutoCloseable {
  private final ModelArtifact artifact;
  private final SavedModelBundle bundle;
  private final SessionFunction transformed;
  private final SessionFunction raw;
  private final String outputKey;
  private final int numClasses;

  /**
   * Loads the SavedModel; its session gets its own thread pools of these sizes ({@code
   * use_per_session_threads}), so models loaded side by side do not share or oversubscribe a
   * process-wide pool.
   */
  ModelSession(ModelArtifact artifact, int intraOpThreads, int interOpThreads) throws IOException {
    this.artifact = artifact;
    this.outputKey = ModelExport.outputKey(artifact.task());
    this.numClasses =
        artifact.info().classNames() == null ? 0 : artifact.info().classNames().size();
    ConfigProto config =
        ConfigProto.newBuilder()
            .setIntraOpParallelismThreads(intraOpThreads)
            .setInterOpParallelismThreads(interOpThreads)
            .setUsePerSessionThreads(true)
            .build();
    this.bundle =
        SavedModelBundle.loader(artifact.savedModel().toString())
            .withTags(TransformGraph.TAG)
            .withConfigProto(config)
            .load();
    try {
      this.transformed = bundle.function(ModelExport.TRANSFORMED_SIGNATURE);
      this.raw = bundle.function(TransformGraph.SIGNATURE);
    } catch (RuntimeException e) {
      bundle.close();
      throw new IOException(
          artifact.savedModel()
              + ": expected signatures '"
              + ModelExport.TRANSFORMED_SIGNATURE
              + "' and '"
              + TransformGraph.SIGNATURE
              + "': "
              + e.getMessage(),
          e);
    }
  }

  /** The predictions for {@code rows} records fed as transformed features. */
  Predictions runTransformed(Map<String, Tensor> feeds, int rows) {
    return call(transformed, feeds, rows);
  }

  /** The predictions for {@code rows} records fed as raw features. */
  Predictions runRaw(Map<String, Tensor> feeds, int rows) {
    return call(raw, feeds, rows);
  }

  /** The predictions of no records. */
  Predictions none() {
    return new Predictions(new float[0], width(0));
  }

  private int width(int observed) {
    return artifact.task() == Task.MULTICLASS ? Math.max(observed, numClasses) : 1;
  }

  private Predictions call(SessionFunction function, Map<String, Tensor> feeds, int rows) {
    try (Result result = function.call(feeds)) {
      Tensor out =
          result
              .get(outputKey)
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          artifact.savedModel()
                              + ": signature '"
                              + function.signature().key()
                              + "' has no output '"
                              + outputKey
                              + "'"));
      if (!(out instanceof TFloat32 values)) {
        throw new IllegalStateException(
            artifact.savedModel()
                + ": output '"
                + outputKey
                + "' is "
                + out.dataType()
                + ", not float32");
      }
      long size = values.shape().size();
      int width = rows == 0 ? width(0) : (int) (size / rows);
      if ((long) width * rows != size || (artifact.task() != Task.MULTICLASS && width != 1)) {
        throw new IllegalStateException(
            artifact.savedModel()
                + ": output '"
                + outputKey
                + "' has shape "
                + values.shape()
                + " for "
                + rows
                + " records");
      }
      float[] buffer = new float[(int) size];
      values.copyTo(DataBuffers.of(buffer, false, false));
      return new Predictions(buffer, width);
    }
  }

  @Override
  public void close() {
    bundle.close();
  }
}
