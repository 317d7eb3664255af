package io.millrace.cli;

import io.millrace.schema.SchemaFiles;
import io.millrace.stage.StageArtifact;
import io.millrace.stage.StageExecutor;
import io.millrace.stage.StatisticsJob;
import io.millrace.stage.StatisticsStage;
import io.millrace.stage.ValidationStage;
import io.millrace.tfmd.Anomalies;
import io.millrace.tfmd.AnomalyInfo;
import io.millrace.tfmd.DriftSkewInfo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code millrace validate}: anomalies of data against a schema; drift and skew. */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Validates statistics against a schema (schema.pbtxt, Millrace's or TFDV's) the way TFDV's"
          + " validate_statistics does: new and missing columns, types, values outside string"
          + " domains, presence, valency, numeric ranges, NaN/inf, example counts; drift against"
          + " a previous span (--previous) and skew against serving data (--serving) with the"
          + " schema's L-infinity and Jensen-Shannon comparators.",
      "",
      "Give existing statistics with --stats, or raw data with --input (statistics are computed"
          + " first; --emit-bad-examples then also writes each violating record with the reason).",
      "",
      "Exit code 0 when the data is clean, 4 when anomalies block (severity ERROR)."
    },
    footer = {"", "Any other --name=value is passed to Beam as a pipeline option."})
final class ValidateCommand implements Callable<Integer> {

  @Option(
      names = "--schema",
      required = true,
      paramLabel = "FILE",
      description = "The schema (TFMD text format).")
  Path schemaFile;

  @Option(
      names = "--stats",
      paramLabel = "PATH",
      description = "Statistics to validate: an artifact from 'millrace stats' or a stats.pb.")
  Path stats;

  @Mixin InputOptions input;

  @Option(
      names = "--split",
      paramLabel = "NAME",
      description = "Validate only this split (default: every split).")
  String split;

  @Option(
      names = "--environment",
      paramLabel = "ENV",
      description =
          "The environment of the data, e.g. SERVING: features the schema excludes from it"
              + " (not_in_environment) are not expected.")
  String environment;

  @Option(
      names = "--previous",
      paramLabel = "PATH",
      description = "Statistics of the previous span, for drift (the schema's drift_comparator).")
  Path previous;

  @Option(
      names = "--serving",
      paramLabel = "PATH",
      description = "Statistics of serving data, for skew (the schema's skew_comparator).")
  Path serving;

  @Option(
      names = "--output",
      paramLabel = "DIR",
      description =
          "Where to write anomalies (per split anomalies.pb and anomalies.pbtxt, report.html),"
              + " and with --input the statistics. Required with --input.")
  Path output;

  @Option(names = "--overwrite", description = "Replace existing outputs.")
  boolean overwrite;

  @Option(
      names = "--emit-bad-examples",
      description = "With --input: write every record that violates the schema, with the reason.")
  boolean emitBadExamples;

  @Mixin StatsCommand.Slicing slicing;

  @Mixin RunnerOptions runner;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (input.given() == (stats != null)) {
      throw new IllegalArgumentException(
          input.given()
              ? "give either --stats or --input, not both"
              : "give the data to validate with --stats or --input");
    }
    if (input.given() && output == null) {
      throw new IllegalArgumentException("--input needs --output for the statistics");
    }
    if (stats != null && emitBadExamples) {
      throw new IllegalArgumentException("--emit-bad-examples needs the records: use --input");
    }
    SchemaFiles.read(schemaFile);
    StatisticsStage statisticsStage = null;
    Path statistics = stats;
    if (input.given()) {
      StatisticsStage.Settings settings =
          StatisticsStage.Settings.of(slicing.options())
              .withBadInput(input.maxBadFraction, input.acceptPartialFiles);
      if (emitBadExamples) {
        settings = settings.withRecordValidation(schemaFile, environment);
      }
      statisticsStage = StatisticsStage.of(input.raw(null), settings);
      statistics = output.resolve("statistics");
    }
    ValidationStage validation =
        new ValidationStage(
            new StageArtifact.Statistics(statistics),
            new StageArtifact.Schema(schemaFile),
            previous == null ? null : new StageArtifact.Statistics(previous),
            serving == null ? null : new StageArtifact.Statistics(serving),
            new ValidationStage.Settings(environment, split));
    Path anomalies = output == null ? null : output.resolve("anomalies");
    // Every output is checked before anything runs.
    if (statisticsStage != null) {
      StageExecutor.guard(statisticsStage, statistics);
    }
    if (anomalies != null) {
      StageExecutor.guard(validation, anomalies);
    }

    PrintWriter out = spec.commandLine().getOut();
    StageExecutor executor = StageExecutor.standalone(runner::create, spec.commandLine().getErr());
    if (statisticsStage != null) {
      StatisticsStage.Result computed = executor.run(statisticsStage, statistics, overwrite);
      if (emitBadExamples) {
        out.printf(
            "%,d records violate the schema; each is in %s with the reason%n",
            computed.badExamples(),
            computed
                .statistics()
                .path()
                .toAbsolutePath()
                .normalize()
                .resolve(StatisticsJob.BAD_EXAMPLES_DIR));
      }
    }
    ValidationStage.Result result = executor.run(validation, anomalies, overwrite);
    result.bySplit().forEach((name, found) -> print(out, name, found));
    if (anomalies != null) {
      out.println("Anomalies written to " + anomalies.toAbsolutePath().normalize());
    }
    out.println(
        result.blocking()
            ? "BLOCKED: anomalies of severity ERROR"
            : "Clean: no blocking anomalies");
    out.flush();
    return result.blocking() ? Millrace.EXIT_ANOMALIES : 0;
  }

  static void print(PrintWriter out, String split, Anomalies anomalies) {
    out.println();
    if (anomalies.getDataMissing()) {
      out.println("Split " + split + ": no data");
      return;
    }
    Map<String, AnomalyInfo> byFeature = new TreeMap<>(anomalies.getAnomalyInfoMap());
    int count = byFeature.size() + (anomalies.hasDatasetAnomalyInfo() ? 1 : 0);
    out.println("Split " + split + ": " + (count == 0 ? "no anomalies" : count + " anomalies"));
    if (anomalies.hasDatasetAnomalyInfo()) {
      printAnomaly(out, "(dataset)", anomalies.getDatasetAnomalyInfo());
    }
    byFeature.forEach((feature, info) -> printAnomaly(out, feature, info));
    for (DriftSkewInfo info : anomalies.getDriftSkewInfoList()) {
      for (DriftSkewInfo.Measurement m : info.getDriftMeasurementsList()) {
        out.printf(
            "  drift  %-24s %s %.4f (threshold %.4f)%n",
            String.join(".", info.getPath().getStepList()),
            m.getType(),
            m.getValue(),
            m.getThreshold());
      }
      for (DriftSkewInfo.Measurement m : info.getSkewMeasurementsList()) {
        out.printf(
            "  skew   %-24s %s %.4f (threshold %.4f)%n",
            String.join(".", info.getPath().getStepList()),
            m.getType(),
            m.getValue(),
            m.getThreshold());
      }
    }
  }

  private static void printAnomaly(PrintWriter out, String feature, AnomalyInfo info) {
    out.printf("  %-7s %-24s %s%n", info.getSeverity(), feature, info.getShortDescription());
    out.printf("          %s%n", info.getDescription());
  }
}
