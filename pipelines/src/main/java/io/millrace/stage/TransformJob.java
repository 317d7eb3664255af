package io.millrace.stage;

import io.millrace.artifact.ArtifactDirectory;
import io.millrace.examples.ExamplesAvroFormatReader;
import io.millrace.examples.ExamplesManifest;
import io.millrace.ingest.DeadLetter;
import io.millrace.ingest.ExampleSink;
import io.millrace.ingest.FileDamage;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.transform.FeatureTransformer;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.TransformAnalysis;
import io.millrace.transform.TransformAnalyzer;
import io.millrace.transform.TransformSpec;
import io.millrace.transforms.AccumulationCombineFn;
import io.millrace.transforms.ReadExamples;
import io.millrace.transforms.coders.AccumulatorCoder;
import io.millrace.transforms.io.BeamSourceFile;
import io.millrace.transforms.io.CommitShards;
import io.millrace.transforms.io.ExampleAvroSink;
import io.millrace.transforms.io.ExamplesArtifact;
import io.millrace.transforms.io.ShardCounts;
import io.millrace.transforms.io.ShardWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;

/**
 * The preprocessing stage as two jobs over an examples artifact: analyze the training split into a
 * transform artifact, then materialize every split transformed, as an examples artifact of model
 * inputs that the trainer reads like any other. Both artifacts are committed atomically.
 */
public final class TransformJob {
  private TransformJob() {}

  /** What the stage wrote. */
  public record Result(FittedTransform fitted, ExamplesManifest transformed) {}

  /**
   * Runs both jobs, then statistics of the raw and of the transformed examples (TFT's pre- and
   * post-transform statistics) into {@code statisticsOutput/pre} and {@code /post}.
   */
  public static Result runWithStatistics(
      Path examples,
      String analyzeSplit,
      TransformSpec spec,
      Path transformOutput,
      Path examplesOutput,
      Path statisticsOutput,
      boolean overwrite,
      PipelineOptions options,
      PrintWriter log)
      throws IOException {
    Result result =
        run(examples, analyzeSplit, spec, transformOutput, examplesOutput, overwrite, options, log);
    StatisticsJob.run(
        StatisticsJob.Config.ofExamples(examples, statisticsOutput.resolve("pre"))
            .withOverwrite(overwrite),
        options,
        log);
    StatisticsJob.run(
        StatisticsJob.Config.ofExamples(examplesOutput, statisticsOutput.resolve("post"))
            .withOverwrite(overwrite),
        options,
        log);
    return result;
  }

