package io.millrace.metadata;

import java.time.Instant;

/**
 * A group of executions and artifacts, as ML Metadata's Context: a {@link Type#PIPELINE} holds
 * every run of a pipeline, a {@link Type#RUN} one run's executions (associations) and the artifacts
 * they produced or reused (attributions).
 */
public record Context(long id, Type type, String name, Instant createdAt) {
  public enum Type {
    PIPELINE,
    RUN
  }
}
