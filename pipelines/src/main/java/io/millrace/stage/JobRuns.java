package io.millrace.stage;

import java.io.IOException;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;

/** Runs a stage's job; what the job staged is abandoned unless it succeeds. */
final class JobRuns {
  private JobRuns() {}

  /** What a job wrote into staging, to delete when the job failed. */
  interface Staged {
    void abandon() throws IOException;
  }

  /**
   * Runs {@code pipeline} to its end.
   *
   * @param what the job, as the failure names it ("the {@code what} pipeline ended in state ...")
   * @throws IOException when the job ended in another state than DONE
   * @throws RuntimeException as the runner threw it (a failure in the job, a stall)
   */
  static void run(Pipeline pipeline, String what, Staged staged) throws IOException {
    PipelineResult.State state;
    try {
      state = pipeline.run().waitUntilFinish();
    } catch (RuntimeException e) {
      staged.abandon();
      throw e;
    }
    if (state != PipelineResult.State.DONE) {
      staged.abandon();
      throw new IOException("the " + what + " pipeline ended in state " + state);
    }
  }
}
