package io.millrace.stage;

import io.millrace.train.ModelConfig;
import io.millrace.train.Task;
import io.millrace.tune.SearchSpace;
import io.millrace.tune.TrainingInputs;
import io.millrace.tune.TrialResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Training (and tuning): every trial of a search trained in parallel, the best by the objective
 * kept as the candidate ({@link TrainJob}): {@code DIR/model}, {@code DIR/trials.json}, {@code
 * DIR/trials/}.
 */
public final class TrainStage extends AbstractStage<TrainStage.Settings, TrainStage.Result> {
  public static final String NAME = "train";

  /**
   * @param label the transform output to predict
   * @param task null: told from the label
   * @param model the model settings (every trial's base)
   * @param search the tuner's search; {@link SearchSpace#single()} trains the base alone
   * @param name the model's name, recorded in model.json
   */
  public record Settings(
      String label,
      Task task,
      ModelConfig model,
      SearchSpace search,
      String name,
      String trainSplit,
      String evalSplit) {}

  /**
   * The candidate and how it was chosen.
   *
   * @param metrics the best trial's metrics on the eval split
   */
  public record Result(
      StageArtifact.Model model,
      String name,
      String objective,
      boolean higherIsBetter,
      double objectiveValue,
      String bestTrial,
      int trials,
      long steps,
      double examplesPerSecond,
      Map<String, Double> metrics)
      implements StageResult {
    @Override
    public Map<String, StageArtifact> outputs() {
      return Map.of("model", model);
    }

    @Override
    public Map<String, String> properties() {
      Map<String, String> properties = new TreeMap<>();
      metrics.forEach((k, value) -> properties.put(k, Double.toString(value)));
      properties.put("objective", objective);
      properties.put("objective_value", Double.toString(objectiveValue));
      properties.put("best_trial", bestTrial);
      properties.put("trials", Integer.toString(trials));
      return properties;
    }

    @Override
    public Map<String, String> outputProperties(String output) {
      Map<String, String> properties = new LinkedHashMap<>();
      properties.put("name", name);
      properties.put(objective, Double.toString(objectiveValue));
      return properties;
    }

    @Override
    public String summary() {
      return String.format(
          "%d trial(s), best %s %s %.4f", trials, bestTrial, objective, objectiveValue);
    }
  }

  private final StageArtifact.Transform transform;
  private final StageArtifact.Examples examples;

  /**
   * @param transform the transform the examples were made with
   * @param examples its transformed examples
   */
  public TrainStage(
      StageArtifact.Transform transform, StageArtifact.Examples examples, Settings settings) {
    super(NAME, settings, Result.class);
    this.transform = transform;
    this.examples = examples;
  }

  /**
   * The layout {@code millrace transform} writes: {@code DIR/transform} and {@code DIR/examples}.
   */
  public static TrainStage ofTransformOutput(Path dir, Settings settings) {
    return new TrainStage(
        new StageArtifact.Transform(dir.resolve("transform")),
        new StageArtifact.Examples(dir.resolve("examples")),
        settings);
  }

  @Override
  public Map<String, StageArtifact> inputs() {
    Map<String, StageArtifact> inputs = new LinkedHashMap<>();
    inputs.put("transform", transform);
    inputs.put("examples", examples);
    return inputs;
  }

  @Override
  public Result run(StageContext context) throws IOException {
    TrainingInputs inputs =
        new TrainingInputs(
            transform.path().toString(),
            examples.path().toString(),
            settings().label(),
            settings().task(),
            settings().trainSplit(),
            settings().evalSplit());
    TrainJob.Result result =
        TrainJob.run(
            inputs,
            settings().model(),
            settings().search(),
            settings().name(),
            context.directory(),
            context.overwrite(),
            context.beamOptions(NAME),
            context.log());
    TrialResult best = result.best();
    return new Result(
        new StageArtifact.Model(result.model()),
        settings().name(),
        result.objective().metric(),
        result.objective().higherIsBetter(),
        best.objectiveValue(),
        best.id(),
        result.trials().size(),
        best.steps(),
        best.examplesPerSecond(),
        new TreeMap<>(best.metrics()));
  }
}
