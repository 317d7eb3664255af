package io.millrace.stage;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.util.JsonFormat;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.ArtifactKind;
import io.millrace.artifact.PathNames;
import io.millrace.examples.ExampleJson;
import io.millrace.examples.ExamplesAvroFormatReader;
import io.millrace.examples.ExamplesManifest;
import io.millrace.ingest.BadInputPolicy;
import io.millrace.ingest.DeadLetter;
import io.millrace.ingest.ExampleSink;
import io.millrace.ingest.FileDamage;
import io.millrace.ingest.FormatReader;
import io.millrace.ingest.InputException;
import io.millrace.ingest.ReadTally;
import io.millrace.ingest.RejectedInput;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.report.StatisticsReport;
import io.millrace.split.Splits;
import io.millrace.stats.StatisticsAccumulation;
import io.millrace.stats.StatisticsAccumulator;
import io.millrace.stats.StatisticsOptions;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.tfmd.Schema;
import io.millrace.transforms.AccumulationCombineFn;
import io.millrace.transforms.ReadExamples;
import io.millrace.transforms.coders.AccumulatorCoder;
import io.millrace.transforms.coders.ProtoMessageCoder;
import io.millrace.transforms.io.BeamSourceFile;
import io.millrace.transforms.io.CommitShards;
import io.millrace.transforms.io.ExamplesArtifact;
import io.millrace.transforms.io.InputSpec;
import io.millrace.transforms.io.ShardCounts;
import io.millrace.transforms.io.ShardWriter;
import io.millrace.validate.ExampleValidator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * The statistics stage as one job: statistics of every split of raw data files or of an ingested
 * examples artifact, in one pass, written as a statistics artifact: per split {@code stats.pb}
 * (TFMD {@code DatasetFeatureStatisticsList}, binary, as TFDV's {@code load_statistics} reads it)
 * and {@code stats.json} (its proto3 JSON), plus {@code manifest.json}; committed atomically.
 *
 * <p>Each file range is read straight into per-split accumulators in one step, and only the
 * accumulators (kilobytes) travel to the combine: no runner buffers the records themselves.
 */
public final class StatisticsJob {
  public static final String STATS_FILE = "stats.pb";
  public static final String STATS_JSON_FILE = "stats.json";
  public static final String DEAD_LETTER_DIR = "dead-letter";
  public static final String REPORT_FILE = "report.html";
  public static final String BAD_EXAMPLES_DIR = "bad-examples";
  private static final String COUNTS_DIR = ".counts";

  /** Damaged input files found by the workers, as JSON lines; the manifest lists them. */
  private static final String DAMAGE_DIR = ".damaged-files";

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .setSerializationInclusion(JsonInclude.Include.ALWAYS);

  private StatisticsJob() {}

  /** What to compute statistics of, and how. Immutable. */
  public static final class Config {
    private final InputSpec input;
    private final Path examples;
    private final Path output;
    private final StatisticsOptions options;
    private final boolean overwrite;
    private final BadInputPolicy policy;
    private final RecordValidation recordValidation;

    private Config(
        InputSpec input,
        Path examples,
        Path output,
        StatisticsOptions options,
        boolean overwrite,
        BadInputPolicy policy,
        RecordValidation recordValidation) {
      this.input = input;
      this.examples = examples;
      this.output = output;
      this.options = options;
      this.overwrite = overwrite;
      this.policy = policy;
      this.recordValidation = recordValidation;
    }

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
      return new Config(
          input,
          examples,
          output,
          options,
          overwrite,
          policy.withMaxBadFraction(fraction),
          recordValidation);
    }

    /**
     * Whether statistics may be computed from the readable records of damaged input files; by
     * default a damaged file fails the run. Lost records count toward the bad fraction either way.
     */
    public Config withAcceptPartialFiles(boolean accept) {
      return new Config(
          input,
          examples,
          output,
          options,
          overwrite,
          policy.withAcceptPartialFiles(accept),
          recordValidation);
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

    public Path output() {
      return output;
    }

    public StatisticsOptions options() {
      return options;
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
      return JSON.readValue(directory.resolve(FILE_NAME).toFile(), Manifest.class);
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
  private record RecordValidation(Schema schema, String environment) {}

  /** A source of one or more splits: files, how to read them, and how records map to splits. */
  private record Source(
      String step, List<MatchResult.Metadata> files, Splits splits, List<String> splitNames) {}

  /**
   * Runs the job and commits the artifact.
   *
   * @throws InputException when the input cannot be matched or read, or too many records are bad
   */
  public static Result run(Config config, PipelineOptions options, PrintWriter log)
      throws IOException {
    List<Source> sources = new ArrayList<>();
    List<String> splitNames = new ArrayList<>();
    ExampleSchema schema;
    FormatReader reader;
    String sourceText;
    String fingerprint;
    if (config.examples != null) {
      ExamplesArtifact examples = ExamplesArtifact.open(config.examples);
      schema = examples.schema();
      reader = new ExamplesAvroFormatReader(schema);
      for (ExamplesManifest.Split split : examples.manifest().splits()) {
        sources.add(
            new Source(
                "-" + split.name(),
                examples.fileMetadata(split.name()),
                null,
                List.of(split.name())));
        splitNames.add(split.name());
      }
      sourceText = examples.directory().toAbsolutePath().normalize().toString();
      fingerprint = examples.manifest().input().fingerprint();
    } else {
      InputSpec.Resolved resolved = config.input.resolve("all");
      schema = resolved.schema();
      reader = resolved.reader();
      for (InputSpec.Group g : resolved.groups()) {
        sources.add(
            new Source(
                g.split() == null ? "" : "-" + g.split(),
                g.input().files(),
                g.split() == null ? resolved.splits() : null,
                resolved.splitsOf(g)));
      }
      splitNames.addAll(resolved.splitNames());
      List<String> patterns = new ArrayList<>();
      resolved.groups().forEach(g -> patterns.add(g.input().pattern()));
      sourceText = String.join(", ", patterns);
      fingerprint = resolved.fingerprint();
      log.printf(
          "Reading %d %s file(s), %.1f MB, %d features%n",
          resolved.files().size(),
          resolved.plan().format(),
          resolved.sizeBytes() / 1e6,
          schema.size());
    }
    log.flush();

    ArtifactDirectory artifact =
        ArtifactDirectory.begin(config.output, config.overwrite, Manifest.KIND);
    Path staging = artifact.staging();
    String deadLetterDir = staging.resolve(DEAD_LETTER_DIR).toString();
    String damageDir = staging.resolve(DAMAGE_DIR).toString();
    ExampleValidator validator =
        config.recordValidation == null
            ? null
            : ExampleValidator.of(
                config.recordValidation.schema(), schema, config.recordValidation.environment());
    String badExamplesDir = validator == null ? null : staging.resolve(BAD_EXAMPLES_DIR).toString();
    Pipeline pipeline = Pipeline.create(options);
    StatisticsOptions statsOptions = config.options;

    List<PCollection<KV<String, StatisticsAccumulator>>> partials = new ArrayList<>();
    List<PCollection<ShardWriter.Shard>> shards = new ArrayList<>();
    for (Source source : sources) {
      ReadAccumulateFn fn =
          new ReadAccumulateFn(
              reader,
              schema,
              statsOptions,
              source.splits(),
              source.splitNames(),
              deadLetterDir,
              damageDir,
              validator,
              badExamplesDir);
      PCollectionTuple read =
          ReadExamples.fileParts(pipeline, source.step(), source.files(), reader, schema)
              .apply(
                  "ReadAndAccumulate" + source.step(),
                  ParDo.of(fn)
                      .withOutputTags(
                          ReadAccumulateFn.PARTIALS, TupleTagList.of(ReadAccumulateFn.SHARDS)));
      partials.add(
          read.get(ReadAccumulateFn.PARTIALS)
              .setCoder(
                  KvCoder.of(
                      StringUtf8Coder.of(),
                      AccumulatorCoder.of(new StatisticsAccumulation(schema, statsOptions)))));
      shards.add(read.get(ReadAccumulateFn.SHARDS));
    }
    PCollectionList.of(partials)
        .apply("AllPartials", Flatten.pCollections())
        .apply(
            "MergePerSplit",
            Combine.perKey(
                AccumulationCombineFn.of(
                        new StatisticsAccumulation(schema, statsOptions).ofStates())
                    .withOutputCoder(ProtoMessageCoder.of(DatasetFeatureStatisticsList.class))))
        .apply("WriteStatistics", ParDo.of(new WriteStatisticsFn(staging.toString())));
    PCollectionList.of(shards)
        .apply("AllShards", Flatten.pCollections())
        .apply(
            "CommitShards",
            CommitShards.in(
                badExamplesDir == null
                    ? List.of(deadLetterDir, damageDir)
                    : List.of(deadLetterDir, damageDir, badExamplesDir)))
        .apply("Counts", ShardCounts.writeTo(staging.resolve(COUNTS_DIR)));

    long started = System.nanoTime();
    PipelineResult.State state = pipeline.run().waitUntilFinish();
    if (state != PipelineResult.State.DONE) {
      artifact.abandon();
      throw new IOException("the statistics pipeline ended in state " + state);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    Map<String, Long> counts = ShardCounts.read(staging.resolve(COUNTS_DIR));
    long deadLetters = counts.getOrDefault(DEAD_LETTER_DIR, 0L);
    long badExamples = counts.getOrDefault(BAD_EXAMPLES_DIR, 0L);
    List<FileDamage> damages = ReadTally.readDamages(staging.resolve(DAMAGE_DIR));
    ArtifactDirectory.deleteRecursively(staging.resolve(DAMAGE_DIR));

    Map<String, DatasetFeatureStatisticsList> statistics = new LinkedHashMap<>();
    List<Manifest.SplitFile> splitFiles = new ArrayList<>();
    long examples = 0;
    for (String split : splitNames) {
      Path file = staging.resolve(split).resolve(STATS_FILE);
      DatasetFeatureStatisticsList stats;
      if (Files.exists(file)) {
        stats = DatasetFeatureStatisticsList.parseFrom(Files.readAllBytes(file));
      } else {
        // A split no record went to still gets (empty) statistics, so validation can flag it.
        stats = StatisticsAccumulator.create(schema, statsOptions).toProto();
        writeStatistics(staging.resolve(split), stats);
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
    RejectedInput.throwIfRejected(config.policy, tally, artifact, List.of(DEAD_LETTER_DIR));
    Manifest manifest =
        new Manifest(
            Manifest.LAYOUT,
            Instant.now().toString(),
            options.getRunner().getSimpleName(),
            sourceText,
            fingerprint,
            ExamplesManifest.features(schema),
            splitFiles,
            recordsIn,
            deadLetters,
            validator == null ? null : badExamples,
            statsOptions.toString(),
            tally.recordsLost(),
            damages);
    StatisticsReport.writeHtml(
        staging.resolve(REPORT_FILE), "Statistics of " + sourceText, statistics, null);
    ArtifactDirectory.writeAtomically(
        staging.resolve(Manifest.FILE_NAME), JSON.writeValueAsBytes(manifest));
    artifact.commit();
    return new Result(artifact.target(), manifest, statistics);
  }

  /** Writes {@code stats.pb} and {@code stats.json} of one split into a directory. */
  static void writeStatistics(Path directory, DatasetFeatureStatisticsList stats)
      throws IOException {
    Files.createDirectories(directory);
    ArtifactDirectory.writeAtomically(directory.resolve(STATS_FILE), stats.toByteArray());
    ArtifactDirectory.writeAtomically(
        directory.resolve(STATS_JSON_FILE),
        JsonFormat.printer().print(stats).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Reads a part of an input file into one statistics accumulator per split, kept across the bundle
   * and emitted when it finishes; dead letters go to a shard of the dead-letter directory.
   */
  private static final class ReadAccumulateFn
      extends DoFn<ReadExamples.FilePart, KV<String, StatisticsAccumulator>> {
    private static final long serialVersionUID = 1L;
    static final TupleTag<KV<String, StatisticsAccumulator>> PARTIALS =
        new TupleTag<KV<String, StatisticsAccumulator>>("partials") {};

    /** Shards of dead letters and of bad examples. */
    static final TupleTag<ShardWriter.Shard> SHARDS = new TupleTag<ShardWriter.Shard>("shards") {};

    private final FormatReader reader;
    private final ExampleSchema schema;
    private final StatisticsOptions options;
    private final Splits splits;
    private final List<String> splitNames;
    private final String deadLetterDirectory;
    private final String damageDirectory;
    private final ExampleValidator validator;
    private final String badExamplesDirectory;
    private transient Splits.Assigner assigner;
    private transient StatisticsAccumulator[] accumulators;
    private transient ShardWriter<String> deadLetterWriter;
    private transient ShardWriter<String> damageWriter;
    private transient ShardWriter<String> badExampleWriter;

    ReadAccumulateFn(
        FormatReader reader,
        ExampleSchema schema,
        StatisticsOptions options,
        Splits splits,
        List<String> splitNames,
        String deadLetterDirectory,
        String damageDirectory,
        ExampleValidator validator,
        String badExamplesDirectory) {
      this.reader = reader;
      this.schema = schema;
      this.options = options;
      this.splits = splits;
      this.splitNames = splitNames;
      this.deadLetterDirectory = deadLetterDirectory;
      this.damageDirectory = damageDirectory;
      this.validator = validator;
      this.badExamplesDirectory = badExamplesDirectory;
    }

    @StartBundle
    public void start() {
      if (splits != null && assigner == null) {
        assigner = splits.assigner(schema);
      }
      accumulators = new StatisticsAccumulator[splitNames.size()];
      deadLetterWriter = new ShardWriter<>(deadLetterDirectory, ".jsonl", TextIO.sink());
      damageWriter = new ShardWriter<>(damageDirectory, ".jsonl", TextIO.sink());
      if (validator != null) {
        badExampleWriter = new ShardWriter<>(badExamplesDirectory, ".jsonl", TextIO.sink());
      }
    }

    @ProcessElement
    public void process(@Element ReadExamples.FilePart part) throws IOException {
      ShardWriter.Guard output = new ShardWriter.Guard();
      reader.read(
          new BeamSourceFile(part.file()),
          part.range(),
          schema,
          new ExampleSink() {
            @Override
            public void accept(Example example) {
              int split = assigner == null ? 0 : assigner.assign(example);
              StatisticsAccumulator acc = accumulators[split];
              if (acc == null) {
                acc = StatisticsAccumulator.create(schema, options);
                accumulators[split] = acc;
              }
              acc.add(example);
              if (validator != null) {
                List<String> violations = validator.violations(example);
                if (!violations.isEmpty()) {
                  output.write(
                      badExampleWriter,
                      badExampleJson(part.file().resourceId().toString(), example, violations));
                }
              }
            }

            @Override
            public void reject(DeadLetter deadLetter) {
              output.write(deadLetterWriter, deadLetter.toJson());
            }

            @Override
            public void damaged(FileDamage damage) {
              output.write(damageWriter, damage.toJson());
            }
          });
      output.throwIfFailed(
          "cannot write the dead letters or bad examples of " + part.file().resourceId());
    }

    @FinishBundle
    public void finish(FinishBundleContext context) throws IOException {
      for (int i = 0; i < accumulators.length; i++) {
        if (accumulators[i] != null) {
          context.output(
              KV.of(splitNames.get(i), accumulators[i]),
              GlobalWindow.INSTANCE.maxTimestamp(),
              GlobalWindow.INSTANCE);
        }
      }
      for (ShardWriter<String> writer :
          Arrays.asList(deadLetterWriter, damageWriter, badExampleWriter)) {
        ShardWriter.Shard shard = writer == null ? null : writer.finish();
        if (shard != null) {
          context.output(
              SHARDS, shard, GlobalWindow.INSTANCE.maxTimestamp(), GlobalWindow.INSTANCE);
        }
      }
    }
  }

  /** A bad example as one JSON line: where it came from, what is wrong, and its values. */
  static String badExampleJson(String source, Example example, List<String> violations) {
    ObjectNode node = JSON.createObjectNode();
    node.put("source", source);
    ArrayNode reasons = node.putArray("violations");
    violations.forEach(reasons::add);
    node.set("features", ExampleJson.toJson(example));
    return node.toString();
  }

  /** Writes each split's final statistics into the staging directory. */
  private static final class WriteStatisticsFn
      extends DoFn<KV<String, DatasetFeatureStatisticsList>, Void> {
    private static final long serialVersionUID = 1L;
    private final String staging;

    WriteStatisticsFn(String staging) {
      this.staging = staging;
    }

    @ProcessElement
    public void process(@Element KV<String, DatasetFeatureStatisticsList> split)
        throws IOException {
      writeStatistics(Path.of(staging, split.getKey()), split.getValue());
    }
  }
}
