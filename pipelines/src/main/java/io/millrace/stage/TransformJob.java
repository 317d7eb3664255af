package io.millrace.stage;

import io.millrace.artifact.ArtifactDirectory;
import io.millrace.examples.ExamplesManifest;
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
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;

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
    Pipeline materialize = Storage.newPipeline(options);
    materialize
        .apply(
            "Materialize", MaterializeTransform.of(fitted).from(ExampleFiles.of(raw)).to(staging))
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
}
