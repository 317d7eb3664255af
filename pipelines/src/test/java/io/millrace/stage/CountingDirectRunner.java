package io.millrace.stage;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.PipelineRunner;
import org.apache.beam.sdk.options.PipelineOptions;

/** The DirectRunner, counting the jobs it runs: how many jobs a stage submits to a cluster. */
public final class CountingDirectRunner extends PipelineRunner<PipelineResult> {
  static final AtomicInteger JOBS = new AtomicInteger();
  private final DirectRunner direct;

  private CountingDirectRunner(DirectRunner direct) {
    this.direct = direct;
  }

  public static CountingDirectRunner fromOptions(PipelineOptions options) {
    return new CountingDirectRunner(DirectRunner.fromOptions(options));
  }

  @Override
  public PipelineResult run(Pipeline pipeline) {
    JOBS.incrementAndGet();
    return direct.run(pipeline);
  }
}
