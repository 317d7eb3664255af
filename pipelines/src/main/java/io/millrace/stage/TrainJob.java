package io.millrace.stage;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.ArtifactKind;
import io.millrace.artifact.StoragePaths;
import io.millrace.model.ModelArtifact;
import io.millrace.train.ModelConfig;
import io.millrace.train.Task;
import io.millrace.transforms.io.ResultFiles;
import io.millrace.transforms.io.Storage;
import io.millrace.tune.ModelConfigJson;
import io.millrace.tune.Objective;
import io.millrace.tune.SearchSpace;
import io.millrace.tune.TrainTrials;
import io.millrace.tune.TrainingInputs;
import io.millrace.tune.Trial;
import io.millrace.tune.TrialResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Create;

/**
 * The trainer stage as a job: every trial of a search (one trial without a tuner) trained in
 * parallel by {@link TrainTrials}, the best by the objective chosen as the candidate, all committed
 * as one artifact:
 *
 * <pre>
 * DIR/model/            the candidate: a model artifact (SavedModel, transform, model.json)
 *    trials.json        every trial: parameters, metrics, objective value, training figures
 *    trials/trial-NNN/  every trial's model artifact
 * </pre>
 */
public final class TrainJob {
  public static final String MODEL = "model";
  public static final String TRIALS = "trials";
  public static final String TRIALS_JSON = "trials.json";

  /** What {@code --overwrite} of a training output may replace: a candidate and its trials. */
  public static final ArtifactKind KIND =
      new ArtifactKind(
          "a training output (model/ and trials.json)",
          dir ->
              Files.isRegularFile(dir.resolve(TRIALS_JSON))
                  && ModelArtifact.KIND.isKindOf(dir.resolve(MODEL)));

  private TrainJob() {}

  /** The committed output: the chosen trial, every trial, and where the candidate model is. */
  public record Result(
      TrialResult best, List<TrialResult> trials, Path model, Objective objective) {}

  public static Result run(
      TrainingInputs inputs,
      ModelConfig base,
      SearchSpace search,
      String modelName,
      Path output,
      boolean overwrite,
      PipelineOptions options,
      PrintWriter progress)
      throws IOException {
    List<Trial> trials = search.trials(base);
    ArtifactDirectory artifact = ArtifactDirectory.begin(output, overwrite, KIND);
    try {
      Path staging = artifact.staging();
      Path trialsDir = staging.resolve(TRIALS);
      Path resultsDir = staging.resolve(".results");
      Files.createDirectories(trialsDir);
      Files.createDirectories(resultsDir);
      progress.printf(
          "Training %d trial%s of %s%n", trials.size(), trials.size() == 1 ? "" : "s", modelName);
      progress.flush();
      Pipeline pipeline = Storage.newPipeline(options);
      pipeline
          .apply("Trials", Create.of(trials).withCoder(SerializableCoder.of(Trial.class)))
          .apply(
              "TrainTrials",
              TrainTrials.on(inputs, trialsDir)
                  .withModelName(modelName)
                  .withObjective(search.objective())
                  .withThreadsPerTrial(threadsPerTrial(trials.size())))
          .apply(
              "RecordResults",
              ResultFiles.writeTo(resultsDir, ".json", TrialResult::id, TrainJob::json));
      PipelineResult.State state = pipeline.run().waitUntilFinish();
      if (state != PipelineResult.State.DONE) {
        throw new IOException("the training job ended " + state);
      }
      List<TrialResult> results = readResults(resultsDir);
      if (results.size() != trials.size()) {
        throw new IOException(
            "expected " + trials.size() + " trial results, found " + results.size());
      }
      // The launcher needs the task only: the examples are loaded by the workers that train.
      Task task = inputs.layout().task();
      Objective objective = Objective.of(search.objective(), task);
      TrialResult best = objective.best(results).orElseThrow();
      for (TrialResult r : results) {
        progress.printf(
            "  %s  %s %.5f  %s%s%n",
            r.id(),
            r.objective(),
            r.objectiveValue(),
            r.parameters(),
            r == best ? "  <- best" : "");
      }
      progress.flush();
      ArtifactDirectory.copyRecursively(
          StoragePaths.of(best.modelDirectory()), staging.resolve(MODEL));
      ArtifactDirectory.writeAtomically(
          staging.resolve(TRIALS_JSON), trialsJson(results, best, objective));
      ArtifactDirectory.deleteRecursively(resultsDir);
      artifact.commit();
      List<TrialResult> committed = new ArrayList<>();
      for (TrialResult r : results) {
        committed.add(relocate(r, staging, output));
      }
      return new Result(
          relocate(best, staging, output), committed, output.resolve(MODEL), objective);
    } catch (IOException | RuntimeException e) {
      artifact.abandon();
      throw e;
    }
  }

  /** The cores shared by the trials that can run at once, so they do not oversubscribe them. */
  static int threadsPerTrial(int trials) {
    int cores = Runtime.getRuntime().availableProcessors();
    return Math.max(1, cores / Math.max(1, Math.min(trials, cores)));
  }

  private static TrialResult relocate(TrialResult r, Path staging, Path output) {
    Path relative = staging.relativize(StoragePaths.of(r.modelDirectory()));
    return new TrialResult(
        r.id(),
        r.parameters(),
        r.config(),
        r.metrics(),
        r.objective(),
        r.objectiveValue(),
        r.bestEpoch(),
        r.stoppedEarly(),
        r.steps(),
        r.trainSeconds(),
        r.examplesPerSecond(),
        output.resolve(relative).toString());
  }

  private static byte[] trialsJson(List<TrialResult> results, TrialResult best, Objective objective)
      throws IOException {
    ObjectNode root = ModelConfigJson.JSON.createObjectNode();
    root.put("objective", objective.metric());
    root.put("higherIsBetter", objective.higherIsBetter());
    root.put("best", best.id());
    ArrayNode list = root.putArray("trials");
    for (TrialResult r : results) {
      ObjectNode t = list.addObject();
      t.put("id", r.id());
      t.set("parameters", ModelConfigJson.JSON.readTree(r.parameters()));
      t.put("objectiveValue", r.objectiveValue());
      t.set("metrics", ModelConfigJson.JSON.valueToTree(new TreeMap<>(r.metrics())));
      t.put("bestEpoch", r.bestEpoch());
      t.put("stoppedEarly", r.stoppedEarly());
      t.put("steps", r.steps());
      t.put("trainSeconds", r.trainSeconds());
      t.put("examplesPerSecond", r.examplesPerSecond());
      t.set("config", ModelConfigJson.toTree(r.config()));
      t.put("model", TRIALS + "/" + r.id());
    }
    return ModelConfigJson.JSON.writeValueAsBytes(root);
  }

  private static byte[] json(TrialResult result) throws IOException {
    return ModelConfigJson.JSON.writeValueAsBytes(result);
  }

  private static List<TrialResult> readResults(Path dir) throws IOException {
    List<TrialResult> out =
        new ArrayList<>(
            ResultFiles.read(
                dir, ".json", bytes -> ModelConfigJson.JSON.readValue(bytes, TrialResult.class)));
    out.sort(Comparator.comparing(TrialResult::id));
    return out;
  }
}
