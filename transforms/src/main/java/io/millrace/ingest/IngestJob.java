package io.millrace.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.CommitShards;
import io.millrace.artifact.ShardWriter;
import io.millrace.artifact.WriteShards;
import io.millrace.examples.ExampleAvroSink;
import io.millrace.examples.ExamplesManifest;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.split.Splits;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MetadataCoderV2;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * The ingestion stage as one job: resolve and fingerprint the input, read it into examples, split
 * them, and write an examples artifact (Avro per split, dead letters as JSON lines, {@code
 * manifest.json}) atomically.
 *
 * <p>The run fails, and nothing is committed, when more than {@link Config#maxBadFraction()} of the
 * records are dead letters; the staged dead letters are kept for inspection and named in the error.
 */
public final class IngestJob {
  public static final String DEAD_LETTER_DIR = "dead-letter";
  private static final String COUNTS_DIR = ".counts";
  private static final String DEAD_LETTER_KEY = "\u0000dead-letter";
  private static final ObjectMapper JSON = new ObjectMapper();

  private IngestJob() {}

  /** What to ingest and how. Immutable. */
  public static final class Config {
    private final List<String> patterns;
    private final Map<String, String> splitPatterns;
    private final Long firstSpan;
    private final Long lastSpan;
    private final ExampleFormat format;
    private final FormatOptions formatOptions;
    private final Splits splits;
    private final Path output;
    private final boolean overwrite;
    private final double maxBadFraction;

    private Config(
        List<String> patterns,
        Map<String, String> splitPatterns,
        Long firstSpan,
        Long lastSpan,
        ExampleFormat format,
        FormatOptions formatOptions,
        Splits splits,
        Path output,
        boolean overwrite,
        double maxBadFraction) {
      this.patterns = patterns;
      this.splitPatterns = splitPatterns;
      this.firstSpan = firstSpan;
      this.lastSpan = lastSpan;
      this.format = format;
      this.formatOptions = formatOptions;
      this.splits = splits;
      this.output = output;
      this.overwrite = overwrite;
      this.maxBadFraction = maxBadFraction;
    }

    /** Ingests the files matching one pattern, divided by hash splits (default train=2,eval=1). */
    public static Config of(String pattern, Path output) {
      return new Config(
          List.of(pattern),
          Map.of(),
          null,
          null,
          null,
          FormatOptions.defaults(),
          Splits.trainEval(),
          output,
          false,
          0.01);
    }

    /** Ingests one pattern per split, e.g. {@code train -> a/*.csv, eval -> b/*.csv}. */
    public static Config ofSplits(Map<String, String> splitPatterns, Path output) {
      if (splitPatterns.isEmpty()) {
        throw new IllegalArgumentException("no split patterns given");
      }
      return new Config(
          List.of(),
          new LinkedHashMap<>(splitPatterns),
          null,
          null,
          null,
          FormatOptions.defaults(),
          null,
          output,
          false,
          0.01);
    }

    public Config withSpans(long first, long last) {
      return new Config(
          patterns,
          splitPatterns,
          first,
          last,
          format,
          formatOptions,
          splits,
          output,
          overwrite,
          maxBadFraction);
    }

    public Config withFormat(ExampleFormat format) {
      return new Config(
          patterns,
          splitPatterns,
          firstSpan,
          lastSpan,
          format,
          formatOptions,
          splits,
          output,
          overwrite,
          maxBadFraction);
    }

    public Config withFormatOptions(FormatOptions formatOptions) {
      return new Config(
          patterns,
          splitPatterns,
          firstSpan,
          lastSpan,
          format,
          formatOptions,
          splits,
          output,
          overwrite,
          maxBadFraction);
    }

    public Config withSplits(Splits splits) {
      if (!splitPatterns.isEmpty()) {
        throw new IllegalArgumentException(
            "splits are given as separate input patterns; hash splits do not apply");
      }
      return new Config(
          patterns,
          splitPatterns,
          firstSpan,
          lastSpan,
          format,
          formatOptions,
          splits,
          output,
          overwrite,
          maxBadFraction);
    }

    public Config withOverwrite(boolean overwrite) {
      return new Config(
          patterns,
          splitPatterns,
          firstSpan,
          lastSpan,
          format,
          formatOptions,
          splits,
          output,
          overwrite,
          maxBadFraction);
    }

    /** The largest fraction of records that may be dead letters before the run fails. */
    public Config withMaxBadFraction(double fraction) {
      if (!(fraction >= 0 && fraction <= 1)) {
        throw new IllegalArgumentException("max bad fraction must be in [0, 1], not " + fraction);
      }
      return new Config(
          patterns,
          splitPatterns,
          firstSpan,
          lastSpan,
          format,
          formatOptions,
          splits,
          output,
          overwrite,
          fraction);
    }

    public double maxBadFraction() {
      return maxBadFraction;
    }

    public Path output() {
      return output;
    }
  }

  /** A resolved input pattern and the split it fills (null: divided by hash splits). */
  private record Group(String split, ResolvedInput input) {}

  /**
   * Runs the job and commits the artifact.
   *
   * @param log where progress is reported
   * @return the committed manifest
   * @throws InputException when the input cannot be matched or read, or too many records are bad
   */
  public static ExamplesManifest run(Config config, PipelineOptions options, PrintWriter log)
      throws IOException {
    List<Group> groups = resolve(config);
    List<MatchResult.Metadata> allFiles = new ArrayList<>();
    groups.forEach(g -> allFiles.addAll(g.input().files()));
    ReadExamples.Plan plan =
        ReadExamples.from(new ResolvedInput("", null, null, allFiles))
            .withFormat(config.format)
            .withFormatOptions(config.formatOptions)
            .plan();
    ExampleSchema schema = plan.schema();
    if (config.splits != null) {
      config.splits.validate(schema);
    }
    long bytes = allFiles.stream().mapToLong(MatchResult.Metadata::sizeBytes).sum();
    for (Group g : groups) {
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

    List<ExamplesManifest.InputGroup> inputGroups = new ArrayList<>();
    for (Group g : groups) {
      List<ExamplesManifest.InputFile> files = new ArrayList<>();
      for (ResolvedInput.FileFingerprint f : g.input().fingerprint()) {
        files.add(new ExamplesManifest.InputFile(f.path(), f.sizeBytes(), f.sha256()));
      }
      inputGroups.add(
          new ExamplesManifest.InputGroup(
              g.split(), g.input().pattern(), g.input().span(), g.input().version(), files));
    }

    ArtifactDirectory artifact = ArtifactDirectory.begin(config.output, config.overwrite);
    Path staging = artifact.staging();
    Pipeline pipeline = Pipeline.create(options);
    List<String> splitNames = new ArrayList<>();
    if (config.splits != null) {
      splitNames.addAll(config.splits.names());
    } else {
      groups.forEach(g -> splitNames.add(g.split()));
    }
    Map<String, String> keyOfDirectory = new LinkedHashMap<>();
    splitNames.forEach(name -> keyOfDirectory.put(staging.resolve(name).toString(), name));
    String deadLetterDir = staging.resolve(DEAD_LETTER_DIR).toString();
    keyOfDirectory.put(deadLetterDir, DEAD_LETTER_KEY);

    FormatReader reader = plan.format().reader(config.formatOptions);
    List<PCollection<ShardWriter.Shard>> shards = new ArrayList<>();
    for (Group g : groups) {
      String step = g.split() == null ? "" : "-" + g.split();
      List<String> directories = new ArrayList<>();
      for (String name : g.split() == null ? splitNames : List.of(g.split())) {
        directories.add(staging.resolve(name).toString());
      }
      shards.add(
          pipeline
              .apply(
                  "ListFiles" + step, Create.of(g.input().files()).withCoder(MetadataCoderV2.of()))
              .apply(
                  "SplitFiles" + step,
                  ParDo.of(new ReadExamples.SplitFileFn(reader, ReadExamples.DEFAULT_RANGE_BYTES)))
              .apply("SpreadParts" + step, Reshuffle.viaRandomKey())
              .apply(
                  "ReadSplitWrite" + step,
                  ParDo.of(
                      new ReadSplitWriteFn(
                          reader,
                          schema,
                          g.split() == null ? config.splits : null,
                          directories,
                          deadLetterDir))));
    }
    PCollectionList.of(shards)
        .apply("AllShards", Flatten.pCollections())
        .apply("CommitShards", CommitShards.in(new ArrayList<>(keyOfDirectory.keySet())))
        .apply(
            "CountLines",
            MapElements.into(TypeDescriptors.strings())
                .via(
                    (CommitShards.Written w) ->
                        keyOfDirectory.get(w.directory()) + "\t" + w.records()))
        .apply(
            "WriteCounts",
            WriteShards.to(staging.resolve(COUNTS_DIR).toString(), ".tsv", TextIO.sink()));

    long started = System.nanoTime();
    PipelineResult result = pipeline.run();
    PipelineResult.State state = result.waitUntilFinish();
    if (state != PipelineResult.State.DONE) {
      artifact.abandon();
      throw new IOException("the ingestion pipeline ended in state " + state);
    }
    double seconds = (System.nanoTime() - started) / 1e9;

    Map<String, Long> counted = readCounts(staging.resolve(COUNTS_DIR));
    ArtifactDirectory.deleteRecursively(staging.resolve(COUNTS_DIR));
    long deadLetterCount = counted.getOrDefault(DEAD_LETTER_KEY, 0L);
    long examples = 0;
    List<ExamplesManifest.Split> splits = new ArrayList<>();
    for (String name : splitNames) {
      long n = counted.getOrDefault(name, 0L);
      examples += n;
      Integer buckets = config.splits == null ? null : config.splits.buckets().get(name);
      splits.add(new ExamplesManifest.Split(name, buckets, n, name + "/part-*.avro"));
    }
    long recordsIn = examples + deadLetterCount;
    log.printf(
        "Read %,d records in %.1f s (%,.0f records/s): %,d examples, %,d dead letters%n",
        recordsIn, seconds, recordsIn / Math.max(seconds, 1e-9), examples, deadLetterCount);
    log.flush();

    double badFraction = recordsIn == 0 ? 0 : (double) deadLetterCount / recordsIn;
    if (badFraction > config.maxBadFraction) {
      throw new InputException(
          String.format(
              "%,d of %,d records (%.2f%%) could not be read, more than --max-bad-fraction %s"
                  + " allows; nothing was committed to %s. The dead letters, with file, record,"
                  + " field and reason, are in %s",
              deadLetterCount,
              recordsIn,
              100 * badFraction,
              config.maxBadFraction,
              artifact.target(),
              staging.resolve(DEAD_LETTER_DIR)));
    }

    ExamplesManifest manifest =
        new ExamplesManifest(
            ExamplesManifest.LAYOUT,
            Instant.now().toString(),
            options.getRunner().getSimpleName(),
            new ExamplesManifest.Input(plan.format().name(), fingerprint(inputGroups), inputGroups),
            ExamplesManifest.features(schema),
            config.splits == null ? null : config.splits.hashFeature(),
            splits,
            recordsIn,
            deadLetterCount,
            DEAD_LETTER_DIR + "/part-*.jsonl");
    manifest.writeTo(staging);
    artifact.commit();
    return manifest;
  }

  private static List<Group> resolve(Config config) throws IOException {
    List<Group> groups = new ArrayList<>();
    if (config.splitPatterns.isEmpty()) {
      groups.add(new Group(null, pattern(config, config.patterns.get(0)).resolve()));
    } else {
      for (Map.Entry<String, String> e : config.splitPatterns.entrySet()) {
        groups.add(new Group(e.getKey(), pattern(config, e.getValue()).resolve()));
      }
    }
    return groups;
  }

  private static InputPattern pattern(Config config, String pattern) {
    InputPattern p = InputPattern.of(pattern);
    return config.firstSpan == null ? p : p.spans(config.firstSpan, config.lastSpan);
  }

  private static Map<String, Long> readCounts(Path dir) throws IOException {
    Map<String, Long> counts = new HashMap<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "part-*")) {
      for (Path file : files) {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          int tab = line.lastIndexOf('\t');
          counts.merge(line.substring(0, tab), Long.parseLong(line.substring(tab + 1)), Long::sum);
        }
      }
    }
    return counts;
  }

  /** SHA-256 over each file's name, size and content hash, in sorted order. */
  static String fingerprint(List<ExamplesManifest.InputGroup> groups) {
    TreeSet<String> lines = new TreeSet<>();
    for (ExamplesManifest.InputGroup g : groups) {
      for (ExamplesManifest.InputFile f : g.files()) {
        String name = f.path().substring(f.path().lastIndexOf('/') + 1);
        lines.add(
            (g.split() == null ? "" : g.split())
                + "\t"
                + name
                + "\t"
                + f.sizeBytes()
                + "\t"
                + f.sha256());
      }
    }
    Hasher sha = Hashing.sha256().newHasher();
    lines.forEach(l -> sha.putString(l + "\n", StandardCharsets.UTF_8));
    return sha.hash().toString();
  }

  /**
   * Reads a part of an input file and writes each example straight into the shard file of its
   * split, and each dead letter into a dead-letter shard. Fusing the three steps keeps every runner
   * from buffering the data between them: the DirectRunner holds a step's whole output in memory
   * until the next step takes it, and ran out of a 1 GB heap on a 5M-row file.
   */
  private static final class ReadSplitWriteFn
      extends DoFn<ReadExamples.FilePart, ShardWriter.Shard> {
    private static final long serialVersionUID = 1L;
    private final FormatReader reader;
    private final ExampleSchema schema;
    private final Splits splits;
    private final List<String> splitDirectories;
    private final String deadLetterDirectory;
    private transient Splits.Assigner assigner;
    private transient List<ShardWriter<Example>> splitWriters;
    private transient ShardWriter<String> deadLetterWriter;

    /**
     * @param splits hash splits over {@code splitDirectories}, or null when there is one split
     */
    ReadSplitWriteFn(
        FormatReader reader,
        ExampleSchema schema,
        Splits splits,
        List<String> splitDirectories,
        String deadLetterDirectory) {
      this.reader = reader;
      this.schema = schema;
      this.splits = splits;
      this.splitDirectories = splitDirectories;
      this.deadLetterDirectory = deadLetterDirectory;
    }

    @StartBundle
    public void start() {
      if (splits != null && assigner == null) {
        assigner = splits.assigner(schema);
      }
      splitWriters = new ArrayList<>();
      for (String directory : splitDirectories) {
        splitWriters.add(new ShardWriter<>(directory, ".avro", new ExampleAvroSink(schema)));
      }
      deadLetterWriter = new ShardWriter<>(deadLetterDirectory, ".jsonl", TextIO.sink());
    }

    /**
     * A failure to write output must fail the bundle, not reach the reader: readers turn exceptions
     * into dead letters that blame the input. So the sink keeps the first failure, writes nothing
     * more, and it is thrown once the read returns; the retried bundle starts new shards.
     */
    @ProcessElement
    public void process(@Element ReadExamples.FilePart part) throws IOException {
      IOException[] failure = new IOException[1];
      reader.read(
          new BeamSourceFile(part.file()),
          part.range(),
          schema,
          new ExampleSink() {
            @Override
            public void accept(Example example) {
              int split = assigner == null ? 0 : assigner.assign(example);
              write(splitWriters.get(split), example);
            }

            @Override
            public void reject(DeadLetter deadLetter) {
              write(deadLetterWriter, toJson(deadLetter));
            }

            private <T> void write(ShardWriter<T> writer, T element) {
              if (failure[0] != null) {
                return;
              }
              try {
                writer.write(element);
              } catch (IOException e) {
                failure[0] = e;
              }
            }
          });
      if (failure[0] != null) {
        throw new IOException(
            "cannot write the examples of " + part.file().resourceId(), failure[0]);
      }
    }

    @FinishBundle
    public void finish(FinishBundleContext context) throws IOException {
      List<ShardWriter<?>> writers = new ArrayList<>(splitWriters);
      writers.add(deadLetterWriter);
      for (ShardWriter<?> writer : writers) {
        ShardWriter.Shard shard = writer.finish();
        if (shard != null) {
          context.output(shard, GlobalWindow.INSTANCE.maxTimestamp(), GlobalWindow.INSTANCE);
        }
      }
    }
  }

  private static String toJson(DeadLetter d) {
    ObjectNode node = JSON.createObjectNode();
    node.put("source", d.source());
    node.put("record", d.recordNumber());
    node.put("field", d.field());
    node.put("reason", d.reason());
    node.put("raw", d.raw());
    return node.toString();
  }
}
