package io.millrace.stage;

import io.millrace.transforms.runner.DirectRunnerStalledException;
import io.millrace.transforms.runner.StallGuardedDirectRunner;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * Runs work whose Beam jobs Beam's DirectRunner may stall on (see {@link StallGuardedDirectRunner})
 * once more when it did: the stalled job was cancelled and the work's artifact left uncommitted in
 * its staging, so the second attempt, in new staging, starts clean. A second stall is thrown.
 */
public final class StalledJobs {
  private StalledJobs() {}

  /** Work that writes its artifact through staging, as every stage and job does. */
  public interface Attempt<R> {
    R run() throws IOException;
  }

  /**
   * Runs {@code attempt}, and once more if the DirectRunner stalled on one of its jobs.
   *
   * @param notice told, for the user, that the work runs once more and why
   */
  public static <R> R onceMoreIfStalled(Consumer<String> notice, Attempt<R> attempt)
      throws IOException {
    try {
      return attempt.run();
    } catch (IOException | RuntimeException e) {
      DirectRunnerStalledException stalled = DirectRunnerStalledException.in(e);
      if (stalled == null) {
        throw e;
      }
      notice.accept(stalled.getMessage() + "; running it once more");
    }
    return attempt.run();
  }
}
