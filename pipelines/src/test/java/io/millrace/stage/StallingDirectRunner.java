package io.millrace.stage;

import io.millrace.transforms.runner.DirectRunnerStalledException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.PipelineRunner;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The DirectRunner, which reports its first {@link #STALLS} jobs stalled after they ran and wrote
 * their files, as Beam's DirectRunner may stall after a job's workers wrote part of its output.
 */
public final class StallingDirectRunner extends PipelineRunner<PipelineResult> {
  static final AtomicInteger STALLS = new AtomicInteger();
  private final PipelineOptions options;

  private StallingDirectRunner(PipelineOptions options) {
    this.options = options;
  }

  public static StallingDirectRunner fromOptions(PipelineOptions options) {
    return new StallingDirectRunner(options);
  }

  @Override
  public PipelineResult run(Pipeline pipeline) {
    PipelineResult result = DirectRunner.fromOptions(options).run(pipeline);
    if (STALLS.getAndDecrement() > 0) {
      throw new DirectRunnerStalledException(options.getJobName(), Duration.ofSeconds(60), null);
    }
    return result;
  }
}
