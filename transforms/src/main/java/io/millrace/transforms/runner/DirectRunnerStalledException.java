package io.millrace.transforms.runner;

import com.google.common.base.Throwables;
import java.time.Duration;

/**
 * Beam's DirectRunner stopped running a batch pipeline that was not done, and the pipeline was
 * cancelled (see {@link StallGuardedDirectRunner}). Nothing the pipeline wrote is complete; running
 * it again, into new staging, is safe.
 */
public final class DirectRunnerStalledException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DirectRunnerStalledException(String jobName, Duration window, Throwable cancelFailure) {
    super(
        "Beam's DirectRunner stalled on job "
            + jobName
            + ": no transform ran for "
            + window.toMillis() / 1000.0
            + " s while the job was not done (a defect of Beam's DirectRunner, not of the data);"
            + " the job was cancelled",
        cancelFailure);
  }

  /** The stall behind {@code failure}, if a stall is what it is. */
  public static DirectRunnerStalledException in(Throwable failure) {
    return Throwables.getCausalChain(failure).stream()
        .filter(DirectRunnerStalledException.class::isInstance)
        .map(DirectRunnerStalledException.class::cast)
        .findFirst()
        .orElse(null);
  }
}
