package io.millrace.tune;

import io.millrace.artifact.StoragePaths;
import io.millrace.examples.ExamplesManifest;
import io.millrace.record.Example;
import io.millrace.train.Task;
import io.millrace.train.TrainingData;
import io.millrace.train.TransformedData;
import io.millrace.transform.FittedTransform;
import io.millrace.transforms.io.ExamplesArtifact;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a trainer finds its data: a transform artifact and the examples artifact it materialized
 * ({@code millrace transform} writes both), the label output, and the splits to train on and to
 * evaluate (early stopping, trial metrics) on. Paths are strings so the value is serializable into
 * a Beam DoFn.
 *
 * @param task null to infer it from the label output (see {@link TransformedData#layout})
 */
public record TrainingInputs(
    String transformDirectory,
    String examplesDirectory,
    String label,
    Task task,
    String trainSplit,
    String evalSplit)
    implements Serializable {

  public TrainingInputs {
    Objects.requireNonNull(transformDirectory, "transformDirectory");
    Objects.requireNonNull(examplesDirectory, "examplesDirectory");
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(trainSplit, "trainSplit");
  }

  /** The layout of {@code millrace transform --output DIR}: DIR/transform and DIR/examples. */
  public static TrainingInputs ofTransformOutput(Path dir, String label) {
    return new TrainingInputs(
        dir.resolve("transform").toString(),
        dir.resolve("examples").toString(),
        label,
        null,
        "train",
        "eval");
  }

  public TrainingInputs withTask(Task task) {
    return new TrainingInputs(
        transformDirectory, examplesDirectory, label, task, trainSplit, evalSplit);
  }

  public TrainingInputs withSplits(String train, String eval) {
    return new TrainingInputs(transformDirectory, examplesDirectory, label, task, train, eval);
  }

  /** The data in memory: what every trial on one worker shares. */
  public record Loaded(
      FittedTransform fitted,
      TransformedData.Layout layout,
      TrainingData train,
      TrainingData eval,
      String inputFingerprint) {}

  private static final Map<TrainingInputs, Loaded> LOADED = new ConcurrentHashMap<>();

  /** Loads the data once per JVM: trials on one worker share it, read-only. */
  public Loaded load() {
    return LOADED.computeIfAbsent(this, TrainingInputs::read);
  }

  /** How the transform's outputs feed the model, read from the transform alone (no examples). */
  public TransformedData.Layout layout() throws IOException {
    return layout(FittedTransform.read(StoragePaths.of(transformDirectory)));
  }

  private TransformedData.Layout layout(FittedTransform fitted) {
    return task == null
        ? TransformedData.layout(fitted, label)
        : TransformedData.layout(fitted, label, task);
  }

  private Loaded read() {
    try {
      FittedTransform fitted = FittedTransform.read(StoragePaths.of(transformDirectory));
      TransformedData.Layout layout = layout(fitted);
      ExamplesArtifact examples = ExamplesArtifact.open(StoragePaths.of(examplesDirectory));
      TrainingData train = TransformedData.of(layout, examples(examples, trainSplit));
      TrainingData eval =
          evalSplit == null
                  || examples.manifest().splits().stream()
                      .noneMatch(s -> s.name().equals(evalSplit))
              ? null
              : TransformedData.of(layout, examples(examples, evalSplit));
      ExamplesManifest.Input input = examples.manifest().input();
      return new Loaded(fitted, layout, train, eval, input == null ? null : input.fingerprint());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Example> examples(ExamplesArtifact artifact, String split)
      throws IOException {
    List<Example> out = new ArrayList<>();
    artifact.forEach(split, out::add);
    if (out.isEmpty()) {
      throw new IOException(artifact.directory() + ": split '" + split + "' has no examples");
    }
    return out;
  }
}
