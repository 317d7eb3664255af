package io.millrace.cli;

import io.millrace.evaluate.Evaluation;
import io.millrace.evaluate.EvaluationConfig;
import io.millrace.evaluate.ModelMetrics;
import io.millrace.evaluate.ModelValidation;
import io.millrace.metadata.MetadataStore;
import io.millrace.model.EvaluationRecords;
import io.millrace.model.ModelRegistry;
import io.millrace.pipeline.CodeVersion;
import io.millrace.stage.EvaluationStage;
import io.millrace.stage.StageArtifact;
import io.millrace.stage.StageExecutor;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code millrace evaluate}: a candidate model against the baseline, sliced, and the blessing. */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Scores raw evaluation records with the candidate model and, in the same Beam job, with the"
          + " baseline (the latest pushed model that is not the candidate itself, or"
          + " --baseline): each model's own transform"
          + " artifact prepares the records, as at serving. Computes TFMA's metrics overall and"
          + " per slice (AUC, AUC-PR, accuracy, precision, recall, log loss, calibration,"
          + " confusion matrices; top-k accuracy; MSE, RMSE, MAE), checks the thresholds of"
          + " --config and blesses the candidate or names every failed threshold.",
      "",
      "Writes DIR/evaluation.json and DIR/report.html, and records the evaluation's content"
          + " fingerprint in the metadata store 'millrace push' checks: REGISTRY/"
          + ModelRegistry.METADATA
          + " with --registry, or --metadata-url. Exit code 0 when blessed, 5 when not."
    },
    footer = {"", "Any other --name=value is passed to Beam as a pipeline option."})
final class EvaluateCommand implements Callable<Integer> {

  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR",
      description = "The candidate: a model artifact ('millrace train' writes DIR/model).")
  Path model;

  @Option(
      names = "--registry",
      paramLabel = "DIR",
      description =
          "With --name: the baseline is the latest version pushed there that is not the"
              + " candidate itself (by model fingerprint), if any.")
  Path registry;

  @Option(names = "--name", paramLabel = "NAME", description = "The model's name in --registry.")
  String name;

  static final class Data {
    @Option(
        names = "--input",
        required = true,
        paramLabel = "PATTERN",
        description = "Raw evaluation records (CSV, Avro, Parquet or TFRecord; globs allowed).")
    String input;

    @Option(
        names = "--examples",
        required = true,
        paramLabel = "DIR",
        description = "An examples artifact from 'millrace ingest'; see --split.")
    Path examples;
  }

  @ArgGroup(multiplicity = "1")
  Data data;

  @Option(
      names = "--split",
      defaultValue = "eval",
      paramLabel = "NAME",
      description = "With --examples: the split to evaluate on (default: ${DEFAULT-VALUE}).")
  String split;

  @Option(
      names = "--baseline",
      paramLabel = "DIR",
      description =
          "The model to compare with: a model artifact or a registry version directory."
              + " Without it (or --registry) only value thresholds decide.")
  Path baseline;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "Slices and thresholds as JSON, e.g. {\"slices\": [[\"payment_type\"]],"
              + " \"minSliceSize\": 100, \"thresholds\": [{\"metric\": \"auc\", \"lowerBound\":"
              + " 0.85, \"change\": {\"absolute\": -0.01, \"direction\": \"HIGHER_IS_BETTER\"}}]}.")
  Path config;

  @Option(names = "--output", required = true, paramLabel = "DIR", description = "Output.")
  Path output;

  @Option(
      names = "--metadata-url",
      paramLabel = "JDBC",
      description =
          "Where to record the evaluation for 'millrace push' (default with --registry: the SQLite"
              + " file REGISTRY/"
              + ModelRegistry.METADATA
              + ").")
  String metadataUrl;

  @Mixin RunnerOptions runner;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    EvaluationConfig evaluationConfig =
        config == null ? EvaluationConfig.defaults() : EvaluationConfig.read(config);
    if ((registry == null) != (name == null)) {
      throw new IllegalArgumentException("--registry and --name go together");
    }
    if (registry != null && baseline != null) {
      throw new IllegalArgumentException("give --baseline or --registry, not both");
    }
    StageArtifact.Model candidate = new StageArtifact.Model(model);
    StageArtifact.Model baselineModel =
        registry != null
            ? EvaluationStage.baseline(registry, name, candidate).orElse(null)
            : baseline == null ? null : new StageArtifact.Model(baseline);
    EvaluationStage.Settings settings = new EvaluationStage.Settings(evaluationConfig, split);
    EvaluationStage stage =
        data.input != null
            ? EvaluationStage.onRecords(candidate, data.input, baselineModel, settings)
            : EvaluationStage.onExamples(
                candidate, new StageArtifact.Examples(data.examples), baselineModel, settings);
    StageExecutor.standalone(runner::create, spec.commandLine().getErr())
        .run(
            stage,
            output,
            false,
            Stream.of(registry, config).filter(Objects::nonNull).toArray(Path[]::new));
    Evaluation evaluation = Evaluation.read(output);
    PrintWriter out = spec.commandLine().getOut();
    print(out, evaluation);
    out.println("Evaluation written to " + output.toAbsolutePath().normalize());
    record(out);
    out.flush();
    return evaluation.blessed() ? 0 : Millrace.EXIT_NOT_BLESSED;
  }

  /** Records the evaluation where 'millrace push' looks for it, or says that it was not. */
  private void record(PrintWriter out) throws IOException {
    if (metadataUrl == null && registry == null) {
      out.println(
          "Not recorded in a metadata store (no --registry or --metadata-url): 'millrace push'"
              + " will refuse this evaluation");
      return;
    }
    try (MetadataStore store =
        metadataUrl != null
            ? MetadataStore.open(metadataUrl)
            : MetadataStore.openSqlite(new ModelRegistry(registry).metadataFile())) {
      EvaluationRecords.record(store, output, CodeVersion.current());
      out.println("Recorded in the metadata store " + store.url());
    }
  }

  static void print(PrintWriter out, Evaluation evaluation) {
    ModelMetrics candidate = evaluation.candidateMetrics();
    ModelMetrics baseline = evaluation.baselineMetrics();
    out.printf(
        "%,d records scored at %,.0f records/s per model%s%n",
        candidate.exampleCount() + candidate.unusableLabels(),
        evaluation.recordsPerSecond(),
        baseline == null ? " (no baseline)" : ", candidate and baseline in one job");
    out.printf("  %-26s %14s %14s%n", "metric", "candidate", baseline == null ? "" : "baseline");
    for (Map.Entry<String, Double> m : candidate.overall().entrySet()) {
      if (m.getKey().contains("@")) {
        continue;
      }
      out.printf(
          "  %-26s %14.6f %14s%n",
          m.getKey(),
          m.getValue(),
          baseline == null
              ? ""
              : String.format("%.6f", baseline.overall().getOrDefault(m.getKey(), Double.NaN)));
    }
    ModelValidation.Result validation = evaluation.validation();
    List<ModelValidation.Failure> failures = validation.failures();
    if (validation.blessed()) {
      out.println("BLESSED: every threshold holds");
    } else {
      out.println("NOT BLESSED: " + failures.size() + " threshold(s) failed");
      failures.forEach(f -> out.println("  " + f.message()));
    }
    validation.skipped().forEach(s -> out.println("  skipped: " + s.reason()));
  }
}
