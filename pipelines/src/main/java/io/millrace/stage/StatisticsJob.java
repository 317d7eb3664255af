package io.millrace.stage;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.ArtifactKind;
import io.millrace.artifact.PathNames;
import io.millrace.examples.ExamplesManifest;
import io.millrace.ingest.BadInputPolicy;
import io.millrace.ingest.FileDamage;
import io.millrace.ingest.InputException;
import io.millrace.ingest.ReadTally;
import io.millrace.ingest.RejectedInput;
import io.millrace.record.ExampleSchema;
import io.millrace.report.StatisticsReport;
import io.millrace.stats.StatisticsAccumulation;
import io.millrace.stats.StatisticsFiles;
import io.millrace.stats.StatisticsOptions;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.tfmd.Schema;
import io.millrace.transforms.GenerateStatistics;
import io.millrace.transforms.WriteStatistics;
import io.millrace.transforms.io.BadRecordDirectories;
import io.millrace.transforms.io.CommitShards;
import io.millrace.transforms.io.ExampleFiles;
import io.millrace.transforms.io.ExamplesArtifact;
import io.millrace.transforms.io.InputSpec;
import io.millrace.transforms.io.ShardCounts;
import io.millrace.transforms.io.Storage;
import io.millrace.validate.ExampleValidator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.values.PCollection;

/**
 * The statistics stage as one job: statistics of every split of raw data files or of an ingested
 * examples artifact, in one pass, written as a statistics artifact: per split {@code stats.pb}
 * (TFMD {@code DatasetFeatureStatisticsList}, binary, as TFDV's {@code load_statistics} reads it)
 * and {@code stats.json} (its proto3 JSON), plus {@code manifest.json}; committed atomically.
 *
 * <p>The Beam work is {@link GenerateStatistics#fromFiles} (each file range read straight into
 * per-split statistics states, only the states travel to the combine) and {@link WriteStatistics};
 * this class resolves the input, counts and judges the bad records, and writes the manifest and the
 * report.
 */
public final class StatisticsJob {
  public static final String STATS_FILE = StatisticsFiles.STATS_FILE;
  public static final String STATS_JSON_FILE = StatisticsFiles.STATS_JSON_FILE;
  public static final String DEAD_LETTER_DIR = BadRecordDirectories.DEAD_LETTER_DIR;
  public static final String REPORT_FILE = "report.html";
  public static final String BAD_EXAMPLES_DIR = GenerateStatistics.FromFiles.BAD_EXAMPLES_DIR;
  private static final String COUNTS_DIR = ".counts";

  /** Damaged input files found by the workers, as JSON lines; the manifest lists them. */
  private static final String DAMAGE_DIR = BadRecordDirectories.DAMAGE_DIR;

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .setSerializationInclusion(JsonInclude.Include.ALWAYS);

  private StatisticsJob() {}

  /**
   * What to compute statistics of, and how.
   *
   * @param input raw data files, per split when the input defines splits (or null)
   * @param examples an examples artifact written by {@code millrace ingest} (or null)
   * @param policy when bad or lost records fail the run
   * @param recordValidation the schema every record is also checked against (or null)
   */
  public record Config(
      InputSpec input,
      Path examples,
      Path output,
      StatisticsOptions options,
      boolean overwrite,
      BadInputPolicy policy,
      RecordValidation recordValidation) {

    /** Statistics of raw data files, per split when the input defines splits. */
    public static Config ofInput(InputSpec input, Path output) {
      return new Config(
          input,
          null,
          output,
          StatisticsOptions.defaults(),
          false,
          BadInputPolicy.defaults(),
          null);
    }

    /** Statistics of each split of an examples artifact written by {@code millrace ingest}. */
    public static Config ofExamples(Path examples, Path output) {
      return new Config(
          null,
          examples,
          output,
          StatisticsOptions.defaults(),
          false,
          BadInputPolicy.defaults(),
          null);
    }

    public Config withOptions(StatisticsOptions options) {
      return new Config(input, examples, output, options, overwrite, policy, recordValidation);
    }

    public Config withOverwrite(boolean overwrite) {
      return new Config(input, examples, output, options, overwrite, policy, recordValidation);
    }

    /** The largest fraction of records that may be dead letters or lost before the run fails. */
    public Config withMaxBadFraction(double fraction) {
      return withPolicy(policy.withMaxBadFraction(fraction));
    }

    /**
     * Whether statistics may be computed from the readable records of damaged input files; by
     * default a damaged file fails the run. Lost records count toward the bad fraction either way.
     */
    public Config withAcceptPartialFiles(boolean accept) {
      return withPolicy(policy.withAcceptPartialFiles(accept));
    }

    private Config withPolicy(BadInputPolicy policy) {
      return new Config(input, examples, output, options, overwrite, policy, recordValidation);
    }

    /**
     * Also checks every example against a schema and writes the ones that violate it, with the
     * reasons, to {@code bad-examples/}: for debugging what the statistics-level anomalies
     * summarize.
     */
    public Config withRecordValidation(Schema schema, String environment) {
      return new Config(
          input,
          examples,
          output,
          options,
          overwrite,
          policy,
          new RecordValidation(schema, environment));
    }
  }

