package io.millrace.stage;

import io.millrace.artifact.ContentDigest;
import io.millrace.examples.ExamplesManifest;
import io.millrace.schema.SchemaFiles;
import io.millrace.stats.StatisticsOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Statistics of every split in one pass ({@link StatisticsJob}), of an examples artifact or of raw
 * data files.
 */
public final class StatisticsStage
    extends AbstractStage<StatisticsStage.Settings, StatisticsStage.Result> {
  public static final String NAME = "statistics";

  /**
   * @param options slices, weights and limits
   * @param maxBadFraction with raw data: fail when more records than this are bad or lost
   * @param acceptPartialFiles with raw data: use the readable records of damaged files
   * @param recordValidation also check every record against a schema and keep the violating ones;
   *     null: no
   */
  public record Settings(
      StatisticsOptions options,
      double maxBadFraction,
      boolean acceptPartialFiles,
      RecordValidation recordValidation) {
    /** Statistics with these options, of data whose records are not checked one by one. */
    public static Settings of(StatisticsOptions options) {
      return new Settings(options, 0.01, false, null);
    }

    public Settings withBadInput(double maxBadFraction, boolean acceptPartialFiles) {
      return new Settings(options, maxBadFraction, acceptPartialFiles, recordValidation);
    }

    public Settings withRecordValidation(Path schema, String environment) {
      return new Settings(
          options, maxBadFraction, acceptPartialFiles, new RecordValidation(schema, environment));
    }
  }

  /** The schema each record is checked against, and the records' environment in it. */
  public record RecordValidation(Path schema, String environment) {}

  /**
   * The statistics written.
   *
   * @param span the span of the examples, when they come from one
   * @param splits the number of examples of each split
   * @param badExamples records that violate the schema, when they were checked
   */
  public record Result(
      StageArtifact.Statistics statistics,
      Long span,
      Map<String, Long> splits,
      long records,
      long deadLetters,
      long recordsLost,
      Long badExamples)
      implements StageResult {
    @Override
    public Map<String, StageArtifact> outputs() {
      return Map.of("statistics", statistics);
    }

    @Override
    public Map<String, String> properties() {
      Map<String, String> properties = new LinkedHashMap<>();
      splits.forEach((split, n) -> properties.put("examples." + split, Long.toString(n)));
      return properties;
    }

    @Override
    public Map<String, String> outputProperties(String output) {
      Map<String, String> properties = new LinkedHashMap<>(properties());
      if (span != null) {
        properties.put("span", span.toString());
      }
      return properties;
    }

    @Override
    public String summary() {
      return String.format("%,d examples", splits.values().stream().mapToLong(n -> n).sum());
    }
  }

  private final StageArtifact.Examples examples;
  private final RawInput input;

  private StatisticsStage(StageArtifact.Examples examples, RawInput input, Settings settings) {
    super(NAME, settings, Result.class);
    this.examples = examples;
    this.input = input;
  }

  /** Statistics of each split of an examples artifact. */
  public static StatisticsStage of(StageArtifact.Examples examples, Settings settings) {
    return new StatisticsStage(examples, null, settings);
  }

  /** Statistics of raw data files, per split when the input has splits. */
  public static StatisticsStage of(RawInput input, Settings settings) {
    input.checkSplitFeature();
    return new StatisticsStage(null, input, settings);
  }

  @Override
  public Map<String, StageArtifact> inputs() {
    return examples == null ? Map.of() : Map.of("examples", examples);
  }

  @Override
  public List<String> fingerprints() throws IOException {
    List<String> fingerprints = new ArrayList<>();
    if (input != null) {
      fingerprints.add(input.spec().resolve("all").fingerprint());
    }
    if (settings().recordValidation() != null) {
      fingerprints.add(ContentDigest.sha256(settings().recordValidation().schema()));
    }
    return fingerprints;
  }

  @Override
  public List<Path> reads() throws IOException {
    List<Path> reads = new ArrayList<>(input == null ? List.of() : input.files());
    if (settings().recordValidation() != null) {
      reads.add(settings().recordValidation().schema());
    }
    return reads;
  }

  @Override
  public Result run(StageContext context) throws IOException {
    Path output = context.directory();
    StatisticsJob.Config config =
        examples != null
            ? StatisticsJob.Config.ofExamples(examples.path(), output)
            : StatisticsJob.Config.ofInput(input.spec(), output);
    config =
        config
            .withOptions(settings().options())
            .withOverwrite(context.overwrite())
            .withMaxBadFraction(settings().maxBadFraction())
            .withAcceptPartialFiles(settings().acceptPartialFiles());
    RecordValidation validation = settings().recordValidation();
    if (validation != null) {
      config =
          config.withRecordValidation(
              SchemaFiles.read(validation.schema()), validation.environment());
    }
    StatisticsJob.Result result =
        StatisticsJob.run(config, context.beamOptions(NAME), context.log());
    Map<String, Long> splits = new LinkedHashMap<>();
    result.manifest().splits().forEach(split -> splits.put(split.name(), split.examples()));
    return new Result(
        new StageArtifact.Statistics(output),
        examples == null ? null : IngestStage.span(ExamplesManifest.read(examples.path())),
        splits,
        result.manifest().recordsIn(),
        result.manifest().deadLetterCount(),
        result.manifest().recordsLost(),
        result.manifest().badExampleCount());
  }
}
