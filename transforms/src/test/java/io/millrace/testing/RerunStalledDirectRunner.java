package io.millrace.testing;

import io.millrace.transforms.runner.DirectRunnerStalledException;
import io.millrace.transforms.runner.StallGuardedDirectRunner;
import java.time.Duration;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.PipelineRunner;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The tests' DirectRunner: a test pipeline the {@link StallGuardedDirectRunner} finds stalled runs
 * once more (its outputs are the test's own), and a second stall fails the test.
 */
public final class RerunStalledDirectRunner extends PipelineRunner<PipelineResult> {
  private static final Duration STALL_WINDOW = Duration.ofSeconds(30);

  private final PipelineOptions options;

  private RerunStalledDirectRunner(PipelineOptions options) {
    this.options = options;
  }

  /** Called by Beam with the pipeline's options, as for every runner. */
  public static RerunStalledDirectRunner fromOptions(PipelineOptions options) {
    return new RerunStalledDirectRunner(options);
  }

  @Override
  public PipelineResult run(Pipeline pipeline) {
    StallGuardedDirectRunner guarded =
        StallGuardedDirectRunner.withStallWindow(options, STALL_WINDOW);
    try {
      return guarded.run(pipeline);
    } catch (DirectRunnerStalledException first) {
      System.err.println(first.getMessage() + "; running it once more");
    }
    try {
      return guarded.run(pipeline);
    } catch (DirectRunnerStalledException second) {
      throw new AssertionError("stalled twice: " + second.getMessage(), second);
    }
  }
}