  /**
   * Runs both jobs.
   *
   * @param examples the raw examples artifact (from ingest)
   * @param analyzeSplit the split the analyzers see (the others are only transformed)
   * @param transformOutput where the transform artifact goes
   * @param examplesOutput where the transformed examples go
   */
  public static Result run(
      Path examples,
      String analyzeSplit,
      TransformSpec spec,
      Path transformOutput,
      Path examplesOutput,
      boolean overwrite,
      PipelineOptions options,
      PrintWriter log)
      throws IOException {
    ExamplesArtifact raw = ExamplesArtifact.open(examples);
    ExampleSchema schema = raw.schema();
    ExamplesAvroFormatReader reader = new ExamplesAvroFormatReader(schema);
    String dataFingerprint = raw.manifest().input().fingerprint() + "/" + analyzeSplit;
    // A bad definition fails here, before any job runs.
    TransformAnalysis analysis = new TransformAnalysis(spec, schema, dataFingerprint);

    // 1. Analyze: each range of the training split into one analyzer state, merged, fitted.
    // Fails now, not after the analysis, when the target exists and may not be replaced.
    ArtifactDirectory.begin(transformOutput, overwrite, FittedTransform.KIND).abandon();
    Pipeline analyze = Pipeline.create(options);
    ReadExamples.fileParts(analyze, "", raw.fileMetadata(analyzeSplit), reader, schema)
        .apply("ReadAndAnalyze", ParDo.of(new AnalyzeRangeFn(reader, spec, schema)))
        .setCoder(AccumulatorCoder.of(analysis))
        .apply(
            "Fit",
            Combine.globally(AccumulationCombineFn.of(analysis.ofStates())).withoutDefaults())
        .setCoder(SerializableCoder.of(FittedTransform.class))
        .apply("WriteTransform", ParDo.of(new WriteFittedFn(transformOutput.toString())));
    long started = System.nanoTime();
    finish(analyze, "analyze");
    FittedTransform fitted = FittedTransform.read(transformOutput);
    log.printf(
        "Analyzed split %s in %.1f s; transform written to %s%n",
        analyzeSplit, (System.nanoTime() - started) / 1e9, transformOutput);
    log.flush();

    // 2. Materialize: every split read, transformed and written in one step per range.
    ArtifactDirectory artifact =
        ArtifactDirectory.begin(examplesOutput, overwrite, ExamplesManifest.KIND);
    Path staging = artifact.staging();
    Pipeline materialize = Pipeline.create(options);
    List<PCollection<ShardWriter.Shard>> shards = new ArrayList<>();
    List<String> directories = new ArrayList<>();
    for (ExamplesManifest.Split split : raw.manifest().splits()) {
      String directory = staging.resolve(split.name()).toString();
      directories.add(directory);
      shards.add(
          ReadExamples.fileParts(
                  materialize, "-" + split.name(), raw.fileMetadata(split.name()), reader, schema)
              .apply(
                  "Transform-" + split.name(),
                  ParDo.of(new TransformRangeFn(reader, schema, fitted.transformer(), directory))));
    }
    PCollectionList.of(shards)
        .apply("AllShards", Flatten.pCollections())
        .apply("CommitShards", CommitShards.in(directories))
        .apply("Counts", ShardCounts.writeTo(staging.resolve(".counts")));
    started = System.nanoTime();
    finish(materialize, "transform");
    Map<String, CommitShards.Written> committed =
        ShardCounts.readCommitted(staging.resolve(".counts"));
    List<ExamplesManifest.Split> splits = new ArrayList<>();
    long total = 0;
    for (ExamplesManifest.Split split : raw.manifest().splits()) {
      CommitShards.Written written = committed.get(split.name());
      long n = written == null ? 0 : written.records();
      total += n;
      splits.add(
          new ExamplesManifest.Split(
              split.name(),
              split.buckets(),
              n,
              split.name() + "/part-*.avro",
              ExamplesManifest.shards(
                  split.name(), written == null ? List.of() : written.shards())));
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    log.printf(
        "Transformed %,d examples in %.1f s (%,.0f examples/s)%n",
        total, seconds, total / Math.max(seconds, 1e-9));
    log.flush();
    ExamplesManifest manifest =
        new ExamplesManifest(
            ExamplesManifest.LAYOUT,
            Instant.now().toString(),
            options.getRunner().getSimpleName(),
            new ExamplesManifest.Input(
                "transformed by " + fitted.fingerprint(),
                raw.manifest().input().fingerprint(),
                raw.manifest().input().groups()),
            ExamplesManifest.features(fitted.outputSchema()),
            raw.manifest().splitFeature(),
            splits,
            total,
            0,
            null);
    manifest.writeTo(staging);
    artifact.commit();
    return new Result(fitted, manifest);
  }

  private static void finish(Pipeline pipeline, String what) throws IOException {
    PipelineResult.State state = pipeline.run().waitUntilFinish();
    if (state != PipelineResult.State.DONE) {
      throw new IOException("the " + what + " pipeline ended in state " + state);
    }
  }

  /** An examples artifact holds no bad records; if a shard is damaged, the stage must fail. */
  private abstract static class ReadRangeFn<T> extends DoFn<ReadExamples.FilePart, T> {
    private static final long serialVersionUID = 1L;
    private final ExamplesAvroFormatReader reader;
    private final ExampleSchema schema;

    ReadRangeFn(ExamplesAvroFormatReader reader, ExampleSchema schema) {
      this.reader = reader;
      this.schema = schema;
    }

    void read(ReadExamples.FilePart part, Consumer<Example> action) {
      reader.read(
          new BeamSourceFile(part.file()),
          part.range(),
          schema,
          new ExampleSink() {
            @Override
            public void accept(Example example) {
              action.accept(example);
            }

            @Override
            public void reject(DeadLetter deadLetter) {
              throw new IllegalStateException(deadLetter.reason());
            }

            @Override
            public void damaged(FileDamage damage) {
              throw new IllegalStateException(damage.toString());
            }
          });
    }
  }

  private static final class AnalyzeRangeFn extends ReadRangeFn<TransformAnalyzer> {
    private static final long serialVersionUID = 1L;
    private final TransformSpec spec;
    private final ExampleSchema schema;
    private transient TransformAnalyzer analyzer;

    AnalyzeRangeFn(ExamplesAvroFormatReader reader, TransformSpec spec, ExampleSchema schema) {
      super(reader, schema);
      this.spec = spec;
      this.schema = schema;
    }

    @StartBundle
    public void start() {
      analyzer = TransformAnalyzer.create(spec, schema);
    }

    @ProcessElement
    public void process(@Element ReadExamples.FilePart part) {
      read(part, analyzer::add);
    }

    @FinishBundle
    public void finish(FinishBundleContext context) {
      context.output(analyzer, GlobalWindow.INSTANCE.maxTimestamp(), GlobalWindow.INSTANCE);
    }
  }

  private static final class TransformRangeFn extends ReadRangeFn<ShardWriter.Shard> {
    private static final long serialVersionUID = 1L;
    private final FeatureTransformer transformer;
    private final String directory;
    private transient ShardWriter<Example> writer;

    TransformRangeFn(
        ExamplesAvroFormatReader reader,
        ExampleSchema schema,
        FeatureTransformer transformer,
        String directory) {
      super(reader, schema);
      this.transformer = transformer;
      this.directory = directory;
    }

    @StartBundle
    public void start() {
      writer =
          new ShardWriter<>(directory, ".avro", new ExampleAvroSink(transformer.outputSchema()));
    }

    @ProcessElement
    public void process(@Element ReadExamples.FilePart part) throws IOException {
      ShardWriter.Guard output = new ShardWriter.Guard();
      read(part, example -> output.write(writer, transformer.apply(example)));
      output.throwIfFailed("cannot write the transformed examples of " + part.file().resourceId());
    }

    @FinishBundle
    public void finish(FinishBundleContext context) throws IOException {
      ShardWriter.Shard shard = writer.finish();
      if (shard != null) {
        context.output(shard, GlobalWindow.INSTANCE.maxTimestamp(), GlobalWindow.INSTANCE);
      }
    }
  }

  private static final class WriteFittedFn extends DoFn<FittedTransform, Void> {
    private static final long serialVersionUID = 1L;
    private final String directory;

    WriteFittedFn(String directory) {
      this.directory = directory;
    }

    @ProcessElement
    public void process(@Element FittedTransform fitted) throws IOException {
      fitted.write(Path.of(directory), true);
    }
  }
}
