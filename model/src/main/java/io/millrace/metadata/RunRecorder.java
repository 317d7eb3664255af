package io.millrace.metadata;

import io.millrace.metadata.MetadataRows.PropertyTable;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What a pipeline run writes to the store as it goes: its pipeline and run contexts, each stage's
 * execution with its input and output events, the outputs' states (PENDING until the execution
 * completes, then LIVE; ABANDONED when it fails), and cache hits as CACHED executions. Each
 * operation is one transaction.
 */
final class RunRecorder {
  private static final DateTimeFormatter RUN_NAME_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  private final Jdbc jdbc;
  private final MetadataRows rows;

  RunRecorder(Jdbc jdbc, MetadataRows rows) {
    this.jdbc = jdbc;
    this.rows = rows;
  }

  Context pipeline(String name) {
    return jdbc.transaction(
        "finding pipeline " + name,
        () -> {
          Optional<Context> existing = rows.findContext(Context.Type.PIPELINE, name);
          if (existing.isPresent()) {
            return existing.get();
          }
          // Several processes may create the same pipeline at once (one shared PostgreSQL store):
          // the first insert wins, the others take the row it wrote.
          rows.insertContextIfAbsent(
              Context.Type.PIPELINE, name, null, null, System.currentTimeMillis());
          return rows.findContext(Context.Type.PIPELINE, name).orElseThrow();
        });
  }

  Run startRun(Context pipeline, Map<String, String> params) {
    MetadataRows.requireType(pipeline, Context.Type.PIPELINE);
    return jdbc.transaction(
        "starting a run of pipeline " + pipeline.name(),
        () -> {
          long now = System.currentTimeMillis();
          String name =
              pipeline.name()
                  + "-"
                  + RUN_NAME_TIME.format(Instant.ofEpochMilli(now))
                  + "-"
                  + String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
          long id =
              rows.insertContext(
                  Context.Type.RUN, name, pipeline.id(), Run.Status.RUNNING.name(), now);
          rows.insertProperties(PropertyTable.CONTEXT, id, params);
          return new Run(id, name, pipeline, params, Instant.ofEpochMilli(now));
        });
  }

  void finishRun(Run run, Run.Status status) {
    if (status == Run.Status.RUNNING) {
      throw new IllegalArgumentException("a run is finished as SUCCEEDED, FAILED or ABANDONED");
    }
    jdbc.transaction(
        "finishing run " + run.name(),
        () ->
            jdbc.update(
                "UPDATE mr_context SET state = ?, ended_at = ? WHERE id = ?",
                status.name(),
                System.currentTimeMillis(),
                run.id()));
  }

  /** The inputs' event names are {@code input0}, {@code input1}, ... */
  Execution startExecution(
      Run run,
      String stage,
      String cacheKey,
      String configJson,
      String codeVersion,
      List<Artifact> inputs) {
    Map<String, Artifact> named = new LinkedHashMap<>();
    for (int i = 0; i < inputs.size(); i++) {
      named.put("input" + i, inputs.get(i));
    }
    return startExecution(run, stage, cacheKey, configJson, codeVersion, named);
  }

  Execution startExecution(
      Run run,
      String stage,
      String cacheKey,
      String configJson,
      String codeVersion,
      Map<String, Artifact> inputs) {
    return jdbc.transaction(
        "starting stage " + stage + " of run " + run.name(),
        () -> {
          long now = System.currentTimeMillis();
          long id =
              jdbc.insert(
                  "INSERT INTO mr_execution (stage, state, cache_key, config_json, code_version,"
                      + " started_at) VALUES (?, ?, ?, ?, ?, ?)",
                  stage,
                  Execution.State.RUNNING.name(),
                  cacheKey,
                  configJson,
                  codeVersion,
                  now);
          rows.associate(run.id(), id);
          rows.insertEvents(id, run.id(), Event.Type.INPUT, inputs, now);
          return new Execution(
              id,
              run.id(),
              stage,
              Execution.State.RUNNING,
              cacheKey,
              configJson,
              codeVersion,
              Instant.ofEpochMilli(now),
              Optional.empty(),
              Optional.empty(),
              Optional.empty(),
              Map.of());
        });
  }

  Artifact recordOutput(
      Execution execution,
      String name,
      String type,
      String uri,
      String fingerprint,
      Map<String, String> properties) {
    // Absolute, so that a process started elsewhere (the scheduler) finds it.
    String recordedUri = ArtifactUris.absoluteIfLocal(uri);
    return jdbc.transaction(
        "recording output " + name + " of stage " + execution.stage() + " (" + uri + ")",
        () -> {
          rows.requireState(execution.id(), Execution.State.RUNNING);
          if (!jdbc.queryLongs(
                  "SELECT id FROM mr_event WHERE execution_id = ? AND event_type = ? AND name = ?",
                  execution.id(),
                  Event.Type.OUTPUT.name(),
                  name)
              .isEmpty()) {
            throw new IllegalArgumentException(
                "stage "
                    + execution.stage()
                    + " (execution "
                    + execution.id()
                    + ") already recorded an output named "
                    + name);
          }
          long now = System.currentTimeMillis();
          long id =
              jdbc.insert(
                  "INSERT INTO mr_artifact (artifact_type, uri, fingerprint, state, created_at)"
                      + " VALUES (?, ?, ?, ?, ?)",
                  type,
                  recordedUri,
                  fingerprint == null ? "" : fingerprint,
                  Artifact.State.PENDING.name(),
                  now);
          rows.insertProperties(PropertyTable.ARTIFACT, id, properties);
          rows.insertEvent(execution.id(), id, Event.Type.OUTPUT, name, now);
          rows.attribute(execution.runId(), id);
          return new Artifact(
              id,
              type,
              recordedUri,
              fingerprint,
              Artifact.State.PENDING,
              properties,
              Instant.ofEpochMilli(now));
        });
  }

