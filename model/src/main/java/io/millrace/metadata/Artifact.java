package io.millrace.metadata;

import java.time.Instant;
import java.util.Map;

/**
 * A file or directory a stage read or wrote, as ML Metadata's Artifact: what it is ({@link #type}),
 * where it is ({@link #uri}), and the fingerprint of its content when it was recorded.
 *
 * @param type one of the constants below, or any other name a custom stage uses
 * @param uri a local path or a URI ({@code file:}, {@code gs://}, ...)
 * @param fingerprint a hash of the content, as the writing stage computed it; may be empty
 */
public record Artifact(
    long id,
    String type,
    String uri,
    String fingerprint,
    State state,
    Map<String, String> properties,
    Instant createdAt) {

  public static final String EXAMPLES = "Examples";
  public static final String STATISTICS = "Statistics";
  public static final String SCHEMA = "Schema";
  public static final String ANOMALIES = "Anomalies";
  public static final String TRANSFORM = "Transform";
  public static final String MODEL = "Model";
  public static final String EVALUATION = "Evaluation";
  public static final String PUSH = "Push";

  /** As ML Metadata's artifact states. */
  public enum State {
    PENDING,
    LIVE,
    MARKED_FOR_DELETION,
    DELETED,
    /** Written by an execution that failed or was abandoned: never reused. */
    ABANDONED
  }

  public Artifact {
    properties = Maps.sorted(properties);
    fingerprint = fingerprint == null ? "" : fingerprint;
  }

  public String property(String name) {
    return properties.get(name);
  }
}
