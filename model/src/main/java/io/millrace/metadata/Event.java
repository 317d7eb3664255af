package io.millrace.metadata;

import java.time.Instant;

/**
 * An edge of the lineage graph: an execution read ({@link Type#INPUT}) or wrote ({@link
 * Type#OUTPUT}) an artifact, under a name (the stage's port, e.g. {@code examples}, {@code model}).
 */
public record Event(long executionId, long artifactId, Type type, String name, Instant at) {
  public enum Type {
    INPUT,
    OUTPUT
  }
}