  /**
   * What a statistics artifact holds, as {@code manifest.json}.
   *
   * @param source the raw input patterns, or the examples artifact the statistics are of
   * @param inputFingerprint the fingerprint of the data (the examples artifact's input fingerprint
   *     when computed from one), linking these statistics to the exact data they describe
   * @param splits each split's name, example count and statistics file relative to the artifact
   * @param recordsIn examples + dead letters + records lost
   * @param recordsLost records in damaged parts of input files (only when partial files were
   *     accepted)
   * @param damagedFiles each damaged part of an input file: where, records lost and why
   */
  public record Manifest(
      String layout,
      String createdAt,
      String runner,
      String source,
      String inputFingerprint,
      List<ExamplesManifest.Feature> features,
      List<SplitFile> splits,
      long recordsIn,
      long deadLetterCount,
      Long badExampleCount,
      String options,
      long recordsLost,
      List<FileDamage> damagedFiles) {
    public Manifest {
      damagedFiles = damagedFiles == null ? List.of() : List.copyOf(damagedFiles);
    }

    public static final String FILE_NAME = "manifest.json";
    public static final String LAYOUT = "millrace-statistics/1 (TFMD DatasetFeatureStatisticsList)";

    /** What {@code --overwrite} of a statistics output may replace. */
    public static final ArtifactKind KIND =
        ArtifactKind.withLayout("a statistics artifact", FILE_NAME, "millrace-statistics/");

    public record SplitFile(String name, long examples, String statistics, String json) {}

    static Manifest read(Path directory) throws IOException {
      return JSON.readValue(Files.readAllBytes(directory.resolve(FILE_NAME)), Manifest.class);
    }
  }

  /** A committed statistics artifact: its manifest and the statistics of each split. */
  public record Result(
      Path directory, Manifest manifest, Map<String, DatasetFeatureStatisticsList> statistics) {
    /** Opens a committed artifact. */
    public static Result open(Path directory) throws IOException {
      Manifest manifest = Manifest.read(directory);
      Map<String, DatasetFeatureStatisticsList> statistics = new LinkedHashMap<>();
      for (Manifest.SplitFile split : manifest.splits()) {
        try {
          PathNames.requireSegment("split name", split.name());
        } catch (IllegalArgumentException e) {
          throw new IOException(directory.resolve(Manifest.FILE_NAME) + ": " + e.getMessage(), e);
        }
        statistics.put(
            split.name(),
            DatasetFeatureStatisticsList.parseFrom(
                Files.readAllBytes(
                    PathNames.resolveInside(
                        directory,
                        split.statistics(),
                        "statistics file of split " + split.name()))));
      }
      return new Result(directory, manifest, statistics);
    }
  }

  /** The schema (and environment) to check each record against. */
  public record RecordValidation(Schema schema, String environment) {}

  /** What the statistics are of: the files, how the manifest names them, their fingerprint. */
  private record Source(ExampleFiles files, String text, String fingerprint) {}

