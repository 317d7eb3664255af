package io.millrace.cli;

import java.io.IOException;
import java.lang.reflect.Field;
import java.util.concurrent.ExecutionException;
import org.apache.beam.runners.flink.FlinkDetachedRunnerResult;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricResults;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsValidator;
import org.apache.flink.core.execution.JobClient;
import org.joda.time.Duration;

/**
 * Beam's FlinkRunner for a Flink cluster ({@code --flinkMaster host:port}) whose {@link
 * PipelineResult#waitUntilFinish} returns as soon as the job has ended.
 *
 * <p>Flink's REST client asks for an attached job's result at intervals that double from 10 ms to 2
 * s, so a job of 3 s was seen to end 1.5 s late: in a taxi pipeline of six 2-4 s jobs on a warm
 * cluster, 5 of its 34 s went to waiting for jobs that had already ended. This runner submits the
 * job detached and asks for its status at intervals that double from 10 ms to {@value
 * #MAX_POLL_MILLIS} ms (one small REST request each); once it has ended, it fetches the job's
 * result once, so a failure surfaces as the attached runner's does ("Pipeline execution failed"
 * caused by the job's exception).
 *
 * <p>The options the cluster sees name the {@link FlinkRunner}: the TaskManagers need not know this
 * class. Without access to the detached job's client (another Beam version) the job runs attached.
 */
public final class FlinkClusterRunner extends FlinkRunner {
  static final long MAX_POLL_MILLIS = 100;

  /**
   * Beam keeps the detached job's client private; null when this Beam version has no such field.
   */
  private static final Field JOB_CLIENT = jobClientField();

  private FlinkClusterRunner(FlinkPipelineOptions options) {
    super(options);
  }

  /** As {@link FlinkRunner#fromOptions}: called by Beam for {@code options.setRunner(...)}. */
  public static FlinkClusterRunner fromOptions(PipelineOptions options) {
    return new FlinkClusterRunner(
        PipelineOptionsValidator.validate(FlinkPipelineOptions.class, options));
  }

  @Override
  public PipelineResult run(Pipeline pipeline) {
    FlinkPipelineOptions options = getPipelineOptions();
    boolean attached = options.getAttachedMode();
    // Read while the job is translated: the options travel with it to the TaskManagers.
    options.setRunner(FlinkRunner.class);
    options.setAttachedMode(JOB_CLIENT == null && attached);
    PipelineResult submitted;
    try {
      submitted = super.run(pipeline);
    } finally {
      // The same options may run another job (the transform stage runs two).
      options.setRunner(FlinkClusterRunner.class);
      options.setAttachedMode(attached);
    }
    return attached && submitted instanceof FlinkDetachedRunnerResult detached
        ? new ClusterJob(detached, jobClient(detached))
        : submitted;
  }

  private static Field jobClientField() {
    try {
      Field field = FlinkDetachedRunnerResult.class.getDeclaredField("jobClient");
      if (!JobClient.class.equals(field.getType())) {
        return null;
      }
      field.setAccessible(true);
      return field;
    } catch (NoSuchFieldException | RuntimeException e) {
      return null;
    }
  }

  private static JobClient jobClient(PipelineResult detached) {
    try {
      return (JobClient) JOB_CLIENT.get(detached);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot reach the submitted Flink job's client", e);
    }
  }

  /** A job submitted to the cluster, its end noticed within {@value #MAX_POLL_MILLIS} ms. */
  private static final class ClusterJob implements PipelineResult {
    private final FlinkDetachedRunnerResult detached;
    private final JobClient job;

    ClusterJob(FlinkDetachedRunnerResult detached, JobClient job) {
      this.detached = detached;
      this.job = job;
    }

    @Override
    public State getState() {
      return detached.getState();
    }

    @Override
    public State cancel() throws IOException {
      return detached.cancel();
    }

    @Override
    public State waitUntilFinish(Duration duration) {
      long deadline =
          duration == null || duration.getMillis() < 1
              ? Long.MAX_VALUE
              : System.nanoTime() + duration.getMillis() * 1_000_000;
      long pause = 10;
      State state = getState();
      while (!state.isTerminal()) {
        if (System.nanoTime() >= deadline) {
          return state;
        }
        try {
          // A remote job's status can only be asked for; Flink's client polls too, only slower.
          Thread.sleep(pause);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for Flink job " + job, e);
        }
        pause = Math.min(pause * 2, MAX_POLL_MILLIS);
        state = getState();
      }
      if (state != State.DONE) {
        throwFailure();
      }
      return state;
    }

    @Override
    public State waitUntilFinish() {
      return waitUntilFinish(Duration.ZERO);
    }

    /** The job's own failure, as the attached FlinkRunner throws it. */
    private void throwFailure() {
      try {
        job.getJobExecutionResult().get();
      } catch (ExecutionException e) {
        throw new RuntimeException("Pipeline execution failed", e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while fetching Flink job " + job, e);
      }
    }

    @Override
    public MetricResults metrics() {
      return detached.metrics();
    }

    @Override
    public String toString() {
      return "Flink job " + job.getJobID();
    }
  }
}
