package io.millrace.stage;

import io.millrace.artifact.ArtifactDirectory;
import io.millrace.examples.ExamplesAvroFormatReader;
import io.millrace.examples.ExamplesManifest;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureSpec;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.TransformAnalysis;
import io.millrace.transform.TransformSpec;
import io.millrace.transforms.AnalyzeTransform;
import io.millrace.transforms.MaterializeTransform;
import io.millrace.transforms.WriteFittedTransform;
import io.millrace.transforms.io.CommitShards;
import io.millrace.transforms.io.ExampleFiles;
import io.millrace.transforms.io.ExamplesArtifact;
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
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.values.PCollection;

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
   * Runs both jobs, without statistics.
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
    return runWithStatistics(
        examples,
        analyzeSplit,
        spec,
        transformOutput,
        examplesOutput,
        null,
        overwrite,
        options,
        log);
  }

  /**
   * Runs both jobs with statistics of the raw and of the transformed examples (TFT's pre- and
   * post-transform statistics) into {@code statisticsOutput/pre} and {@code /post}, computed in the
   * analyze and the materialize job: two jobs in all. Without {@code statisticsOutput} (null), no
   * statistics.
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
    ExamplesArtifact raw = ExamplesArtifact.open(examples);
    String dataFingerprint = raw.manifest().input().fingerprint() + "/" + analyzeSplit;
    // A bad definition fails here, before any job runs.
    new TransformAnalysis(spec, raw.schema(), dataFingerprint);

    // 1. Analyze: each range of the training split into one analyzer state, merged, fitted.
    // Fails now, not after the analysis, when the target exists and may not be replaced.
    ArtifactDirectory.begin(transformOutput, overwrite, FittedTransform.KIND).abandon();
    Pipeline analyze = Storage.newPipeline(options);
    analyze
        .apply(
            "Analyze",
            AnalyzeTransform.fromFiles(spec, ExampleFiles.of(raw, List.of(analyzeSplit)))
                .withDataFingerprint(dataFingerprint))
        // Checked above; replaced only when that check allowed it.
        .apply("WriteTransform", WriteFittedTransform.to(transformOutput).withOverwrite(true));
    StatisticsJob.Planned statistics =
        statisticsOutput == null
            ? null
            : StatisticsJob.plan(
                StatisticsJob.Config.ofExamples(examples, statisticsOutput.resolve("pre"))
                    .withOverwrite(overwrite),
                analyze,
                "Raw",
                log);
    long started = System.nanoTime();
    finish(analyze, "analyze", statistics);
    double analyzed = (System.nanoTime() - started) / 1e9;
    FittedTransform fitted = FittedTransform.read(transformOutput);
    log.printf(
        "Analyzed split %s in %.1f s; transform written to %s%n",
        analyzeSplit, analyzed, transformOutput);
    log.flush();
    if (statistics != null) {
      statistics.finish(analyzed, options, log);
    }

    // 2. Materialize: every split read, transformed and written in one step per range.
    ArtifactDirectory artifact =
        ArtifactDirectory.begin(examplesOutput, overwrite, ExamplesManifest.KIND);
    Path staging = artifact.staging();
    Pipeline materialize = Storage.newPipeline(options);
    PCollection<CommitShards.Written> shards =
        materialize.apply(
            "Materialize", MaterializeTransform.of(fitted).from(ExampleFiles.of(raw)).to(staging));
    shards.apply("Counts", ShardCounts.writeTo(staging.resolve(".counts")));
    // The transformed examples' statistics read the shards as they are committed into staging;
    // the artifact names its final place, as when they were read after the commit.
    StatisticsJob.Planned transformedStatistics =
        statisticsOutput == null
            ? null
            : StatisticsJob.planOfCommitted(
                StatisticsJob.Config.ofExamples(examplesOutput, statisticsOutput.resolve("post"))
                    .withOverwrite(overwrite),
                transformedFiles(raw, fitted),
                raw.manifest().input().fingerprint(),
                shards,
                staging,
                materialize,
                "Transformed");
    started = System.nanoTime();
    finish(materialize, "transform", transformedStatistics);
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
            RunnerName.of(options),
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
    if (transformedStatistics != null) {
      transformedStatistics.finish(seconds, options, log);
    }
    return new Result(fitted, manifest);
  }

  /**
   * The transformed examples' splits as a reader of the artifact reads them: with the schema its
   * manifest gives (file lists come from the pipeline).
   */
  private static ExampleFiles transformedFiles(ExamplesArtifact raw, FittedTransform fitted) {
    List<FeatureSpec> features = new ArrayList<>();
    ExamplesManifest.features(fitted.outputSchema())
        .forEach(f -> features.add(FeatureSpec.of(f.name(), f.type())));
    ExampleSchema schema = ExampleSchema.of(features);
    List<String> splits = new ArrayList<>();
    List<ExampleFiles.Group> groups = new ArrayList<>();
    for (ExamplesManifest.Split split : raw.manifest().splits()) {
      splits.add(split.name());
      groups.add(new ExampleFiles.Group(split.name(), List.of()));
    }
    return new ExampleFiles(new ExamplesAvroFormatReader(schema), schema, null, splits, groups);
  }

  /**
   * Runs {@code pipeline}; the statistics planned in it, if any, are abandoned unless it succeeds.
   */
  private static void finish(Pipeline pipeline, String what, StatisticsJob.Planned statistics)
      throws IOException {
    JobRuns.run(pipeline, what, statistics == null ? () -> {} : statistics::abandon);
  }
}
