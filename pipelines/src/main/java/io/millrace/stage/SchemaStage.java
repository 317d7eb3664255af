package io.millrace.stage;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.millrace.artifact.ContentDigest;
import io.millrace.schema.InferenceOptions;
import io.millrace.schema.SchemaFiles;
import io.millrace.schema.SchemaInference;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.tfmd.Feature;
import io.millrace.tfmd.FeatureType;
import io.millrace.tfmd.Schema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The schema: inferred from the statistics of the training split (TFDV's {@code infer_schema}),
 * with drift comparators added on request, or a curated schema file read as it is.
 */
public final class SchemaStage extends AbstractStage<SchemaStage.Settings, SchemaStage.Result> {
  public static final String NAME = "schema";

  /** The file name of the schema in a pipeline's stage directory. */
  public static final String FILE = "schema.pbtxt";

  /**
   * @param curated a curated schema file instead of inference (its content, not its place, is in
   *     the cache key); null: inferred
   * @param split the split to infer from; null: train when there is one, else the only split
   * @param maxDomainSize string features with at most this many values get a domain; null: 100
   * @param inferRanges also infer numeric ranges; null: no
   * @param drift drift comparator thresholds added to an inferred schema, by feature
   */
  public record Settings(
      @JsonIgnore Path curated,
      String split,
      Integer maxDomainSize,
      Boolean inferRanges,
      Map<String, Double> drift) {
    public Settings {
      drift = drift == null ? Map.of() : Map.copyOf(new TreeMap<>(drift));
    }

    public static Settings inferred(
        String split, Integer maxDomainSize, Boolean inferRanges, Map<String, Double> drift) {
      return new Settings(null, split, maxDomainSize, inferRanges, drift);
    }

    public static Settings curated(Path file) {
      return new Settings(file, null, null, null, null);
    }

    /** In the key in place of the curated file's place. */
    @JsonProperty("fromCuratedFile")
    public boolean isCurated() {
      return curated != null;
    }
  }

  /** The schema written, and how many features it has. */
  public record Result(StageArtifact.Schema schema, boolean curated, int features, int domains)
      implements StageResult {
    @Override
    public Map<String, StageArtifact> outputs() {
      return Map.of("schema", schema);
    }

    @Override
    public Map<String, String> properties() {
      return Map.of("features", Integer.toString(features));
    }

    @Override
    public Map<String, String> outputProperties(String output) {
      return properties();
    }

    @Override
    public String summary() {
      return (curated ? "curated, " : "inferred, ") + features + " features";
    }
  }

  private final StageArtifact.Statistics statistics;
  private final String fileName;

  private SchemaStage(StageArtifact.Statistics statistics, Settings settings, String fileName) {
    super(NAME, settings, Result.class);
    this.statistics = statistics;
    this.fileName = fileName;
  }

  /**
   * The schema as {@code settings} say, written as {@code fileName} in the stage's directory.
   *
   * @param statistics what to infer from; ignored (and not an input) for a curated schema
   */
  public static SchemaStage of(
      StageArtifact.Statistics statistics, Settings settings, String fileName) {
    return new SchemaStage(settings.isCurated() ? null : statistics, settings, fileName);
  }

  /** A curated schema does not depend on the statistics: only on the file's content. */
  @Override
  public Map<String, StageArtifact> inputs() {
    return statistics == null ? Map.of() : Map.of("statistics", statistics);
  }

  @Override
  public List<String> fingerprints() throws IOException {
    return settings().isCurated() ? List.of(ContentDigest.sha256(settings().curated())) : List.of();
  }

  @Override
  public List<Path> reads() {
    return settings().isCurated() ? List.of(settings().curated()) : List.of();
  }

  @Override
  public List<Path> targets(Path directory) {
    return List.of(directory.resolve(fileName));
  }

  @Override
  public Result run(StageContext context) throws IOException {
    Path file = context.directory().resolve(fileName);
    if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      if (!context.overwrite()) {
        throw new IllegalStateException(
            file + " exists (a curated schema?); choose another output or pass --overwrite");
      }
      if (!isSchemaFile(file)) {
        throw new IllegalStateException(
            file
                + " is not a schema text file: --overwrite replaces only a schema, so nothing was"
                + " written; choose another output");
      }
    }
    Schema schema = settings().isCurated() ? SchemaFiles.read(settings().curated()) : infer();
    SchemaFiles.write(schema, file);
    return new Result(
        new StageArtifact.Schema(file),
        settings().isCurated(),
        schema.getFeatureCount(),
        schema.getStringDomainCount());
  }

  private Schema infer() throws IOException {
    InferenceOptions inference = InferenceOptions.defaults();
    if (settings().maxDomainSize() != null) {
      inference = inference.withMaxStringDomainSize(settings().maxDomainSize());
    }
    if (settings().inferRanges() != null) {
      inference = inference.withInferNumericRanges(settings().inferRanges());
    }
    DatasetFeatureStatisticsList train =
        settings().split() != null
            ? StatisticsInputs.load(statistics.path(), settings().split()).get(settings().split())
            : StatisticsInputs.one(statistics.path(), "train");
    return withDriftComparators(SchemaInference.create(inference).infer(train), settings().drift());
  }

  /** The inferred schema with the drift comparators asked for. */
  static Schema withDriftComparators(Schema schema, Map<String, Double> drift) {
    Schema.Builder builder = schema.toBuilder();
    for (Map.Entry<String, Double> threshold : drift.entrySet()) {
      Feature.Builder feature =
          builder.getFeatureBuilderList().stream()
              .filter(f -> f.getName().equals(threshold.getKey()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "schema.drift names feature '"
                              + threshold.getKey()
                              + "', which the data does not have"));
      if (feature.getType() == FeatureType.BYTES) {
        feature
            .getDriftComparatorBuilder()
            .getInfinityNormBuilder()
            .setThreshold(threshold.getValue());
      } else {
        feature
            .getDriftComparatorBuilder()
            .getJensenShannonDivergenceBuilder()
            .setThreshold(threshold.getValue());
      }
    }
    return builder.build();
  }

  private static boolean isSchemaFile(Path file) {
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    try {
      SchemaFiles.read(file);
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
