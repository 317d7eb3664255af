package io.millrace.metadata;

import java.util.Map;

/**
 * A completed execution whose outputs a new execution with the same cache key may reuse.
 *
 * @param outputs the execution's output artifacts by event name
 */
public record CachedExecution(Execution execution, Map<String, Artifact> outputs) {
  public CachedExecution {
    outputs = Maps.ordered(outputs);
  }
}