  Execution completeExecution(Execution execution, Map<String, String> properties) {
    return jdbc.transaction(
        "completing stage " + execution.stage() + " (execution " + execution.id() + ")",
        () -> {
          rows.requireState(execution.id(), Execution.State.RUNNING);
          jdbc.update(
              "UPDATE mr_execution SET state = ?, ended_at = ? WHERE id = ?",
              Execution.State.COMPLETE.name(),
              System.currentTimeMillis(),
              execution.id());
          rows.insertProperties(PropertyTable.EXECUTION, execution.id(), properties);
          rows.setOutputState(execution.id(), Artifact.State.PENDING, Artifact.State.LIVE);
          return rows.readExecution(execution.id());
        });
  }

  Execution failExecution(Execution execution, String error) {
    return jdbc.transaction(
        "failing stage " + execution.stage() + " (execution " + execution.id() + ")",
        () -> {
          // Only a RUNNING one: a runner failing an execution already marked abandoned must not
          // have its own error masked by this one.
          jdbc.update(
              "UPDATE mr_execution SET state = ?, ended_at = ?, error_message = ?"
                  + " WHERE id = ? AND state = ?",
              Execution.State.FAILED.name(),
              System.currentTimeMillis(),
              String.valueOf(error),
              execution.id(),
              Execution.State.RUNNING.name());
          rows.setOutputState(execution.id(), Artifact.State.PENDING, Artifact.State.ABANDONED);
          return rows.readExecution(execution.id());
        });
  }

  int markAbandoned(Context pipeline, String reason) {
    MetadataRows.requireType(pipeline, Context.Type.PIPELINE);
    return jdbc.transaction(
        "marking abandoned executions of pipeline " + pipeline.name(),
        () -> {
          long now = System.currentTimeMillis();
          List<Long> abandoned =
              jdbc.queryLongs(
                  "SELECT e.id FROM mr_execution e"
                      + " JOIN mr_association a ON a.execution_id = e.id"
                      + " JOIN mr_context r ON r.id = a.context_id"
                      + " WHERE r.parent_id = ? AND r.context_type = ? AND e.state = ?",
                  pipeline.id(),
                  Context.Type.RUN.name(),
                  Execution.State.RUNNING.name());
          for (long id : abandoned) {
            jdbc.update(
                "UPDATE mr_execution SET state = ?, ended_at = ?, error_message = ? WHERE id = ?",
                Execution.State.FAILED.name(),
                now,
                reason,
                id);
            rows.setOutputState(id, Artifact.State.PENDING, Artifact.State.ABANDONED);
          }
          jdbc.update(
              "UPDATE mr_context SET state = ?, ended_at = ?"
                  + " WHERE parent_id = ? AND context_type = ? AND state = ?",
              Run.Status.ABANDONED.name(),
              now,
              pipeline.id(),
              Context.Type.RUN.name(),
              Run.Status.RUNNING.name());
          return abandoned.size();
        });
  }

  /**
   * @param inputs null: the reused execution's inputs
   */
  Execution recordCachedExecution(
      Run run,
      String stage,
      String cacheKey,
      Map<String, Artifact> inputs,
      CachedExecution reused) {
    Execution original = reused.execution();
    if (!original.stage().equals(stage) || !original.cacheKey().equals(cacheKey)) {
      throw new IllegalArgumentException(
          "execution "
              + original.id()
              + " ran stage "
              + original.stage()
              + " with cache key "
              + original.cacheKey()
              + ", not stage "
              + stage
              + " with key "
              + cacheKey);
    }
    return jdbc.transaction(
        "recording cached stage " + stage + " of run " + run.name(),
        () -> {
          long now = System.currentTimeMillis();
          long id =
              jdbc.insert(
                  "INSERT INTO mr_execution (stage, state, cache_key, config_json, code_version,"
                      + " started_at, ended_at, reused_execution_id)"
                      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  stage,
                  Execution.State.CACHED.name(),
                  cacheKey,
                  original.configJson(),
                  original.codeVersion(),
                  now,
                  now,
                  original.id());
          rows.associate(run.id(), id);
          Map<String, Artifact> inputsToLink =
              inputs != null ? inputs : rows.events(original.id(), Event.Type.INPUT);
          rows.insertEvents(id, run.id(), Event.Type.INPUT, inputsToLink, now);
          rows.insertEvents(id, run.id(), Event.Type.OUTPUT, reused.outputs(), now);
          rows.insertProperties(PropertyTable.EXECUTION, id, original.properties());
          return rows.readExecution(id);
        });
  }

  void markDeleted(Artifact artifact) {
    jdbc.transaction(
        "marking artifact " + artifact.id() + " (" + artifact.uri() + ") deleted",
        () ->
            jdbc.update(
                "UPDATE mr_artifact SET state = ? WHERE id = ?",
                Artifact.State.DELETED.name(),
                artifact.id()));
  }
}
