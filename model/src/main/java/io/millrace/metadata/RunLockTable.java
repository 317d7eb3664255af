package io.millrace.metadata;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/**
 * The rows of {@code mr_run_lock} behind {@link RunLock}: one per key (a pipeline's name or a
 * root's digest), written and removed only by whoever holds its token.
 */
final class RunLockTable {
  /** A lock row: its key, the holder's token, and who the holder is. */
  record Row(
      String key,
      String token,
      String owner,
      String host,
      long pid,
      Optional<Instant> processStartedAt,
      Instant acquiredAt,
      Instant heartbeatAt) {}

  private final Jdbc jdbc;

  RunLockTable(Jdbc jdbc) {
    this.jdbc = jdbc;
  }

  /** Inserts the row; false when another row holds the key. */
  boolean insert(Row row) {
    // Outside a transaction: after the failed insert PostgreSQL would refuse the read in the same
    // one.
    return jdbc.autoCommitted(
        "taking the run lock of pipeline " + row.key(),
        () -> {
          try {
            jdbc.update(
                "INSERT INTO mr_run_lock (pipeline, token, owner, host, pid, process_started_at,"
                    + " acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                row.key(),
                row.token(),
                row.owner(),
                row.host(),
                row.pid(),
                row.processStartedAt().map(Instant::toEpochMilli).orElse(null),
                row.acquiredAt().toEpochMilli(),
                row.heartbeatAt().toEpochMilli());
            return true;
          } catch (SQLException e) {
            // Which code a unique violation has differs by driver; a row being there is what
            // counts.
            if (select(row.key()).isPresent()) {
              return false;
            }
            throw e;
          }
        });
  }

  /** The row of the key, if it is held. */
  Optional<Row> read(String key) {
    return jdbc.transaction("reading the run lock of pipeline " + key, () -> select(key));
  }

  private Optional<Row> select(String key) throws SQLException {
    try (PreparedStatement statement =
        jdbc.prepare(
            "SELECT pipeline, token, owner, host, pid, process_started_at, acquired_at,"
                + " heartbeat_at FROM mr_run_lock WHERE pipeline = ?",
            key)) {
      try (ResultSet rows = statement.executeQuery()) {
        if (!rows.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new Row(
                rows.getString(1),
                rows.getString(2),
                rows.getString(3),
                rows.getString(4),
                rows.getLong(5),
                MetadataRows.optionalInstant(rows, 6),
                Instant.ofEpochMilli(rows.getLong(7)),
                Instant.ofEpochMilli(rows.getLong(8))));
      }
    }
  }

  /** Deletes the row if it still has this token; false when someone else holds it now. */
  boolean delete(String key, String token) {
    return jdbc.transaction(
            "releasing the run lock of pipeline " + key,
            () ->
                jdbc.update("DELETE FROM mr_run_lock WHERE pipeline = ? AND token = ?", key, token))
        == 1;
  }

  /** Renews the row's heartbeat if it still has this token; false when someone else holds it. */
  boolean heartbeat(String key, String token) {
    return jdbc.transaction(
            "renewing the run lock of pipeline " + key,
            () ->
                jdbc.update(
                    "UPDATE mr_run_lock SET heartbeat_at = ? WHERE pipeline = ? AND token = ?",
                    System.currentTimeMillis(),
                    key,
                    token))
        == 1;
  }
}