  /**
   * Runs the job and commits the artifact.
   *
   * @throws InputException when the input cannot be matched or read, or too many records are bad
   */
  public static Result run(Config config, PipelineOptions options, PrintWriter log)
      throws IOException {
    Pipeline pipeline = Storage.newPipeline(options);
    Planned planned = plan(config, pipeline, "", log);
    long started = System.nanoTime();
    JobRuns.run(pipeline, "statistics", planned::abandon);
    return planned.finish((System.nanoTime() - started) / 1e9, options, log);
  }

  /**
   * Adds the job's steps to {@code pipeline}, which may hold other work too (the transform stage
   * computes statistics in its analyze and materialize jobs): one job fewer per artifact. The
   * caller runs the pipeline, then {@link Planned#finish}es or {@link Planned#abandon}s.
   *
   * @param prefix distinguishes these steps' names from the pipeline's other steps
   */
  public static Planned plan(Config config, Pipeline pipeline, String prefix, PrintWriter log)
      throws IOException {
    return plan(config, source(config, log), null, pipeline, prefix);
  }

  /**
   * {@link #plan} of the examples artifact {@code config.examples()} that {@code pipeline} itself
   * writes: each split's statistics read its shards as soon as they are committed into {@code
   * shards/<split>} (the artifact's manifest is written after the run).
   *
   * @param files the artifact's reader, schema and splits (their file lists are not used)
   * @param inputFingerprint the fingerprint of the data the artifact holds
   * @param shards where the pipeline commits each split's shards (the artifact's staging)
   */
  public static Planned planOfCommitted(
      Config config,
      ExampleFiles files,
      String inputFingerprint,
      PCollection<CommitShards.Written> committed,
      Path shards,
      Pipeline pipeline,
      String prefix)
      throws IOException {
    Source source =
        new Source(
            files, config.examples().toAbsolutePath().normalize().toString(), inputFingerprint);
    return plan(
        config,
        source,
        GenerateStatistics.fromCommitted(files, committed, shards),
        pipeline,
        prefix);
  }

  private static Planned plan(
      Config config,
      Source source,
      GenerateStatistics.FromFiles read,
      Pipeline pipeline,
      String prefix)
      throws IOException {
    ExampleSchema schema = source.files().schema();
    ArtifactDirectory artifact =
        ArtifactDirectory.begin(config.output(), config.overwrite(), Manifest.KIND);
    Path staging = artifact.staging();
    ExampleValidator validator =
        config.recordValidation() == null
            ? null
            : ExampleValidator.of(
                config.recordValidation().schema(),
                schema,
                config.recordValidation().environment());
    GenerateStatistics.FromFiles.Result computed =
        pipeline.apply(
            prefix + "Statistics",
            (read == null ? GenerateStatistics.fromFiles(source.files()) : read)
                .withOptions(config.options())
                .withRecordValidation(validator)
                .writingBadRecordsTo(staging));
    computed.statistics().apply(prefix + "WriteStatistics", WriteStatistics.to(staging));
    computed
        .badRecords()
        .apply(prefix + "Counts", ShardCounts.writeTo(staging.resolve(COUNTS_DIR)));
    return new Planned(config, source, artifact, validator);
  }

  /** A statistics job's steps in a pipeline: what commits the artifact once it ran. */
  public static final class Planned {
    private final Config config;
    private final Source source;
    private final ArtifactDirectory artifact;
    private final ExampleValidator validator;

    private Planned(
        Config config, Source source, ArtifactDirectory artifact, ExampleValidator validator) {
      this.config = config;
      this.source = source;
      this.artifact = artifact;
      this.validator = validator;
    }

    /** The pipeline failed or was not run: nothing is committed. */
    public void abandon() throws IOException {
      artifact.abandon();
    }

    /**
     * Commits the artifact of a pipeline that succeeded.
     *
     * @param seconds how long the pipeline ran
     */
    public Result finish(double seconds, PipelineOptions options, PrintWriter log)
        throws IOException {
      return commit(config, source, artifact, validator, seconds, options, log);
    }
  }

