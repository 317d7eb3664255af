package io.millrace.tune;

import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.StoragePaths;
import io.millrace.model.ModelArtifact;
import io.millrace.train.ModelConfig;
import io.millrace.train.TrainedModel;
import io.millrace.train.Trainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PCollection;

/**
 * Trains one model per {@link Trial}, each in its own DoFn call, so trials run in parallel: on the
 * DirectRunner one per core, on Flink spread over the task slots (a reshuffle first breaks the
 * fusion with the trials' source). Each trial writes its model artifact to {@code
 * <modelsDirectory>/<trial id>} and emits its {@link TrialResult}.
 *
 * <p>TensorFlow's thread pools are per session and sized by {@link #withThreadsPerTrial} (default
 * 1): trials are the parallelism, so each trial's own ops should not compete with the others for
 * cores. Training is deterministic, so a retried trial writes the same model again.
 *
 * <pre>{@code
 * PCollection<TrialResult> results =
 *     pipeline.apply(Create.of(space.trials(base)).withCoder(SerializableCoder.of(Trial.class)))
 *         .apply(TrainTrials.on(inputs, modelsDirectory));
 * }</pre>
 */
public final class TrainTrials extends PTransform<PCollection<Trial>, PCollection<TrialResult>> {
  private static final long serialVersionUID = 1L;
  private final TrainingInputs inputs;
  private final String modelsDirectory;
  private final String modelName;
  private final String objective;
  private final int threadsPerTrial;

  private TrainTrials(
      TrainingInputs inputs,
      String modelsDirectory,
      String modelName,
      String objective,
      int threadsPerTrial) {
    this.inputs = inputs;
    this.modelsDirectory = modelsDirectory;
    this.modelName = modelName;
    this.objective = objective;
    this.threadsPerTrial = threadsPerTrial;
  }

  public static TrainTrials on(TrainingInputs inputs, Path modelsDirectory) {
    return new TrainTrials(inputs, modelsDirectory.toString(), "model", null, 1);
  }

  /** The name written into each model artifact. */
  public TrainTrials withModelName(String name) {
    return new TrainTrials(inputs, modelsDirectory, name, objective, threadsPerTrial);
  }

  /** The metric reported as each trial's objective (default: by task, see {@link Objective}). */
  public TrainTrials withObjective(String metric) {
    return new TrainTrials(inputs, modelsDirectory, modelName, metric, threadsPerTrial);
  }

  /** TensorFlow intra-op threads per trial (0 = TensorFlow's default, all cores). */
  public TrainTrials withThreadsPerTrial(int threads) {
    if (threads < 0) {
      throw new IllegalArgumentException("threads must be >= 0");
    }
    return new TrainTrials(inputs, modelsDirectory, modelName, objective, threads);
  }

  @Override
  public PCollection<TrialResult> expand(PCollection<Trial> trials) {
    return trials
        .apply("Spread", Reshuffle.viaRandomKey())
        .apply("Train", ParDo.of(new TrainFn(this)))
        .setCoder(SerializableCoder.of(TrialResult.class));
  }

  /** Trains one trial on this worker's shared copy of the data. */
  TrialResult train(Trial trial) throws IOException {
    TrainingInputs.Loaded data = inputs.load();
    ModelConfig config =
        trial.config().toBuilder().intraOpThreads(threadsPerTrial).interOpThreads(1).build();
    TrainedModel model = new Trainer(config).train(data.train(), data.eval());
    Map<String, Double> metrics =
        TrialMetrics.of(model, data.eval() != null ? data.eval() : data.train());
    Objective ranking = Objective.of(objective, data.layout().task());
    Double value = metrics.get(ranking.metric());
    if (value == null) {
      throw new IllegalArgumentException(
          "objective '" + ranking.metric() + "' is not a trial metric; have " + metrics.keySet());
    }
    Path dir = StoragePaths.of(modelsDirectory).resolve(trial.id());
    // A retried trial trains the same weights again; what an earlier attempt left is replaced.
    ArtifactDirectory.deleteRecursively(dir);
    ModelArtifact.write(
        dir, modelName, data.fitted(), data.layout(), config, model, lineage(inputs, data, trial));
    return new TrialResult(
        trial.id(),
        trial.parameters(),
        config,
        metrics,
        ranking.metric(),
        value,
        model.bestEpoch(),
        model.stoppedEarly(),
        model.steps(),
        model.trainNanos() / 1e9,
        model.examplesPerSecond(),
        dir.toString());
  }

  private static Map<String, String> lineage(
      TrainingInputs inputs, TrainingInputs.Loaded data, Trial trial) {
    LinkedHashMap<String, String> lineage = new LinkedHashMap<>();
    lineage.put("examples", inputs.examplesDirectory());
    if (data.inputFingerprint() != null) {
      lineage.put("input_fingerprint", data.inputFingerprint());
    }
    lineage.put("transform_fingerprint", data.fitted().fingerprint());
    lineage.put("trial", trial.id());
    lineage.put("trial_parameters", trial.parameters());
    return lineage;
  }

  private static final class TrainFn extends DoFn<Trial, TrialResult> {
    private static final long serialVersionUID = 1L;
    private final TrainTrials spec;

    TrainFn(TrainTrials spec) {
      this.spec = spec;
    }

    @ProcessElement
    public void process(@Element Trial trial, OutputReceiver<TrialResult> out) throws IOException {
      out.output(spec.train(trial));
    }
  }
}
