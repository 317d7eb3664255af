package io.millrace.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.junit.jupiter.api.Test;

/** Only a pipeline in which no transform runs is rerun; slow and failing ones are not. */
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

  private static PipelineResult run(DoFn<Integer, Integer> fn, Integer... elements) {
    var options = PipelineOptionsFactory.create();
    Pipeline pipeline = Pipeline.create(options);
    pipeline.apply(Create.of(List.of(elements))).apply(ParDo.of(fn));
    return StallGuardedDirectRunner.withStallWindow(options, Duration.ofMillis(300)).run(pipeline);
  }

  @Test
  void aPipelineBusyInsideATransformLongerThanTheWindowRunsOnce() {
    CALLS.set(0);
    assertEquals(PipelineResult.State.DONE, run(new SlowFn(), 1, 2).getState());
    assertEquals(2, CALLS.get());
  }

  @Test
  void aFailingPipelineFailsAsOnTheDirectRunnerAndIsNotRerun() {
    CALLS.set(0);
    Pipeline.PipelineExecutionException e =
        assertThrows(Pipeline.PipelineExecutionException.class, () -> run(new FailingFn(), 7));
    assertTrue(e.getCause().getMessage().equals("refused 7"), e.toString());
    assertEquals(1, CALLS.get());
  }
}
