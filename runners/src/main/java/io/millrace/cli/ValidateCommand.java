package io.millrace.cli;

import io.millrace.pipeline.OutputGuard;
import io.millrace.schema.SchemaFiles;
import io.millrace.stage.StatisticsJob;
import io.millrace.tfmd.Anomalies;
import io.millrace.tfmd.AnomalyInfo;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.tfmd.DriftSkewInfo;
import io.millrace.tfmd.Schema;
import io.millrace.validate.AnomaliesArtifact;
import io.millrace.validate.StatisticsValidator;
import io.millrace.validate.ValidationOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
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
    if (output != null) {
      List<Path> inputs = new ArrayList<>(input.files());
      Stream.of(schemaFile, stats, previous, serving).filter(Objects::nonNull).forEach(inputs::add);
      if (input.given()) {
        OutputGuard.check(output.resolve("statistics"), inputs);
      }
      OutputGuard.check(output.resolve("anomalies"), inputs);
    }
    Schema schema = SchemaFiles.read(schemaFile);
    PrintWriter out = spec.commandLine().getOut();
    Map<String, DatasetFeatureStatisticsList> statistics;
    if (input.given()) {
      if (stats != null) {
        throw new IllegalArgumentException("give either --stats or --input, not both");
      }
      if (output == null) {
        throw new IllegalArgumentException("--input needs --output for the statistics");
      }
      StatisticsJob.Config config =
          StatisticsJob.Config.ofInput(input.spec(null), output.resolve("statistics"))
              .withOptions(slicing.options())
              .withOverwrite(overwrite)
              .withMaxBadFraction(input.maxBadFraction)
              .withAcceptPartialFiles(input.acceptPartialFiles);
      if (emitBadExamples) {
        config = config.withRecordValidation(schema, environment);
      }
      StatisticsJob.Result result =
          StatisticsJob.run(
              config, runner.create("millrace-validate"), spec.commandLine().getErr());
      if (emitBadExamples) {
        out.printf(
            "%,d records violate the schema; each is in %s with the reason%n",
            result.manifest().badExampleCount(),
            result.directory().resolve(StatisticsJob.BAD_EXAMPLES_DIR));
      }
      statistics = StatisticsInputs.load(result.directory(), split);
    } else if (stats != null) {
      if (emitBadExamples) {
        throw new IllegalArgumentException("--emit-bad-examples needs the records: use --input");
      }
      statistics = StatisticsInputs.load(stats, split);
    } else {
      throw new IllegalArgumentException("give the data to validate with --stats or --input");
    }

    Map<String, Anomalies> anomalies = new LinkedHashMap<>();
    boolean blocking = false;
    for (Map.Entry<String, DatasetFeatureStatisticsList> e : statistics.entrySet()) {
      ValidationOptions options = ValidationOptions.defaults();
      if (environment != null) {
        options = options.withEnvironment(environment);
      }
      if (previous != null) {
        options = options.withPreviousSpan(StatisticsInputs.one(previous, e.getKey()));
      }
      if (serving != null) {
        options = options.withServing(StatisticsInputs.one(serving, e.getKey()));
      }
      Anomalies found = StatisticsValidator.validate(e.getValue(), schema, options);
      anomalies.put(e.getKey(), found);
      blocking |= StatisticsValidator.blocking(found);
      print(out, e.getKey(), found);
    }
    if (output != null) {
      AnomaliesArtifact.write(
          output.resolve("anomalies"),
          "Validation against " + schemaFile,
          statistics,
          anomalies,
          overwrite);
      out.println(
          "Anomalies written to " + output.resolve("anomalies").toAbsolutePath().normalize());
    }
    out.println(blocking ? "BLOCKED: anomalies of severity ERROR" : "Clean: no blocking anomalies");
    out.flush();
    return blocking ? Millrace.EXIT_ANOMALIES : 0;
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
