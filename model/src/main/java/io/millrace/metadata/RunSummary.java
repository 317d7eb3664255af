package io.millrace.metadata;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/** One line of {@code millrace runs list}. */
public record RunSummary(
    long id,
    String name,
    String pipeline,
    Run.Status status,
    Instant startedAt,
    Optional<Instant> endedAt,
    Map<String, String> params,
    int executions,
    int cached,
    int failed) {
  public RunSummary {
    params = Maps.sorted(params);
  }
}
