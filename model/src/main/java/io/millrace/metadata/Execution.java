package io.millrace.metadata;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * One run of one stage, as ML Metadata's Execution.
 *
 * @param runId the id of the RUN context this execution belongs to
 * @param cacheKey see {@link CacheKey}; empty for stages that are never cached
 * @param properties what the stage reported on completion (metrics, counts, ...)
 * @param endedAt empty while {@link State#RUNNING}
 * @param error why it failed, empty unless {@link State#FAILED}
 * @param reusedExecutionId for a {@link State#CACHED} execution, the execution whose outputs it
 *     reused
 */
public record Execution(
    long id,
    long runId,
    String stage,
    State state,
    String cacheKey,
    String configJson,
    String codeVersion,
    Instant startedAt,
    Optional<Instant> endedAt,
    Optional<String> error,
    Optional<Long> reusedExecutionId,
    Map<String, String> properties) {

  /**
   * The property holding a stage's typed result as JSON, for reuse from the cache; not a metric, so
   * {@link RunDetail#metrics} leaves it out.
   */
  public static final String RESULT = "stage_result";

  public enum State {
    RUNNING,
    COMPLETE,
    FAILED,
    CACHED
  }

  public Execution {
    properties = Maps.sorted(properties);
  }
}
