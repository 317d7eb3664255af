package io.millrace.metadata;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the store can tell about past runs: a pipeline's runs, one run's executions and artifacts,
 * runs side by side, artifacts by type and properties or by uri, and an artifact's lineage. Each
 * answer is read in one transaction.
 */
final class RunHistory {
  private final Jdbc jdbc;
  private final MetadataRows rows;

  RunHistory(Jdbc jdbc, MetadataRows rows) {
    this.jdbc = jdbc;
    this.rows = rows;
  }

  List<RunSummary> runs(Context pipeline) {
    MetadataRows.requireType(pipeline, Context.Type.PIPELINE);
    return jdbc.transaction(
        "listing runs of pipeline " + pipeline.name(),
        () -> {
          List<Long> ids =
              jdbc.queryLongs(
                  "SELECT id FROM mr_context WHERE parent_id = ? AND context_type = ?"
                      + " ORDER BY id DESC",
                  pipeline.id(),
                  Context.Type.RUN.name());
          List<RunSummary> runs = new ArrayList<>();
          for (long id : ids) {
            runs.add(rows.readRunSummary(id));
          }
          return runs;
        });
  }

  RunDetail run(long runId) {
    return jdbc.transaction("reading run " + runId, () -> readRun(runId));
  }

  Optional<RunDetail> run(String runName) {
    return jdbc.transaction(
        "finding run " + runName,
        () -> {
          Optional<Context> context = rows.findContext(Context.Type.RUN, runName);
          return context.isEmpty()
              ? Optional.<RunDetail>empty()
              : Optional.of(readRun(context.get().id()));
        });
  }

  private RunDetail readRun(long runId) throws SQLException {
    RunSummary summary = rows.readRunSummary(runId);
    List<RunDetail.StageExecution> stages = new ArrayList<>();
    for (long id : rows.executionIdsOfRun(runId)) {
      stages.add(
          new RunDetail.StageExecution(
              rows.readExecution(id),
              rows.events(id, Event.Type.INPUT),
              rows.events(id, Event.Type.OUTPUT)));
    }
    return new RunDetail(summary, stages);
  }

  RunComparison compare(List<Long> runIds) {
    List<RunDetail> details = new ArrayList<>();
    for (long id : runIds) {
      details.add(run(id));
    }
    return RunComparison.of(details);
  }

  Artifact artifact(long id) {
    return jdbc.transaction("reading artifact " + id, () -> rows.readArtifact(id));
  }

  Execution execution(long id) {
    return jdbc.transaction("reading execution " + id, () -> rows.readExecution(id));
  }

  List<Artifact> findArtifacts(String type, Map<String, String> properties) {
    return jdbc.transaction(
        "finding " + type + " artifacts with " + properties,
        () -> {
          StringBuilder sql =
              new StringBuilder("SELECT a.id FROM mr_artifact a WHERE a.artifact_type = ?");
          List<Object> args = new ArrayList<>();
          args.add(type);
          for (Map.Entry<String, String> property : Maps.sorted(properties).entrySet()) {
            sql.append(
                " AND EXISTS (SELECT 1 FROM mr_artifact_property p WHERE p.artifact_id = a.id"
                    + " AND p.prop_name = ? AND p.prop_value = ?)");
            args.add(property.getKey());
            args.add(property.getValue());
          }
          sql.append(" ORDER BY a.id DESC");
          List<Artifact> found = new ArrayList<>();
          for (long id : jdbc.queryLongs(sql.toString(), args.toArray())) {
            found.add(rows.readArtifact(id));
          }
          return found;
        });
  }

  List<Artifact> findArtifactsByUri(String uri) {
    return jdbc.transaction(
        "finding artifacts at " + uri,
        () -> {
          List<Artifact> found = new ArrayList<>();
          for (long id :
              jdbc.queryLongs("SELECT id FROM mr_artifact WHERE uri = ? ORDER BY id DESC", uri)) {
            found.add(rows.readArtifact(id));
          }
          return found;
        });
  }

  Lineage lineage(Artifact artifact) {
    return jdbc.transaction(
        "tracing the lineage of artifact " + artifact.id() + " (" + artifact.uri() + ")",
        () -> lineage(artifact.id(), new HashMap<>()));
  }

  private Lineage lineage(long artifactId, Map<Long, Lineage> done) throws SQLException {
    Lineage known = done.get(artifactId);
    if (known != null) {
      return known;
    }
    Artifact artifact = rows.readArtifact(artifactId);
    List<Long> producers =
        jdbc.queryLongs(
            "SELECT execution_id FROM mr_event WHERE artifact_id = ? AND event_type = ?"
                + " ORDER BY id",
            artifactId,
            Event.Type.OUTPUT.name());
    Lineage lineage;
    if (producers.isEmpty()) {
      lineage = new Lineage(artifact, Optional.empty(), Map.of());
    } else {
      long producerId = producers.get(0);
      Map<String, Lineage> inputs = new LinkedHashMap<>();
      for (Map.Entry<String, Artifact> input :
          rows.events(producerId, Event.Type.INPUT).entrySet()) {
        inputs.put(input.getKey(), lineage(input.getValue().id(), done));
      }
      lineage = new Lineage(artifact, Optional.of(rows.readExecution(producerId)), inputs);
    }
    done.put(artifactId, lineage);
    return lineage;
  }
}
