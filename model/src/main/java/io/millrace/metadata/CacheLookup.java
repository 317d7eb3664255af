package io.millrace.metadata;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Whether a stage's earlier outputs can be reused: the latest COMPLETE execution of the stage with
 * the same cache key in the pipeline, and only while each of its outputs is LIVE, still exists and
 * (given a verifier) still has its recorded fingerprint.
 */
final class CacheLookup {
  private final Jdbc jdbc;
  private final MetadataRows rows;

  CacheLookup(Jdbc jdbc, MetadataRows rows) {
    this.jdbc = jdbc;
    this.rows = rows;
  }

  /**
   * @param verifier null: local outputs need only exist, others miss
   */
  Optional<CachedExecution> cached(
      Context pipeline, String stage, String cacheKey, FingerprintVerifier verifier) {
    MetadataRows.requireType(pipeline, Context.Type.PIPELINE);
    Optional<CachedExecution> candidate = latestComplete(pipeline, stage, cacheKey);
    if (candidate.isEmpty()) {
      return candidate;
    }
    // Outside the transaction: a verifier may read every byte of the outputs.
    for (Artifact output : candidate.get().outputs().values()) {
      if (output.state() != Artifact.State.LIVE || !stillValid(output, verifier)) {
        return Optional.empty();
      }
    }
    return candidate;
  }

  private Optional<CachedExecution> latestComplete(
      Context pipeline, String stage, String cacheKey) {
    return jdbc.transaction(
        "looking up the cache of stage " + stage,
        () -> {
          // Ordered by id, not by time: ids grow with every insert, clocks may step back.
          List<Long> ids =
              jdbc.queryLongs(
                  "SELECT e.id FROM mr_execution e"
                      + " JOIN mr_association a ON a.execution_id = e.id"
                      + " JOIN mr_context r ON r.id = a.context_id"
                      + " WHERE r.parent_id = ? AND r.context_type = ? AND e.stage = ?"
                      + " AND e.cache_key = ? AND e.state = ?"
                      + " ORDER BY e.id DESC",
                  pipeline.id(),
                  Context.Type.RUN.name(),
                  stage,
                  cacheKey,
                  Execution.State.COMPLETE.name());
          if (ids.isEmpty()) {
            return Optional.<CachedExecution>empty();
          }
          long id = ids.get(0);
          return Optional.of(
              new CachedExecution(rows.readExecution(id), rows.events(id, Event.Type.OUTPUT)));
        });
  }

  private static boolean stillValid(Artifact artifact, FingerprintVerifier verifier) {
    Optional<Path> local = ArtifactUris.localPath(artifact.uri());
    if (local.isPresent() && !Files.exists(local.get())) {
      return false;
    }
    if (verifier == null) {
      return local.isPresent();
    }
    try {
      return verifier.matches(artifact);
    } catch (IOException e) {
      // An unreadable output cannot be trusted; the stage runs again.
      return false;
    }
  }
}
