package io.millrace.cli;

import io.millrace.report.StatisticsReport;
import io.millrace.stage.StageArtifact;
import io.millrace.stage.StageExecutor;
import io.millrace.stage.StatisticsJob;
import io.millrace.stage.StatisticsStage;
import io.millrace.stats.StatisticsOptions;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code millrace stats}: TFDV statistics of raw data or of an ingested examples artifact. */
@Command(
    name = "stats",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Computes TensorFlow Data Validation's per-feature statistics in one pass: counts, presence"
          + " and valency; mean, std (population), zeros, min, median, max, NaN/inf and histograms"
          + " of numeric features; distinct count, top values, rank histogram and length of"
          + " strings; per split and per slice.",
      "",
      "Writes a statistics artifact: <split>/stats.pb (TFMD DatasetFeatureStatisticsList, which"
          + " tfdv.load_statistics and Facets read), <split>/stats.json, report.html and"
          + " manifest.json; prints a summary table per split."
    },
    footer = {"", "Any other --name=value is passed to Beam as a pipeline option."})
final class StatsCommand implements Callable<Integer> {

  @Mixin InputOptions input;

  @Option(
      names = "--examples",
      paramLabel = "DIR",
      description = "An examples artifact written by 'millrace ingest', instead of --input.")
  Path examples;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "DIR",
      description = "The statistics artifact to write (committed atomically when complete).")
  Path output;

  @Option(names = "--overwrite", description = "Replace an existing artifact at --output.")
  boolean overwrite;

  @Option(
      names = "--splits",
      paramLabel = "NAME=BUCKETS,...",
      description = "Divide a single --input by hash splits (default: one split, 'all').")
  String splits;

  @Mixin Slicing slicing;

  @Mixin RunnerOptions runner;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    StatisticsStage.Settings settings =
        StatisticsStage.Settings.of(slicing.options())
            .withBadInput(input.maxBadFraction, input.acceptPartialFiles);
    StatisticsStage stage;
    if (examples != null) {
      if (input.given()) {
        throw new IllegalArgumentException("give either --examples or --input, not both");
      }
      stage = StatisticsStage.of(new StageArtifact.Examples(examples), settings);
    } else {
      stage = StatisticsStage.of(input.raw(splits), settings);
    }
    StageExecutor.standalone(runner::create, spec.commandLine().getErr())
        .run(stage, output, overwrite);
    print(
        spec.commandLine().getOut(),
        StatisticsJob.Result.open(output.toAbsolutePath().normalize()));
    return 0;
  }

  static void print(PrintWriter out, StatisticsJob.Result result) {
    for (Map.Entry<String, DatasetFeatureStatisticsList> split : result.statistics().entrySet()) {
      out.println();
      out.println("Split " + split.getKey());
      out.print(StatisticsReport.summaryTable(split.getValue().getDatasets(0)));
    }
    Path dir = result.directory();
    out.println();
    out.println("Statistics written to " + dir);
    for (StatisticsJob.Manifest.SplitFile split : result.manifest().splits()) {
      out.printf(
          "  %-12s %,12d examples  %s%n", split.name(), split.examples(), split.statistics());
    }
    if (result.manifest().deadLetterCount() > 0) {
      out.printf(
          "  %-12s %,12d records   %s/part-*.jsonl%n",
          "dead letters", result.manifest().deadLetterCount(), StatisticsJob.DEAD_LETTER_DIR);
    }
    if (!result.manifest().damagedFiles().isEmpty()) {
      out.printf(
          "  %-12s %,12d records   in %d damaged part(s) of files, listed in the manifest%n",
          "lost", result.manifest().recordsLost(), result.manifest().damagedFiles().size());
    }
    out.println("  report       " + dir.resolve(StatisticsJob.REPORT_FILE));
    out.println("  manifest     " + dir.resolve(StatisticsJob.Manifest.FILE_NAME));
    out.flush();
  }

  /** What statistics to compute: slices, weights, limits. */
  static final class Slicing {
    @Option(
        names = "--slice",
        paramLabel = "FEATURE[,FEATURE...]",
        description =
            "Also compute statistics per value of a feature (or per combination of values of"
                + " several); repeatable. Slices are named as TFDV names them, e.g."
                + " payment_type_Cash.")
    List<String> slices = List.of();

    @Option(
        names = "--weight-feature",
        paramLabel = "FEATURE",
        description = "Weigh each example by this numeric feature (adds weighted statistics).")
    String weightFeature;

    @Option(
        names = "--top-k",
        defaultValue = "20",
        paramLabel = "N",
        description = "Most frequent values listed per string feature (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(
        names = "--exact-distinct-limit",
        defaultValue = "100000",
        paramLabel = "N",
        description =
            "Distinct values per string feature counted exactly; beyond, HLL and frequent-items"
                + " sketches estimate (and the statistics say so) (default: ${DEFAULT-VALUE}).")
    int exactDistinctLimit;

    StatisticsOptions options() {
      StatisticsOptions options =
          StatisticsOptions.defaults().withTopK(topK).withExactDistinctLimit(exactDistinctLimit);
      for (String slice : slices) {
        options = options.withSlice(slice.split(","));
      }
      return weightFeature == null ? options : options.withWeightFeature(weightFeature);
    }
  }
}
