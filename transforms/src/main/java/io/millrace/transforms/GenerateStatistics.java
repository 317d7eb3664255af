package io.millrace.transforms;

import io.millrace.accumulate.Accumulation;
import io.millrace.artifact.ShardFile;
import io.millrace.artifact.StoragePaths;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.stats.StatisticsAccumulation;
import io.millrace.stats.StatisticsAccumulator;
import io.millrace.stats.StatisticsOptions;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.transforms.coders.AccumulatorCoder;
import io.millrace.transforms.coders.ExampleCoder;
import io.millrace.transforms.coders.ProtoMessageCoder;
import io.millrace.transforms.io.BadRecordDirectories;
import io.millrace.transforms.io.CommitShards;
import io.millrace.transforms.io.ExampleFiles;
import io.millrace.transforms.io.ShardWriter;
import io.millrace.validate.ExampleValidator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PInput;
import org.apache.beam.sdk.values.POutput;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Computes TFDV's per-feature statistics of a collection of examples in one pass, as one {@code
 * DatasetFeatureStatisticsList} ("All Examples" and a data set per slice).
 *
 * <pre>{@code
 * PCollection<DatasetFeatureStatisticsList> stats =
 *     examples.apply(GenerateStatistics.create().withSlice("payment_type"));
 * }</pre>
 *
 * <p>The example schema is taken from the input's {@link ExampleCoder}, or given with {@link
 * #withSchema}. {@link #fromFiles} computes the statistics of every split of input files with the
 * reading fused in, the shape the statistics stage runs. Every statistic is a mergeable accumulator
 * ({@link StatisticsAccumulator}), so the work is spread over workers by Beam's combiner lifting;
 * {@link #perKey()} computes statistics per split (or any key) in the same pass.
 */
public final class GenerateStatistics
    extends PTransform<PCollection<Example>, PCollection<DatasetFeatureStatisticsList>> {
  private static final long serialVersionUID = 1L;

  private final StatisticsOptions options;
  private final ExampleSchema schema;

  private GenerateStatistics(StatisticsOptions options, ExampleSchema schema) {
    this.options = options;
    this.schema = schema;
  }

  public static GenerateStatistics create() {
    return new GenerateStatistics(StatisticsOptions.defaults(), null);
  }

  /**
   * Statistics per key, e.g. per split: {@code KV<split, example>} in, {@code KV<split, stats>}.
   */
  public static PerKey perKey() {
    return new PerKey(StatisticsOptions.defaults(), null);
  }

  public GenerateStatistics withOptions(StatisticsOptions options) {
    return new GenerateStatistics(options, schema);
  }

  public GenerateStatistics withSlice(String... features) {
    return withOptions(options.withSlice(features));
  }

  public GenerateStatistics withWeightFeature(String feature) {
    return withOptions(options.withWeightFeature(feature));
  }

  public GenerateStatistics withSchema(ExampleSchema schema) {
    return new GenerateStatistics(options, schema);
  }

  @Override
  public PCollection<DatasetFeatureStatisticsList> expand(PCollection<Example> examples) {
    ExampleSchema resolved = schemaOf(schema, examples.getCoder());
    return examples
        .apply("AllOneKey", WithKeys.of(""))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), examples.getCoder()))
        .apply("Statistics", new PerKey(options, resolved))
        .apply("DropKey", Values.create())
        .setCoder(ProtoMessageCoder.of(DatasetFeatureStatisticsList.class));
  }

  private static ExampleSchema schemaOf(ExampleSchema given, Coder<?> coder) {
    if (given != null) {
      return given;
    }
    if (coder instanceof ExampleCoder exampleCoder) {
      return exampleCoder.schema();
    }
    throw new IllegalArgumentException(
        "GenerateStatistics needs the example schema: the input's coder is "
            + coder
            + ", not an ExampleCoder; give the schema with withSchema(...)");
  }

  /** {@link GenerateStatistics} per key. */
  public static final class PerKey
      extends PTransform<
          PCollection<KV<String, Example>>, PCollection<KV<String, DatasetFeatureStatisticsList>>> {
    private static final long serialVersionUID = 1L;
    private final StatisticsOptions options;
    private final ExampleSchema schema;

    private PerKey(StatisticsOptions options, ExampleSchema schema) {
      this.options = options;
      this.schema = schema;
    }

    public PerKey withOptions(StatisticsOptions options) {
      return new PerKey(options, schema);
    }

    public PerKey withSchema(ExampleSchema schema) {
      return new PerKey(options, schema);
    }

    @Override
    public PCollection<KV<String, DatasetFeatureStatisticsList>> expand(
        PCollection<KV<String, Example>> examples) {
      Coder<?> valueCoder = ((KvCoder<?, ?>) examples.getCoder()).getValueCoder();
      ExampleSchema resolved = schemaOf(schema, valueCoder);
      PCollection<KV<String, DatasetFeatureStatisticsList>> onePass =
          examples
              .apply(
                  "CombineStatisticsPerKey",
                  Combine.perKey(combineFn(new StatisticsAccumulation(resolved, options))))
              .setCoder(
                  KvCoder.of(
                      StringUtf8Coder.of(),
                      ProtoMessageCoder.of(DatasetFeatureStatisticsList.class)));
      RecountTopValues.Counter counter = new RecountTopValues.Counter(resolved, options);
      return RecountTopValues.exact(
          onePass,
          view ->
              examples.apply(
                  "CountSketchedValues",
                  ParDo.of(new RecountTopValues.CountKeyedFn(counter, view)).withSideInputs(view)),
          options);
    }
  }

  /**
   * Statistics of every split of input files, read and accumulated in one step per file range (the
   * fused, fast shape of {@link ReadExamples} then {@link #perKey()}): see {@link FromFiles}.
   */
  public static FromFiles fromFiles(ExampleFiles files) {
    return new FromFiles(files, StatisticsOptions.defaults(), null, null, null);
  }

  /**
   * Statistics per split of shards the same pipeline commits (e.g. {@link MaterializeTransform}'s
   * output): each group of {@code files} (whose file lists are not used) reads the shards committed
   * into its split's directory, as {@link #fromFiles} reads them once committed. Computing them in
   * the writing job saves a job.
   */
  public static FromFiles fromCommitted(
      ExampleFiles files, PCollection<CommitShards.Written> committed, Path directory) {
    return new FromFiles(
        files,
        StatisticsOptions.defaults(),
        null,
        null,
        new Committed(committed, directory.toString()));
  }

  /** Shards committed in the same pipeline, each group's under {@code directory/<split>}. */
  private record Committed(PCollection<CommitShards.Written> written, String directory) {}

  /** The committed shards of one directory, as the file metadata a read starts from. */
  private static final class CommittedFilesFn
      extends DoFn<CommitShards.Written, MatchResult.Metadata> {
    private static final long serialVersionUID = 1L;
    private final String directory;

    CommittedFilesFn(String directory) {
      this.directory = directory;
    }

    @ProcessElement
    public void process(
        @Element CommitShards.Written written, OutputReceiver<MatchResult.Metadata> out) {
      if (!written.directory().equals(directory)) {
        return;
      }
      // From what the commit recorded: a match would ask the store for each file's head again.
      for (ShardFile shard : written.shards()) {
        out.output(
            MatchResult.Metadata.builder()
                .setResourceId(
                    FileSystems.matchNewResource(
                        StoragePaths.of(directory).resolve(shard.name()).toString(), false))
                .setSizeBytes(shard.sizeBytes())
                .setIsReadSeekEfficient(true)
                .setLastModifiedMillis(0)
                .build());
      }
    }
  }

  /**
   * Statistics per split of input files, each file range read straight into a statistics state per
   * split: only the states travel to the combine, no runner buffers the records. Records that
   * cannot be read and damaged parts of files are written under {@link #writingBadRecordsTo}'s
   * directory ({@code dead-letter/}, {@code .damaged-files/}), or fail the run without one; with
   * {@link #withRecordValidation} every record is also checked against a schema and the violating
   * ones go to {@code bad-examples/} with the reasons.
   *
   * <pre>{@code
   * GenerateStatistics.FromFiles.Result r =
   *     pipeline.apply(GenerateStatistics.fromFiles(files).withOptions(options)
   *         .writingBadRecordsTo(dir));
   * r.statistics().apply(WriteStatistics.to(dir));   // KV<split, DatasetFeatureStatisticsList>
   * }</pre>
   *
   * <p>A split no record went to has no statistics in the output.
   */
  public static final class FromFiles extends PTransform<PBegin, FromFiles.Result> {
    private static final long serialVersionUID = 1L;
    public static final String BAD_EXAMPLES_DIR = "bad-examples";
    private final transient ExampleFiles files;
    private final StatisticsOptions options;
    private final ExampleValidator validator;
    private final String badRecordsDirectory;
    private final transient Committed committed;

    private FromFiles(
        ExampleFiles files,
        StatisticsOptions options,
        ExampleValidator validator,
        String badRecordsDirectory,
        Committed committed) {
      this.files = files;
      this.options = options;
      this.validator = validator;
      this.badRecordsDirectory = badRecordsDirectory;
      this.committed = committed;
    }

    public FromFiles withOptions(StatisticsOptions options) {
      return new FromFiles(files, options, validator, badRecordsDirectory, committed);
    }

    /** Also checks every record with {@code validator}; needs {@link #writingBadRecordsTo}. */
    public FromFiles withRecordValidation(ExampleValidator validator) {
      return new FromFiles(files, options, validator, badRecordsDirectory, committed);
    }

    /** The directory under which dead letters, damages and bad examples are written. */
    public FromFiles writingBadRecordsTo(Path directory) {
      return new FromFiles(files, options, validator, directory.toString(), committed);
    }

    @Override
    public Result expand(PBegin begin) {
      if (validator != null && badRecordsDirectory == null) {
        throw new IllegalStateException(
            "record validation writes bad examples: give a directory with writingBadRecordsTo");
      }
      Pipeline pipeline = begin.getPipeline();
      StatisticsAccumulation accumulation = new StatisticsAccumulation(files.schema(), options);
      BadRecordDirectories badRecords =
          badRecordsDirectory == null ? null : BadRecordDirectories.under(badRecordsDirectory);
      String badExamples =
          validator == null
              ? null
              : StoragePaths.of(badRecordsDirectory).resolve(BAD_EXAMPLES_DIR).toString();
      TupleTag<KV<String, StatisticsAccumulator>> statesTag = new TupleTag<>() {};
      TupleTag<ShardWriter.Shard> shardsTag = new TupleTag<>() {};
      PCollectionList<KV<String, StatisticsAccumulator>> states = PCollectionList.empty(pipeline);
      PCollectionList<ShardWriter.Shard> shards = PCollectionList.empty(pipeline);
      List<PCollection<ReadExamples.FilePart>> partsOfGroups = new ArrayList<>();
      for (ExampleFiles.Group group : files.groups()) {
        PCollection<ReadExamples.FilePart> parts =
            committed == null
                ? FusedReadFn.parts(pipeline, files, group)
                : ReadExamples.fileParts(
                    committed
                        .written()
                        .apply(
                            "CommittedFiles" + group.step(),
                            ParDo.of(
                                new CommittedFilesFn(
                                    StoragePaths.of(committed.directory())
                                        .resolve(group.split())
                                        .toString()))),
                    group.step(),
                    files.reader(),
                    files.schema());
        partsOfGroups.add(parts);
        PCollectionTuple read =
            parts.apply(
                "ReadAndAccumulate" + group.step(),
                ParDo.of(
                        new AccumulateStatisticsFn(
                            files,
                            files.hashSplitsOf(group),
                            files.splitsOf(group),
                            accumulation,
                            validator,
                            badExamples,
                            badRecords,
                            statesTag,
                            shardsTag))
                    .withOutputTags(statesTag, TupleTagList.of(shardsTag)));
        states =
            states.and(
                read.get(statesTag)
                    .setCoder(KvCoder.of(StringUtf8Coder.of(), AccumulatorCoder.of(accumulation))));
        shards = shards.and(read.get(shardsTag));
      }
      PCollection<KV<String, DatasetFeatureStatisticsList>> onePass =
          states
              .apply("AllStates", Flatten.pCollections())
              .apply("MergePerSplit", Combine.perKey(combineFn(accumulation.ofStates())));
      RecountTopValues.Counter counter = new RecountTopValues.Counter(files.schema(), options);
      PCollection<KV<String, DatasetFeatureStatisticsList>> statistics =
          RecountTopValues.exact(
              onePass,
              view -> {
                PCollectionList<KV<String, KV<String, Long>>> counted =
                    PCollectionList.empty(pipeline);
                for (int g = 0; g < files.groups().size(); g++) {
                  ExampleFiles.Group group = files.groups().get(g);
                  TupleTag<KV<String, KV<String, Long>>> countedTag = new TupleTag<>() {};
                  counted =
                      counted.and(
                          partsOfGroups
                              .get(g)
                              .apply(
                                  "CountSketchedValues" + group.step(),
                                  ParDo.of(
                                          new RecountTopValues.CountPartFn(
                                              files,
                                              files.hashSplitsOf(group),
                                              files.splitsOf(group),
                                              counter,
                                              view,
                                              countedTag))
                                      .withOutputTags(countedTag, TupleTagList.empty())
                                      .withSideInputs(view))
                              .get(countedTag));
                }
                return counted.apply("AllCounted", Flatten.pCollections());
              },
              options);
      List<String> directories = new ArrayList<>();
      if (badRecords != null) {
        directories.addAll(badRecords.both());
      }
      if (badExamples != null) {
        directories.add(badExamples);
      }
      PCollection<CommitShards.Written> written =
          shards
              .apply("AllShards", Flatten.pCollections())
              .setCoder(SerializableCoder.of(ShardWriter.Shard.class))
              .apply("CommitShards", CommitShards.in(directories));
      return new Result(pipeline, statistics, written);
    }

    /** The statistics per split, and what was written of the records that were bad. */
    public static final class Result implements POutput {
      private final Pipeline pipeline;
      private final PCollection<KV<String, DatasetFeatureStatisticsList>> statistics;
      private final PCollection<CommitShards.Written> badRecords;
      private final TupleTag<KV<String, DatasetFeatureStatisticsList>> statisticsTag =
          new TupleTag<>() {};
      private final TupleTag<CommitShards.Written> badRecordsTag = new TupleTag<>() {};

      private Result(
          Pipeline pipeline,
          PCollection<KV<String, DatasetFeatureStatisticsList>> statistics,
          PCollection<CommitShards.Written> badRecords) {
        this.pipeline = pipeline;
        this.statistics = statistics;
        this.badRecords = badRecords;
      }

      /** Each split's statistics, keyed by split name. */
      public PCollection<KV<String, DatasetFeatureStatisticsList>> statistics() {
        return statistics;
      }

      /**
       * What each directory of bad records holds (dead letters, damages, bad examples): one element
       * per directory, 0 records when nothing went there.
       */
      public PCollection<CommitShards.Written> badRecords() {
        return badRecords;
      }

      @Override
      public Pipeline getPipeline() {
        return pipeline;
      }

      @Override
      public Map<TupleTag<?>, PValue> expand() {
        return Map.of(statisticsTag, statistics, badRecordsTag, badRecords);
      }

      @Override
      public void finishSpecifyingOutput(
          String transformName, PInput input, PTransform<?, ?> transform) {}
    }
  }

  private static <I>
      AccumulationCombineFn<I, StatisticsAccumulator, DatasetFeatureStatisticsList> combineFn(
          Accumulation<I, StatisticsAccumulator, DatasetFeatureStatisticsList> accumulation) {
    return AccumulationCombineFn.of(accumulation)
        .withOutputCoder(ProtoMessageCoder.of(DatasetFeatureStatisticsList.class));
  }
}
