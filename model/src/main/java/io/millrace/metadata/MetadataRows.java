package io.millrace.metadata;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * ML Metadata's records as rows: reads contexts, runs, executions, artifacts, events and properties
 * into their records, and writes the rows that link them. Each method runs inside a transaction of
 * its caller.
 */
final class MetadataRows {
  /** The key-value tables of properties, by the kind of row that owns them. */
  enum PropertyTable {
    CONTEXT("mr_context_property", "context_id"),
    ARTIFACT("mr_artifact_property", "artifact_id"),
    EXECUTION("mr_execution_property", "execution_id");

    private final String table;
    private final String ownerColumn;

    PropertyTable(String table, String ownerColumn) {
      this.table = table;
      this.ownerColumn = ownerColumn;
    }
  }

  private final Jdbc jdbc;

  MetadataRows(Jdbc jdbc) {
    this.jdbc = jdbc;
  }

  RunSummary readRunSummary(long runId) throws SQLException {
    try (PreparedStatement statement =
        jdbc.prepare(
            "SELECT r.name, p.name, r.state, r.created_at, r.ended_at FROM mr_context r"
                + " JOIN mr_context p ON p.id = r.parent_id WHERE r.id = ? AND r.context_type = ?",
            runId,
            Context.Type.RUN.name())) {
      try (ResultSet rows = statement.executeQuery()) {
        if (!rows.next()) {
          throw new MetadataStoreException(jdbc.url() + ": no run with id " + runId);
        }
        String name = rows.getString(1);
        String pipeline = rows.getString(2);
        Run.Status status = Run.Status.valueOf(rows.getString(3));
        Instant started = Instant.ofEpochMilli(rows.getLong(4));
        Optional<Instant> ended = optionalInstant(rows, 5);
        int executions = 0;
        int cached = 0;
        int failed = 0;
        try (PreparedStatement states =
            jdbc.prepare(
                "SELECT e.state FROM mr_execution e"
                    + " JOIN mr_association a ON a.execution_id = e.id WHERE a.context_id = ?",
                runId)) {
          try (ResultSet stateRows = states.executeQuery()) {
            while (stateRows.next()) {
              executions++;
              Execution.State state = Execution.State.valueOf(stateRows.getString(1));
              cached += state == Execution.State.CACHED ? 1 : 0;
              failed += state == Execution.State.FAILED ? 1 : 0;
            }
          }
        }
        return new RunSummary(
            runId,
            name,
            pipeline,
            status,
            started,
            ended,
            properties(PropertyTable.CONTEXT, runId),
            executions,
            cached,
            failed);
      }
    }
  }

  List<Long> executionIdsOfRun(long runId) throws SQLException {
    return jdbc.queryLongs(
        "SELECT execution_id FROM mr_association WHERE context_id = ? ORDER BY execution_id",
        runId);
  }

  Execution readExecution(long id) throws SQLException {
    try (PreparedStatement statement =
        jdbc.prepare(
            "SELECT e.stage, e.state, e.cache_key, e.config_json, e.code_version, e.started_at,"
                + " e.ended_at, e.error_message, e.reused_execution_id, a.context_id"
                + " FROM mr_execution e JOIN mr_association a ON a.execution_id = e.id"
                + " JOIN mr_context r ON r.id = a.context_id"
                + " WHERE e.id = ? AND r.context_type = ?",
            id,
            Context.Type.RUN.name())) {
      try (ResultSet rows = statement.executeQuery()) {
        if (!rows.next()) {
          throw new MetadataStoreException(jdbc.url() + ": no execution with id " + id);
        }
        long reused = rows.getLong(9);
        Optional<Long> reusedId = rows.wasNull() ? Optional.empty() : Optional.of(reused);
        return new Execution(
            id,
            rows.getLong(10),
            rows.getString(1),
            Execution.State.valueOf(rows.getString(2)),
            rows.getString(3),
            rows.getString(4),
            rows.getString(5),
            Instant.ofEpochMilli(rows.getLong(6)),
            optionalInstant(rows, 7),
            Optional.ofNullable(rows.getString(8)),
            reusedId,
            properties(PropertyTable.EXECUTION, id));
      }
    }
  }

  Artifact readArtifact(long id) throws SQLException {
    try (PreparedStatement statement =
        jdbc.prepare(
            "SELECT artifact_type, uri, fingerprint, state, created_at FROM mr_artifact"
                + " WHERE id = ?",
            id)) {
      try (ResultSet rows = statement.executeQuery()) {
        if (!rows.next()) {
          throw new MetadataStoreException(jdbc.url() + ": no artifact with id " + id);
        }
        return new Artifact(
            id,
            rows.getString(1),
            rows.getString(2),
            rows.getString(3),
            Artifact.State.valueOf(rows.getString(4)),
            properties(PropertyTable.ARTIFACT, id),
            Instant.ofEpochMilli(rows.getLong(5)));
      }
    }
  }

