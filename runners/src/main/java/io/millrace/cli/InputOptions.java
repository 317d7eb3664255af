package io.millrace.cli;

import io.millrace.split.Splits;
import io.millrace.stage.RawInput;
import java.util.LinkedHashMap;
import java.util.List;
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
      description =
          "Hash on this INT or BYTES feature, so that equal keys share a split: it picks among the"
              + " hash splits (--splits, or ingest's default), and is refused with --input-split"
              + " or without hash splits, where no record is hashed.")
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

  /**
   * The input as given.
   *
   * @param hashSplits how to divide a single --input pattern, e.g. "train=2,eval=1"; null or empty
   *     keeps it one split
   */
  RawInput raw(String hashSplits) {
    if (patterns == null) {
      throw new IllegalArgumentException("give the data to read with --input or --input-split");
    }
    Map<String, Integer> splits =
        patterns.pattern != null && hashSplits != null && !hashSplits.isEmpty()
            ? Splits.parse(hashSplits).buckets()
            : null;
    RawInput raw =
        new RawInput(
            patterns.pattern,
            patterns.splitPatterns,
            format,
            splits,
            splitFeature,
            spans,
            featureTypes,
            missingValues,
            delimiter,
            inferSample);
    raw.checkSplitFeature();
    return raw;
  }
}
