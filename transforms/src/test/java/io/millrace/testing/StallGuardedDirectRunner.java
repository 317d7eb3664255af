package io.millrace.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.PipelineRunner;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The DirectRunner for tests, which reruns a pipeline once if Beam's DirectRunner stalls on it.
 *
 * <p>Beam 2.62's DirectRunner now and then stops running bundles of a batch pipeline that is not
 * done: its workers loop in {@code QuiescenceDriver.drive} through {@code
 * WatermarkManager.extractFiredTimers} forever, no transform is evaluated, and {@code
 * waitUntilFinish()} never returns (seen in CI: a 900-record {@code Create} + {@code
 * Combine.perKey} + {@code PAssert} test spun for 11 minutes; the same pipeline in a loop stalled
 * in 3 of 60 runs). Nothing of the pipeline's own runs then, so this runner calls it stalled when
 * no worker has been inside a transform for {@link #STALL_WINDOW}, cancels it, says so on stderr
 * and runs it once more; a second stall fails the test. A pipeline that fails, or is slow inside
 * its transforms, is never rerun.
 */
public final class StallGuardedDirectRunner extends PipelineRunner<PipelineResult> {
  static final Duration STALL_WINDOW = Duration.ofSeconds(30);
  private static final String WORKER = "direct-runner-worker";
  private static final String EVALUATING = "org.apache.beam.runners.direct.DirectTransformExecutor";

  private final PipelineOptions options;
  private final Duration stallWindow;

  private StallGuardedDirectRunner(PipelineOptions options, Duration stallWindow) {
    this.options = options;
    this.stallWindow = stallWindow;
  }

  /** Called by Beam with the pipeline's options, as for every runner. */
  public static StallGuardedDirectRunner fromOptions(PipelineOptions options) {
    return new StallGuardedDirectRunner(options, STALL_WINDOW);
  }

  static StallGuardedDirectRunner withStallWindow(PipelineOptions options, Duration stallWindow) {
    return new StallGuardedDirectRunner(options, stallWindow);
  }

  @Override
  public PipelineResult run(Pipeline pipeline) {
    DirectOptions direct = options.as(DirectOptions.class);
    if (!direct.isBlockOnRun()) {
      return DirectRunner.fromOptions(options).run(pipeline);
    }
    direct.setBlockOnRun(false);
    try {
      PipelineResult first = DirectRunner.fromOptions(options).run(pipeline);
      if (finished(first)) {
        return first;
      }
      cancel(first);
      System.err.printf(
          "Beam's DirectRunner stalled: no transform ran for %d s and the pipeline is not done;"
              + " cancelled it and running it once more%n",
          stallWindow.toSeconds());
      PipelineResult second = DirectRunner.fromOptions(options).run(pipeline);
      if (finished(second)) {
        return second;
      }
      cancel(second);
      throw new AssertionError(
          "Beam's DirectRunner stalled twice on this pipeline: no transform ran for "
              + stallWindow.toSeconds()
              + " s while it was not done");
    } finally {
      direct.setBlockOnRun(true);
    }
  }

  /**
   * Waits until the pipeline ends (true; a failure is thrown as the blocking DirectRunner throws
   * it) or stalls (false).
   */
  private boolean finished(PipelineResult result) {
    long lastEvaluating = System.nanoTime();
    while (true) {
      PipelineResult.State state = result.waitUntilFinish(org.joda.time.Duration.millis(100));
      if (state != null && state.isTerminal()) {
        return true;
      }
      if (anyWorkerEvaluating()) {
        lastEvaluating = System.nanoTime();
      } else if (System.nanoTime() - lastEvaluating > stallWindow.toNanos()) {
        return false;
      }
    }
  }

  private static void cancel(PipelineResult stalled) {
    try {
      stalled.cancel();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean anyWorkerEvaluating() {
    for (var thread : Thread.getAllStackTraces().entrySet()) {
      if (!thread.getKey().getName().equals(WORKER)) {
        continue;
      }
      for (StackTraceElement frame : thread.getValue()) {
        if (frame.getClassName().equals(EVALUATING)) {
          return true;
        }
      }
    }
    return false;
  }
}