  /** The execution's artifacts of one event type, by event name, in recording order. */
  Map<String, Artifact> events(long executionId, Event.Type type) throws SQLException {
    Map<String, Long> ids = new LinkedHashMap<>();
    try (PreparedStatement statement =
        jdbc.prepare(
            "SELECT name, artifact_id FROM mr_event WHERE execution_id = ? AND event_type = ?"
                + " ORDER BY id",
            executionId,
            type.name())) {
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          ids.put(rows.getString(1), rows.getLong(2));
        }
      }
    }
    Map<String, Artifact> artifacts = new LinkedHashMap<>();
    for (Map.Entry<String, Long> entry : ids.entrySet()) {
      artifacts.put(entry.getKey(), readArtifact(entry.getValue()));
    }
    return artifacts;
  }

  Optional<Context> findContext(Context.Type type, String name) throws SQLException {
    try (PreparedStatement statement =
        jdbc.prepare(
            "SELECT id, created_at FROM mr_context WHERE context_type = ? AND name = ?",
            type.name(),
            name)) {
      try (ResultSet rows = statement.executeQuery()) {
        if (!rows.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new Context(rows.getLong(1), type, name, Instant.ofEpochMilli(rows.getLong(2))));
      }
    }
  }

  Map<String, String> properties(PropertyTable owner, long ownerId) throws SQLException {
    Map<String, String> properties = new HashMap<>();
    try (PreparedStatement statement =
        jdbc.prepare(
            "SELECT prop_name, prop_value FROM "
                + owner.table
                + " WHERE "
                + owner.ownerColumn
                + " = ?",
            ownerId)) {
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          properties.put(rows.getString(1), rows.getString(2));
        }
      }
    }
    return properties;
  }

  void insertProperties(PropertyTable owner, long ownerId, Map<String, String> properties)
      throws SQLException {
    for (Map.Entry<String, String> property : properties.entrySet()) {
      if (property.getValue() == null) {
        throw new IllegalArgumentException("property " + property.getKey() + " has no value");
      }
      jdbc.update(
          "INSERT INTO "
              + owner.table
              + " ("
              + owner.ownerColumn
              + ", prop_name, prop_value) VALUES (?, ?, ?)",
          ownerId,
          property.getKey(),
          property.getValue());
    }
  }

  /** Inserts a PIPELINE or RUN context; its id. */
  long insertContext(Context.Type type, String name, Long parentId, String state, long createdAt)
      throws SQLException {
    return jdbc.insert(
        "INSERT INTO mr_context (context_type, name, parent_id, state, created_at)"
            + " VALUES (?, ?, ?, ?, ?)",
        type.name(),
        name,
        parentId,
        state,
        createdAt);
  }

  /** Inserts a PIPELINE or RUN context unless one of that type and name exists. */
  void insertContextIfAbsent(
      Context.Type type, String name, Long parentId, String state, long createdAt)
      throws SQLException {
    jdbc.update(
        "INSERT INTO mr_context (context_type, name, parent_id, state, created_at)"
            + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (context_type, name) DO NOTHING",
        type.name(),
        name,
        parentId,
        state,
        createdAt);
  }

  /** Makes the execution part of the run. */
  void associate(long runId, long executionId) throws SQLException {
    jdbc.update(
        "INSERT INTO mr_association (context_id, execution_id) VALUES (?, ?)", runId, executionId);
  }

  /** Records the artifacts as the execution's events of this type, and as part of its run. */
  void insertEvents(
      long executionId, long runId, Event.Type type, Map<String, Artifact> artifacts, long at)
      throws SQLException {
    for (Map.Entry<String, Artifact> named : artifacts.entrySet()) {
      insertEvent(executionId, named.getValue().id(), type, named.getKey(), at);
      attribute(runId, named.getValue().id());
    }
  }

  void insertEvent(long executionId, long artifactId, Event.Type type, String name, long at)
      throws SQLException {
    jdbc.insert(
        "INSERT INTO mr_event (execution_id, artifact_id, event_type, name, created_at)"
            + " VALUES (?, ?, ?, ?, ?)",
        executionId,
        artifactId,
        type.name(),
        name,
        at);
  }

  void attribute(long contextId, long artifactId) throws SQLException {
    if (jdbc.queryLongs(
            "SELECT artifact_id FROM mr_attribution WHERE context_id = ? AND artifact_id = ?",
            contextId,
            artifactId)
        .isEmpty()) {
      jdbc.update(
          "INSERT INTO mr_attribution (context_id, artifact_id) VALUES (?, ?)",
          contextId,
          artifactId);
    }
  }

  void setOutputState(long executionId, Artifact.State from, Artifact.State to)
      throws SQLException {
    jdbc.update(
        "UPDATE mr_artifact SET state = ? WHERE state = ? AND id IN"
            + " (SELECT artifact_id FROM mr_event WHERE execution_id = ? AND event_type = ?)",
        to.name(),
        from.name(),
        executionId,
        Event.Type.OUTPUT.name());
  }

  void requireState(long executionId, Execution.State expected) throws SQLException {
    Execution execution = readExecution(executionId);
    if (execution.state() != expected) {
      throw new IllegalStateException(
          "execution "
              + executionId
              + " of stage "
              + execution.stage()
              + " is "
              + execution.state()
              + ", expected "
              + expected);
    }
  }

  static void requireType(Context context, Context.Type type) {
    if (context.type() != type) {
      throw new IllegalArgumentException(
          "context " + context.name() + " is a " + context.type() + ", expected a " + type);
    }
  }

  static Optional<Instant> optionalInstant(ResultSet rows, int column) throws SQLException {
    long millis = rows.getLong(column);
    return rows.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(millis));
  }
}