  private static Result commit(
      Config config,
      Source source,
      ArtifactDirectory artifact,
      ExampleValidator validator,
      double seconds,
      PipelineOptions options,
      PrintWriter log)
      throws IOException {
    ExampleSchema schema = source.files().schema();
    Path staging = artifact.staging();
    Map<String, Long> counts = ShardCounts.read(staging.resolve(COUNTS_DIR));
    long deadLetters = counts.getOrDefault(DEAD_LETTER_DIR, 0L);
    List<FileDamage> damages = ReadTally.readDamages(staging.resolve(DAMAGE_DIR));
    ArtifactDirectory.deleteRecursively(staging.resolve(DAMAGE_DIR));

    Map<String, DatasetFeatureStatisticsList> statistics = new LinkedHashMap<>();
    List<Manifest.SplitFile> splitFiles = new ArrayList<>();
    long examples = 0;
    for (String split : source.files().splitNames()) {
      Path directory = staging.resolve(split);
      DatasetFeatureStatisticsList stats;
      if (Files.exists(directory.resolve(STATS_FILE))) {
        stats = StatisticsFiles.read(directory);
      } else {
        // A split no record went to still gets (empty) statistics, so validation can flag it.
        stats = new StatisticsAccumulation(schema, config.options()).create().toProto();
        StatisticsFiles.write(directory, stats);
      }
      statistics.put(split, stats);
      long n = stats.getDatasets(0).getNumExamples();
      examples += n;
      splitFiles.add(
          new Manifest.SplitFile(
              split, n, split + "/" + STATS_FILE, split + "/" + STATS_JSON_FILE));
    }
    ReadTally tally = new ReadTally(examples, deadLetters, damages);
    long recordsIn = tally.recordsIn();
    log.printf(
        "Computed statistics of %,d records in %.1f s (%,.0f records/s): %,d examples, %,d dead"
            + " letters%s%n",
        recordsIn,
        seconds,
        recordsIn / Math.max(seconds, 1e-9),
        examples,
        deadLetters,
        damages.isEmpty()
            ? ""
            : String.format(
                ", %s lost in %d damaged file(s)", tally.lostText(), tally.damagedFiles()));
    log.flush();
    RejectedInput.throwIfRejected(config.policy(), tally, artifact, List.of(DEAD_LETTER_DIR));
    Manifest manifest =
        new Manifest(
            Manifest.LAYOUT,
            Instant.now().toString(),
            RunnerName.of(options),
            source.text(),
            source.fingerprint(),
            ExamplesManifest.features(schema),
            splitFiles,
            recordsIn,
            deadLetters,
            validator == null ? null : counts.getOrDefault(BAD_EXAMPLES_DIR, 0L),
            config.options().toString(),
            tally.recordsLost(),
            damages);
    StatisticsReport.writeHtml(
        staging.resolve(REPORT_FILE), "Statistics of " + source.text(), statistics, null);
    ArtifactDirectory.writeAtomically(
        staging.resolve(Manifest.FILE_NAME), JSON.writeValueAsBytes(manifest));
    artifact.commit();
    return new Result(artifact.target(), manifest, statistics);
  }

  /** The files of the examples artifact's splits, or the raw input resolved. */
  private static Source source(Config config, PrintWriter log) throws IOException {
    if (config.examples() != null) {
      ExamplesArtifact examples = ExamplesArtifact.open(config.examples());
      return new Source(
          ExampleFiles.of(examples),
          examples.directory().toAbsolutePath().normalize().toString(),
          examples.manifest().input().fingerprint());
    }
    InputSpec.Resolved resolved = config.input().resolve("all");
    log.printf(
        "Reading %d %s file(s), %.1f MB, %d features%n",
        resolved.files().size(),
        resolved.plan().format(),
        resolved.sizeBytes() / 1e6,
        resolved.schema().size());
    log.flush();
    List<String> patterns = new ArrayList<>();
    resolved.groups().forEach(g -> patterns.add(g.input().pattern()));
    return new Source(
        ExampleFiles.of(resolved), String.join(", ", patterns), resolved.fingerprint());
  }
}
