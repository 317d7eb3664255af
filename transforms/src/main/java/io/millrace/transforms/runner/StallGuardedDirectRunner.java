package io.millrace.transforms.runner;

import java.io.IOException;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.PipelineRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PValue;

/**
 * Beam's DirectRunner, which fails a batch pipeline it stalls on instead of waiting forever.
 *
 * <p>Beam 2.62's DirectRunner now and then stops running bundles of a batch pipeline that is not
 * done: its workers loop in {@code QuiescenceDriver.drive} through {@code
 * WatermarkManager.extractFiredTimers}, no transform is evaluated, and {@code waitUntilFinish()}
 * never returns (seen in CI: a 900-record {@code Create} + {@code Combine.perKey} test spun for 11
 * minutes; the same pipeline in a loop stalled in 3 of 62 runs, and {@code
 * GenerateStatistics.perKey()} without a test assertion in 8 of 96). Nothing of the pipeline's own
 * runs then, so this runner calls a pipeline stalled when no worker has been inside a transform for
 * the stall window, cancels it and throws {@link DirectRunnerStalledException}; whoever owns the
 * pipeline's outputs may run it again (the stage executor runs the stage once more, into new
 * staging). A pipeline that fails, or is slow inside its transforms, fails or finishes as on the
 * DirectRunner. Pipelines with an unbounded input, and those not blocking on run, are the
 * DirectRunner's own: they may rightly wait with no transform running.
 */
public final class StallGuardedDirectRunner extends PipelineRunner<PipelineResult> {
  /** Long beyond any pause between two bundles; a stalled job costs this much before its rerun. */
  public static final Duration STALL_WINDOW = Duration.ofSeconds(60);

  private static final Duration SAMPLE_EVERY = Duration.ofMillis(500);
  private static final String WORKER = "direct-runner-worker";
  private static final String EVALUATING = "org.apache.beam.runners.direct.DirectTransformExecutor";

  private final PipelineOptions options;
  private final Duration stallWindow;
  private final BooleanSupplier evaluating;

  StallGuardedDirectRunner(
      PipelineOptions options, Duration stallWindow, BooleanSupplier evaluating) {
    this.options = options;
    this.stallWindow = stallWindow;
    this.evaluating = evaluating;
  }

  /** Called by Beam with the pipeline's options, as for every runner. */
  public static StallGuardedDirectRunner fromOptions(PipelineOptions options) {
    return withStallWindow(options, STALL_WINDOW);
  }

  /** With another stall window (tests use a shorter one). */
  public static StallGuardedDirectRunner withStallWindow(
      PipelineOptions options, Duration stallWindow) {
    return new StallGuardedDirectRunner(
        options, stallWindow, StallGuardedDirectRunner::anyWorkerEvaluating);
  }

  /**
   * Runs the pipeline as the DirectRunner does.
   *
   * @throws DirectRunnerStalledException when the DirectRunner stalled on it (it was cancelled)
   */
  @Override
  public PipelineResult run(Pipeline pipeline) {
    DirectOptions direct = options.as(DirectOptions.class);
    if (!direct.isBlockOnRun() || hasUnboundedInput(pipeline)) {
      return DirectRunner.fromOptions(options).run(pipeline);
    }
    direct.setBlockOnRun(false);
    PipelineResult result;
    try {
      result = DirectRunner.fromOptions(options).run(pipeline);
    } finally {
      direct.setBlockOnRun(true);
    }
    if (finished(result)) {
      return result;
    }
    try {
      result.cancel();
    } catch (IOException | RuntimeException e) {
      throw new DirectRunnerStalledException(options.getJobName(), stallWindow, e);
    }
    throw new DirectRunnerStalledException(options.getJobName(), stallWindow, null);
  }

  /**
   * Waits until the pipeline ends (true; a failure is thrown as the blocking DirectRunner throws
   * it) or stalls (false).
   */
  private boolean finished(PipelineResult result) {
    long lastEvaluating = System.nanoTime();
    while (true) {
      PipelineResult.State state =
          result.waitUntilFinish(org.joda.time.Duration.millis(SAMPLE_EVERY.toMillis()));
      if (state != null && state.isTerminal()) {
        return true;
      }
      if (evaluating.getAsBoolean()) {
        lastEvaluating = System.nanoTime();
      } else if (System.nanoTime() - lastEvaluating > stallWindow.toNanos()) {
        return false;
      }
    }
  }

  /** Whether a DirectRunner worker is inside a transform (its code, or Beam's for it). */
  static boolean anyWorkerEvaluating() {
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

  private static boolean hasUnboundedInput(Pipeline pipeline) {
    boolean[] unbounded = {false};
    pipeline.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public void visitValue(PValue value, TransformHierarchy.Node producer) {
            if (value instanceof PCollection<?> collection
                && collection.isBounded() == PCollection.IsBounded.UNBOUNDED) {
              unbounded[0] = true;
            }
          }
        });
    return unbounded[0];
  }
}
