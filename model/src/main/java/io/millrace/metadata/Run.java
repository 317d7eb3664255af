package io.millrace.metadata;

import java.time.Instant;
import java.util.Map;

/** One run of a pipeline: a RUN context with the parameters it was started with. */
public record Run(
    long id, String name, Context pipeline, Map<String, String> params, Instant startedAt) {

  public enum Status {
    RUNNING,
    SUCCEEDED,
    FAILED,
    /** Left RUNNING by a process that died; set when the run lock is taken over. */
    ABANDONED
  }

  public Run {
    params = Maps.sorted(params);
  }
}
