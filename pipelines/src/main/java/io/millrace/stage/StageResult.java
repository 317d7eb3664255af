package io.millrace.stage;

import java.util.Map;

/**
 * What a stage returns: a record whose artifact fields are its outputs and whose other fields are
 * its decisions and counts. It round-trips through JSON (paths relative to the stage's directory),
 * so a cached execution gives back the same typed result.
 */
public interface StageResult {
  /** The artifacts written, by output name (absent optional outputs left out). */
  Map<String, StageArtifact> outputs();

  /**
   * The counts, metrics and decisions by name, as the metadata store records them with the
   * execution and {@code millrace runs show} and {@code compare} print them.
   */
  Map<String, String> properties();

  /** The properties an output artifact is recorded with (span, counts, fingerprints). */
  default Map<String, String> outputProperties(String output) {
    return Map.of();
  }

  /** One line for the progress of a run, e.g. "344 records". */
  String summary();
}
