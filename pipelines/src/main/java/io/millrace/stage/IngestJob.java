package io.millrace.stage;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.examples.ExamplesManifest;
import io.millrace.ingest.BadInputPolicy;
import io.millrace.ingest.ExampleFormat;
import io.millrace.ingest.FileDamage;
import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.InputException;
import io.millrace.ingest.ReadTally;
import io.millrace.ingest.RejectedInput;
import io.millrace.record.ExampleSchema;
import io.millrace.split.Splits;
import io.millrace.transforms.IngestExamples;
import io.millrace.transforms.ReadExamples;
import io.millrace.transforms.io.BadRecordDirectories;
import io.millrace.transforms.io.CommitShards;
import io.millrace.transforms.io.ExampleFiles;
import io.millrace.transforms.io.InputSpec;
import io.millrace.transforms.io.ShardCounts;
import io.millrace.transforms.io.Storage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The ingestion stage as one job: resolve and fingerprint the input, read it into examples, split
 * them, and write an examples artifact (Avro per split, dead letters as JSON lines, {@code
 * manifest.json}) atomically.
 *
 * <p>The run fails, and nothing is committed, when an input file is damaged (unless partial files
 * are accepted) or more than {@link Config#maxBadFraction()} of the records are dead letters or
 * lost; the dead letters and a report are kept in {@code <output>.rejected} (see {@link
 * RejectedInput}) and named in the error, and the staged examples are deleted.
 */
public final class IngestJob {
  public static final String DEAD_LETTER_DIR = BadRecordDirectories.DEAD_LETTER_DIR;
  private static final String COUNTS_DIR = ".counts";

  /** Damaged input files found by the workers, as JSON lines; the manifest lists them. */
  private static final String DAMAGE_DIR = BadRecordDirectories.DAMAGE_DIR;

  private static final ObjectMapper JSON = new ObjectMapper();

  private IngestJob() {}

  /** What to ingest and how. Immutable. */
  public static final class Config {
    private final InputSpec input;
    private final Path output;
    private final boolean overwrite;
    private final BadInputPolicy policy;

    private Config(InputSpec input, Path output, boolean overwrite, BadInputPolicy policy) {
      this.input = input;
      this.output = output;
      this.overwrite = overwrite;
      this.policy = policy;
    }

    /** Ingests the files matching one pattern, divided by hash splits (default train=2,eval=1). */
    public static Config of(String pattern, Path output) {
      return of(InputSpec.of(pattern, Splits.trainEval()), output);
    }

    /** Ingests one pattern per split, e.g. {@code train -> a/*.csv, eval -> b/*.csv}. */
    public static Config ofSplits(Map<String, String> splitPatterns, Path output) {
      return of(InputSpec.ofSplits(splitPatterns), output);
    }

    public static Config of(InputSpec input, Path output) {
      return new Config(input, output, false, BadInputPolicy.defaults());
    }

    public Config withSpans(long first, long last) {
      return withInput(input.withSpans(first, last));
    }

    public Config withFormat(ExampleFormat format) {
      return withInput(input.withFormat(format));
    }

    public Config withFormatOptions(FormatOptions formatOptions) {
      return withInput(input.withFormatOptions(formatOptions));
    }

    public Config withSplits(Splits splits) {
      return withInput(input.withSplits(splits));
    }

    public Config withInput(InputSpec input) {
      return new Config(input, output, overwrite, policy);
    }

    public Config withOverwrite(boolean overwrite) {
      return new Config(input, output, overwrite, policy);
    }

    /** The largest fraction of records that may be dead letters or lost before the run fails. */
    public Config withMaxBadFraction(double fraction) {
      return new Config(input, output, overwrite, policy.withMaxBadFraction(fraction));
    }

    /**
     * Whether the readable records of damaged (cut-off or corrupt) files may be committed; by
     * default a damaged file fails the run. Lost records count toward the bad fraction either way.
     */
    public Config withAcceptPartialFiles(boolean accept) {
      return new Config(input, output, overwrite, policy.withAcceptPartialFiles(accept));
    }

    public InputSpec input() {
      return input;
    }

    public double maxBadFraction() {
      return policy.maxBadFraction();
    }

    public BadInputPolicy policy() {
      return policy;
    }

    public Path output() {
      return output;
    }
  }

  /**
   * Runs the job and commits the artifact.
   *
   * @param log where progress is reported
   * @return the committed manifest
   * @throws InputException when the input cannot be matched or read, or too many records are bad
   */
  public static ExamplesManifest run(Config config, PipelineOptions options, PrintWriter log)
      throws IOException {
    InputSpec.Resolved resolved = config.input.resolve("all");
    List<InputSpec.Group> groups = resolved.groups();
    ReadExamples.Plan plan = resolved.plan();
    ExampleSchema schema = resolved.schema();
    List<MatchResult.Metadata> allFiles = resolved.files();
    long bytes = allFiles.stream().mapToLong(MatchResult.Metadata::sizeBytes).sum();
    for (InputSpec.Group g : groups) {
      if (g.input().span() != null) {
        log.printf(
            "%s: span %d%s%n",
            g.input().pattern(),
            g.input().span(),
            g.input().version() == null ? "" : ", version " + g.input().version());
      }
    }
    log.printf(
        "Reading %d %s file(s), %.1f MB, %d features%n",
        allFiles.size(), plan.format(), bytes / 1e6, schema.size());
    log.flush();

    List<ExamplesManifest.InputGroup> inputGroups = resolved.inputGroups();

    ArtifactDirectory artifact =
        ArtifactDirectory.begin(config.output, config.overwrite, ExamplesManifest.KIND);
    Path staging = artifact.staging();
    List<String> splitNames = resolved.splitNames();
    Pipeline pipeline = Storage.newPipeline(options);
    pipeline
        .apply("Ingest", IngestExamples.from(ExampleFiles.of(resolved)).to(staging))
        .apply("Counts", ShardCounts.writeTo(staging.resolve(COUNTS_DIR)));

    long started = System.nanoTime();
    JobRuns.run(pipeline, "ingestion", artifact::abandon);
    double seconds = (System.nanoTime() - started) / 1e9;

    Map<String, CommitShards.Written> committed =
        ShardCounts.readCommitted(staging.resolve(COUNTS_DIR));
    CommitShards.Written deadLetters = committed.get(DEAD_LETTER_DIR);
    long deadLetterCount = deadLetters == null ? 0 : deadLetters.records();
    List<FileDamage> damages = ReadTally.readDamages(staging.resolve(DAMAGE_DIR));
    ArtifactDirectory.deleteRecursively(staging.resolve(DAMAGE_DIR));
    long examples = 0;
    List<ExamplesManifest.Split> splits = new ArrayList<>();
    for (String name : splitNames) {
      CommitShards.Written written = committed.get(name);
      long n = written == null ? 0 : written.records();
      examples += n;
      Integer buckets = resolved.splits() == null ? null : resolved.splits().buckets().get(name);
      splits.add(
          new ExamplesManifest.Split(
              name,
              buckets,
              n,
              name + "/part-*.avro",
              ExamplesManifest.shards(name, written == null ? List.of() : written.shards())));
    }
    ReadTally tally = new ReadTally(examples, deadLetterCount, damages);
    long recordsIn = tally.recordsIn();
    log.printf(
        "Read %,d records in %.1f s (%,.0f records/s): %,d examples, %,d dead letters%s%n",
        recordsIn,
        seconds,
        recordsIn / Math.max(seconds, 1e-9),
        examples,
        deadLetterCount,
        damages.isEmpty()
            ? ""
            : String.format(
                ", %s lost in %d damaged file(s)", tally.lostText(), tally.damagedFiles()));
    log.flush();

    RejectedInput.throwIfRejected(config.policy, tally, artifact, List.of(DEAD_LETTER_DIR));

    ExamplesManifest manifest =
        new ExamplesManifest(
            ExamplesManifest.LAYOUT,
            Instant.now().toString(),
            RunnerName.of(options),
            new ExamplesManifest.Input(plan.format().name(), resolved.fingerprint(), inputGroups),
            ExamplesManifest.features(schema),
            resolved.splits() == null ? null : resolved.splits().hashFeature(),
            splits,
            recordsIn,
            deadLetterCount,
            DEAD_LETTER_DIR + "/part-*.jsonl",
            tally.recordsLost(),
            damages);
    manifest.writeTo(staging);
    artifact.commit();
    return manifest;
  }
}
