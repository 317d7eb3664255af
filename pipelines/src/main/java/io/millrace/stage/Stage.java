package io.millrace.stage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One stage of the lifecycle, as the command line, {@code millrace run} and a program run it: its
 * settings (a record), its typed input artifacts (constructor parameters), and {@link #run}, which
 * writes only under the directory the {@link StageExecutor} gives it and returns a typed result.
 *
 * <p>The executor does everything around the body the same way for every stage: the cache key from
 * {@link #name}, the canonical JSON of {@link #settings}, the code version, the fingerprints of
 * {@link #inputs} and {@link #fingerprints}; reuse of a verified earlier execution; the cleanup of
 * crashed attempts; the metadata records; and, from the command line, the output guard.
 *
 * @param <R> the result: output artifacts, decisions and counts as typed fields
 */
public interface Stage<R extends StageResult> {
  /** The lifecycle's name of the stage: ingest, statistics, schema, validation, ... */
  String name();

  /**
   * The settings, whose canonical JSON is part of the cache key. Where the data is, or where a file
   * a setting names lies, is left out of it: their content is in {@link #fingerprints}.
   */
  Record settings();

  /** The artifacts the stage reads, by the name its execution records them under. */
  default Map<String, StageArtifact> inputs() {
    return Map.of();
  }

  /**
   * Fingerprints of what the stage reads besides its input artifacts (the raw data's content, a
   * curated schema's bytes, the baseline model), part of the cache key.
   */
  default List<String> fingerprints() throws IOException {
    return List.of();
  }

  /** Files the stage reads besides its input artifacts: what it must never write over. */
  default List<Path> reads() throws IOException {
    return List.of();
  }

  /** Everything the stage writes when given {@code directory}: what the output guard checks. */
  default List<Path> targets(Path directory) {
    return List.of(directory);
  }

  /** The class of the result, to read a cached one back. */
  Class<R> resultType();

  /**
   * Runs the stage: writes its artifacts under {@link StageContext#directory()}, each committed
   * atomically, and returns what it wrote and decided.
   */
  R run(StageContext context) throws IOException;
}
