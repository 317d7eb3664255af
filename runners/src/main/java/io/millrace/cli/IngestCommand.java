package io.millrace.cli;

import io.millrace.examples.ExamplesManifest;
import io.millrace.ingest.ExampleFormat;
import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.IngestJob;
import io.millrace.record.FeatureType;
import io.millrace.split.Splits;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code millrace ingest}: data files in, a split, fingerprinted examples artifact out. */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Reads CSV, Avro, Parquet or TFRecord (tf.Example) files into examples, splits them"
          + " deterministically, and writes an examples artifact: Avro files per split,"
          + " dead letters (records that could not be read, with file, record, field and reason)"
          + " and manifest.json (schema, counts, input fingerprints).",
      "",
      "Patterns may name {SPAN} and {VERSION}, e.g. 'data/span-{SPAN}/v{VERSION}/*.csv':"
          + " the latest span at its latest version is read unless --spans says otherwise."
    },
    footer = {
      "",
      "Any other --name=value is passed to Beam as a pipeline option"
          + " (e.g. --filesToStage=app.jar, --maxBundlesFromWindmillOutstanding=...)."
    })
final class IngestCommand implements Callable<Integer> {

  static final class Inputs {
    @Option(
        names = "--input",
        paramLabel = "PATTERN",
        description = "Files to read and divide into hash splits (a glob; may name {SPAN}).")
    String pattern;

    @Option(
        names = "--input-split",
        paramLabel = "NAME=PATTERN",
        description = "Files forming one split on their own; repeat per split.")
    Map<String, String> splitPatterns;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Inputs inputs;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "DIR",
      description = "The examples artifact to write (committed atomically when complete).")
  Path output;

  @Option(names = "--overwrite", description = "Replace an existing artifact at --output.")
  boolean overwrite;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description = "csv, avro, parquet or tfrecord (default: told from the file names).")
  String format;

  @Option(
      names = "--splits",
      defaultValue = "train=2,eval=1",
      paramLabel = "NAME=BUCKETS,...",
      description = "Hash splits and their bucket counts (default: ${DEFAULT-VALUE}).")
  String splits;

  @Option(
      names = "--split-feature",
      paramLabel = "FEATURE",
      description = "Hash on this INT or BYTES feature, so that equal keys share a split.")
  String splitFeature;

  @Option(
      names = "--spans",
      paramLabel = "FIRST..LAST",
      description = "Read these spans (each at its latest version) instead of the latest span.")
  String spans;

  @Option(
      names = "--feature-type",
      paramLabel = "NAME=TYPE",
      description = "Give a feature's type (INT, FLOAT or BYTES) instead of inferring it.")
  Map<String, String> featureTypes = new LinkedHashMap<>();

  @Option(
      names = "--missing-value",
      paramLabel = "TEXT",
      description = "A CSV cell read as missing besides the empty one, e.g. NA; repeatable.")
  List<String> missingValues = List.of();

  @Option(
      names = "--delimiter",
      defaultValue = ",",
      paramLabel = "CHAR",
      description = "CSV field delimiter (default: '${DEFAULT-VALUE}').")
  char delimiter;

  @Option(
      names = "--infer-sample",
      defaultValue = "10000",
      paramLabel = "N",
      description = "Records read to infer types when none are given (default: ${DEFAULT-VALUE}).")
  int inferSample;

  @Option(
      names = "--max-bad-fraction",
      defaultValue = "0.01",
      paramLabel = "F",
      description =
          "Fail, committing nothing, when more than this fraction of records are dead letters"
              + " (default: ${DEFAULT-VALUE}).")
  double maxBadFraction;

  @Mixin RunnerOptions runner;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    IngestJob.Config config =
        inputs.pattern != null
            ? IngestJob.Config.of(inputs.pattern, output).withSplits(splits())
            : IngestJob.Config.ofSplits(inputs.splitPatterns, output);
    if (format != null) {
      config = config.withFormat(ExampleFormat.valueOf(format.toUpperCase(Locale.ROOT)));
    }
    if (spans != null) {
      String[] range = spans.split("\\.\\.");
      long first = Long.parseLong(range[0].trim());
      config = config.withSpans(first, range.length > 1 ? Long.parseLong(range[1].trim()) : first);
    }
    Map<String, FeatureType> types = new LinkedHashMap<>();
    featureTypes.forEach((k, v) -> types.put(k, FeatureType.valueOf(v.toUpperCase(Locale.ROOT))));
    config =
        config
            .withFormatOptions(
                FormatOptions.defaults()
                    .withDelimiter(delimiter)
                    .withFeatureTypes(types)
                    .withMissingValues(new LinkedHashSet<>(missingValues))
                    .withInferenceSample(inferSample))
            .withOverwrite(overwrite)
            .withMaxBadFraction(maxBadFraction);

    PrintWriter out = spec.commandLine().getOut();
    ExamplesManifest manifest =
        IngestJob.run(config, runner.create("millrace-ingest"), spec.commandLine().getErr());
    Path written = output.toAbsolutePath().normalize();
    out.println("Examples written to " + written);
    for (ExamplesManifest.Split split : manifest.splits()) {
      out.printf("  %-12s %,12d examples  %s%n", split.name(), split.count(), split.files());
    }
    out.printf(
        "  %-12s %,12d records   %s%n",
        "dead letters", manifest.deadLetterCount(), manifest.deadLetters());
    out.println("  manifest     " + written.resolve(ExamplesManifest.FILE_NAME));
    out.flush();
    return 0;
  }

  private Splits splits() {
    Splits parsed = Splits.parse(splits);
    return splitFeature == null ? parsed : parsed.hashedOn(splitFeature);
  }
}
