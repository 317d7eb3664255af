package io.millrace.cli;

import io.millrace.stage.StageExecutor;
import io.millrace.stage.TrainStage;
import io.millrace.train.ModelConfig;
import io.millrace.train.Task;
import io.millrace.tune.ModelConfigJson;
import io.millrace.tune.SearchSpace;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code millrace train}: train (and tune) a TensorFlow model on transformed examples. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Trains a TensorFlow model (linear, DNN or wide & deep; binary, multiclass or regression)"
          + " on the examples 'millrace transform' wrote, deterministically: the same data,"
          + " settings and seed give the same weights on every run and runner.",
      "",
      "With --tuner, every trial of the search trains in parallel as a Beam stage (one per core"
          + " on the DirectRunner, spread over task slots on Flink) and the best by the objective"
          + " becomes the candidate. Writes DIR/model (SavedModel with a raw-feature"
          + " serving_default signature, the transform, model.json), DIR/trials.json and"
          + " DIR/trials/<id>."
    },
    footer = {"", "Any other --name=value is passed to Beam as a pipeline option."})
final class TrainCommand implements Callable<Integer> {

  @Option(
      names = "--transformed",
      required = true,
      paramLabel = "DIR",
      description = "The output of 'millrace transform': DIR/transform and DIR/examples.")
  Path transformed;

  @Option(
      names = "--label",
      required = true,
      paramLabel = "NAME",
      description = "The transform output to predict.")
  String label;

  @Option(
      names = "--task",
      paramLabel = "TASK",
      description =
          "BINARY, MULTICLASS or REGRESSION (default: from the label: a 0/1 expression is"
              + " binary, a vocabulary multiclass, a number regression).")
  Task task;

  @Option(
      names = "--model-config",
      paramLabel = "FILE",
      description =
          "Model settings as JSON, e.g. {\"kind\": \"WIDE_AND_DEEP\", \"hiddenUnits\": [64, 32],"
              + " \"learningRate\": 0.003, \"epochs\": 20, \"earlyStoppingPatience\": 3}."
              + " Unnamed settings keep their defaults.")
  Path modelConfig;

  @Option(
      names = "--tuner",
      paramLabel = "FILE",
      description =
          "A search over the model settings as JSON: {\"strategy\": \"RANDOM\" or \"GRID\","
              + " \"trials\": 8, \"seed\": 1, \"objective\": \"auc\", \"parameters\":"
              + " {\"learningRate\": {\"min\": 0.001, \"max\": 0.03, \"scale\": \"log\"},"
              + " \"hiddenUnits\": {\"values\": [[64, 32], [128, 64]]}}}.")
  Path tuner;

  @Option(
      names = "--name",
      defaultValue = "model",
      paramLabel = "NAME",
      description = "The model's name, recorded in model.json (default: ${DEFAULT-VALUE}).")
  String name;

  @Option(
      names = "--train-split",
      defaultValue = "train",
      paramLabel = "NAME",
      description = "Split to train on (default: ${DEFAULT-VALUE}).")
  String trainSplit;

  @Option(
      names = "--eval-split",
      defaultValue = "eval",
      paramLabel = "NAME",
      description =
          "Split for early stopping and trial metrics (default: ${DEFAULT-VALUE}; ignored when"
              + " the examples have no such split).")
  String evalSplit;

  @Option(names = "--output", required = true, paramLabel = "DIR", description = "Output.")
  Path output;

  @Option(names = "--overwrite", description = "Replace an existing output.")
  boolean overwrite;

  @Mixin RunnerOptions runner;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    ModelConfig base =
        modelConfig == null ? ModelConfig.builder().build() : ModelConfigJson.read(modelConfig);
    SearchSpace search = tuner == null ? SearchSpace.single() : SearchSpace.read(tuner);
    TrainStage stage =
        TrainStage.ofTransformOutput(
            transformed,
            new TrainStage.Settings(label, task, base, search, name, trainSplit, evalSplit));
    PrintWriter out = spec.commandLine().getOut();
    TrainStage.Result result =
        StageExecutor.standalone(runner::create, out)
            .run(
                stage,
                output,
                overwrite,
                Stream.of(transformed, modelConfig, tuner)
                    .filter(Objects::nonNull)
                    .toArray(Path[]::new));
    out.printf(
        "Candidate %s: %s %.5f (%s), %d steps, %.0f examples/s%n",
        result.bestTrial(),
        result.objective(),
        result.objectiveValue(),
        result.higherIsBetter() ? "higher is better" : "lower is better",
        result.steps(),
        result.examplesPerSecond());
    out.println("Model written to " + result.model().path().toAbsolutePath().normalize());
    out.flush();
    return 0;
  }
}
