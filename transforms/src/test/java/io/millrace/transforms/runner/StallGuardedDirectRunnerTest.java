package io.millrace.transforms.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.junit.jupiter.api.Test;

/** Only a pipeline in which no transform runs is called stalled; slow and failing ones are not. */
class StallGuardedDirectRunnerTest {
  private static final AtomicInteger CALLS = new AtomicInteger();

  /** Busy inside the transform for longer than the stall window, as slow user code is. */
  private static final class SlowFn extends DoFn<Integer, Integer> {
    @ProcessElement
    public void process(@Element Integer x, OutputReceiver<Integer> out)
        throws InterruptedException {
      CALLS.incrementAndGet();
      Thread.sleep(1_500);
      out.output(x);
    }
  }

  private static final class FailingFn extends DoFn<Integer, Integer> {
    @ProcessElement
    public void process(@Element Integer x) {
      CALLS.incrementAndGet();
      throw new IllegalStateException("refused " + x);
    }
  }

  /** Inside the transform until the test ends it. */
  private static final class WaitingFn extends DoFn<Integer, Integer> {
    @ProcessElement
    public void process() throws InterruptedException {
      CALLS.incrementAndGet();
      RELEASE.await();
    }
  }

  private static final CountDownLatch RELEASE = new CountDownLatch(1);

  private static Pipeline pipeline() {
    return Pipeline.create(PipelineOptionsFactory.fromArgs("--jobName=guarded").create());
  }

  private static PipelineResult run(Pipeline pipeline) {
    return StallGuardedDirectRunner.withStallWindow(pipeline.getOptions(), Duration.ofMillis(1500))
        .run(pipeline);
  }

  @Test
  void aPipelineBusyInsideATransformLongerThanTheWindowFinishes() {
    CALLS.set(0);
    Pipeline pipeline = pipeline();
    pipeline.apply(Create.of(List.of(1, 2))).apply(ParDo.of(new SlowFn()));
    assertEquals(PipelineResult.State.DONE, run(pipeline).getState());
    assertEquals(2, CALLS.get());
  }

  @Test
  void aFailingPipelineFailsAsOnTheDirectRunner() {
    CALLS.set(0);
    Pipeline pipeline = pipeline();
    pipeline.apply(Create.of(List.of(7))).apply(ParDo.of(new FailingFn()));
    Pipeline.PipelineExecutionException e =
        assertThrows(Pipeline.PipelineExecutionException.class, () -> run(pipeline));
    assertEquals("refused 7", e.getCause().getMessage());
    assertEquals(1, CALLS.get());
  }

  /**
   * Beam's stall (workers looping outside every transform) cannot be brought about at will: a
   * pipeline whose worker waits inside a transform stands for it, seen by a guard told that no
   * worker is inside one.
   */
  @Test
  void aPipelineInWhichNothingRunsForTheWindowIsCancelledAndNamed() {
    CALLS.set(0);
    Pipeline pipeline = pipeline();
    pipeline.apply(Create.of(List.of(1))).apply(ParDo.of(new WaitingFn()));
    long started = System.nanoTime();
    try {
      DirectRunnerStalledException e =
          assertThrows(
              DirectRunnerStalledException.class,
              () ->
                  new StallGuardedDirectRunner(
                          pipeline.getOptions(), Duration.ofMillis(1500), () -> false)
                      .run(pipeline));
      double seconds = (System.nanoTime() - started) / 1e9;
      assertTrue(e.getMessage().contains("stalled on job guarded"), e.getMessage());
      assertTrue(e.getMessage().contains("no transform ran for 1.5 s"), e.getMessage());
      assertEquals(1, CALLS.get());
      assertTrue(seconds >= 1.5 && seconds < 30, "took " + seconds + " s");
      assertSame(e, DirectRunnerStalledException.in(new RuntimeException("stage", e)));
    } finally {
      RELEASE.countDown();
    }
  }

  @Test
  void noWorkerIsEvaluatingWhenNoPipelineRuns() {
    assertFalse(StallGuardedDirectRunner.anyWorkerEvaluating());
  }
}
