package io.millrace.cli;

import io.millrace.ingest.ExampleFormat;
import io.millrace.ingest.FormatOptions;
import io.millrace.record.FeatureType;
import io.millrace.split.Splits;
import io.millrace.transforms.io.InputPattern;
import io.millrace.transforms.io.InputSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** The options that say which raw data files to read and how: shared by every reading command. */
final class InputOptions {

  static final class Patterns {
    @Option(
        names = "--input",
        paramLabel = "PATTERN",
        description = "Files to read (a glob; may name {SPAN} and {VERSION}).")
    String pattern;

    @Option(
        names = "--input-split",
        paramLabel = "NAME=PATTERN",
        description = "Files forming one split on their own; repeat per split.")
    Map<String, String> splitPatterns;
  }

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  Patterns patterns;

  boolean given() {
    return patterns != null;
  }

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description = "csv, avro, parquet or tfrecord (default: told from the file names).")
  String format;

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
              + " or lost in damaged files (default: ${DEFAULT-VALUE}).")
  double maxBadFraction;

  @Option(
      names = "--accept-partial-files",
      description =
          "Use the readable records of damaged (cut-off or corrupt) files instead of failing;"
              + " their lost records still count toward --max-bad-fraction.")
  boolean acceptPartialFiles;

  /** Every local file the patterns match, in any span: what the command must not write over. */
  List<Path> files() throws IOException {
    if (patterns == null) {
      return List.of();
    }
    List<String> all =
        patterns.pattern != null
            ? List.of(patterns.pattern)
            : List.copyOf(patterns.splitPatterns.values());
    List<Path> files = new ArrayList<>();
    for (String pattern : all) {
      files.addAll(InputPattern.of(pattern).localFiles());
    }
    return files;
  }

  /**
   * The input as given.
   *
   * @param hashSplits how to divide a single --input pattern, e.g. "train=2,eval=1"; null or empty
   *     keeps it one split
   */
  InputSpec spec(String hashSplits) {
    if (patterns == null) {
      throw new IllegalArgumentException("give the data to read with --input or --input-split");
    }
    InputSpec spec;
    if (patterns.pattern != null) {
      Splits splits = null;
      if (hashSplits != null && !hashSplits.isEmpty()) {
        splits = Splits.parse(hashSplits);
        if (splitFeature != null) {
          splits = splits.hashedOn(splitFeature);
        }
      } else if (splitFeature != null) {
        throw new IllegalArgumentException("--split-feature needs --splits");
      }
      spec = InputSpec.of(patterns.pattern, splits);
    } else {
      spec = InputSpec.ofSplits(patterns.splitPatterns);
    }
    if (format != null) {
      spec = spec.withFormat(ExampleFormat.valueOf(format.toUpperCase(Locale.ROOT)));
    }
    if (spans != null) {
      String[] range = spans.split("\\.\\.");
      long first = Long.parseLong(range[0].trim());
      spec = spec.withSpans(first, range.length > 1 ? Long.parseLong(range[1].trim()) : first);
    }
    Map<String, FeatureType> types = new LinkedHashMap<>();
    featureTypes.forEach((k, v) -> types.put(k, FeatureType.valueOf(v.toUpperCase(Locale.ROOT))));
    return spec.withFormatOptions(
        FormatOptions.defaults()
            .withDelimiter(delimiter)
            .withFeatureTypes(types)
            .withMissingValues(new LinkedHashSet<>(missingValues))
            .withInferenceSample(inferSample));
  }
}
