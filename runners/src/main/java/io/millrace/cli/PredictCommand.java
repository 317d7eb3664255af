package io.millrace.cli;

import io.millrace.ingest.BadInputPolicy;
import io.millrace.ingest.FormatOptions;
import io.millrace.stage.OutputGuard;
import io.millrace.stage.PredictJob;
import io.millrace.stage.StalledJobs;
import io.millrace.transforms.io.InputPattern;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code millrace predict}: batch inference with a trained or pushed model. */
@Command(
    name = "predict",
    sortOptions = false,
    description = {
      "Scores raw records (CSV, Avro, Parquet or TFRecord) with a model: the model's own"
          + " transform artifact prepares each record exactly as in training, then the SavedModel"
          + " predicts, in batches, one model load per worker.",
      "",
      "Records are read with the types the model's transform was trained on: a value that"
          + " does not parse is a dead letter naming file, record and field; columns the model"
          + " does not use (ids, the label) are passed through as they are.",
      "",
      "Writes DIR/predictions/part-*.jsonl (each record with probability and predicted_label,"
          + " probabilities and predicted_class, or prediction), DIR/dead-letter/ (unreadable"
          + " records) and DIR/summary.json (records in = predicted + dead letters + records lost"
          + " in damaged files).",
      "",
      "A damaged (cut-off or corrupt) input file fails the command (exit 3), writing nothing,"
          + " unless --accept-partial-files is given."
    },
    footer = {"", "Any other --name=value is passed to Beam as a pipeline option."})
final class PredictCommand implements Callable<Integer> {

  // Not mixinStandardHelpOptions: its --version would clash with the model's --version N.
  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;

  @Mixin ModelOptions model;

  @Option(
      names = "--input",
      required = true,
      paramLabel = "PATTERN",
      description = "The records to score (globs and {SPAN} allowed).")
  String input;

  @Option(
      names = "--missing-value",
      paramLabel = "TEXT",
      description = "CSV cells that mean 'missing' besides the empty cell (repeatable).")
  List<String> missingValues = new ArrayList<>();

  @Option(
      names = "--allow-missing-features",
      description =
          "Score input that lacks a feature the model needs, filling it as the transform fills a"
              + " missing value (the summary names it); by default such input is refused.")
  boolean allowMissingFeatures;

  @Option(
      names = "--max-bad-fraction",
      defaultValue = "0.01",
      paramLabel = "F",
      description =
          "Fail, writing nothing, when more than this fraction of records are dead letters or"
              + " lost in damaged files (default: ${DEFAULT-VALUE}).")
  double maxBadFraction;

  @Option(names = "--output", required = true, paramLabel = "DIR", description = "Output.")
  Path output;

  @Option(names = "--overwrite", description = "Replace an existing output.")
  boolean overwrite;

  @Option(
      names = "--accept-partial-files",
      description =
          "Score the readable records of damaged (cut-off or corrupt) input files instead of"
              + " failing.")
  boolean acceptPartialFiles;

  @Mixin RunnerOptions runner;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Path modelDir = model.resolve();
    List<Path> inputs = new ArrayList<>(InputPattern.of(input).files());
    inputs.add(modelDir);
    if (model.registry != null) {
      inputs.add(model.registry.registry);
    }
    OutputGuard.check(output, inputs);
    PrintWriter err = spec.commandLine().getErr();
    PredictJob.Summary summary =
        StalledJobs.onceMoreIfStalled(
            notice -> err.println("predict: " + notice),
            () ->
                PredictJob.run(
                    input,
                    FormatOptions.defaults().withMissingValues(new LinkedHashSet<>(missingValues)),
                    allowMissingFeatures,
                    new BadInputPolicy(maxBadFraction, acceptPartialFiles),
                    modelDir,
                    output,
                    overwrite,
                    runner.create("millrace-predict")));
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "%,d records: %,d predicted, %,d dead letters%s, in %.1f s with %s%n",
        summary.recordsIn(),
        summary.predicted(),
        summary.deadLetters(),
        summary.damagedFiles().isEmpty()
            ? ""
            : String.format(
                ", %,d lost in damaged files (see summary.json)", summary.recordsLost()),
        summary.seconds(),
        modelDir);
    if (!summary.missingFeatures().isEmpty()) {
      out.println(
          "The input lacks "
              + summary.missingFeatures()
              + ": filled as the transform fills a missing value (--allow-missing-features)");
    }
    out.println(
        "Predictions written to "
            + output.resolve(PredictJob.PREDICTIONS).toAbsolutePath().normalize());
    out.flush();
    return 0;
  }
}
