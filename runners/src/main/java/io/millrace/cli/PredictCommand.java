package io.millrace.cli;

import io.millrace.ingest.BadInputPolicy;
import io.millrace.ingest.FormatOptions;
import io.millrace.model.PredictJob;
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
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Scores raw records (CSV, Avro, Parquet or TFRecord) with a model: the model's own"
          + " transform artifact prepares each record exactly as in training, then the SavedModel"
          + " predicts, in batches, one model load per worker.",
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
    PredictJob.Summary summary =
        PredictJob.run(
            input,
            FormatOptions.defaults().withMissingValues(new LinkedHashSet<>(missingValues)),
            modelDir,
            output,
            overwrite,
            runner.create("millrace-predict"),
            BadInputPolicy.defaults()
                .withMaxBadFraction(1)
                .withAcceptPartialFiles(acceptPartialFiles));
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
    out.println(
        "Predictions written to "
            + output.resolve(PredictJob.PREDICTIONS).toAbsolutePath().normalize());
    out.flush();
    return 0;
  }
}
