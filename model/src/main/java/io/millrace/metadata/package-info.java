/**
 * Millrace's metadata store: ML Metadata's model on JDBC, for lineage, caching, run history and the
 * one-run-per-pipeline lock.
 *
 * <p>How the pipeline runner uses it, per run:
 *
 * <pre>{@code
 * try (MetadataStore store = MetadataStore.openSqlite(home.resolve("metadata.db"))) {
 *   Context pipeline = store.pipeline("taxi");
 *   Optional<RunLock> lock = RunLock.tryAcquire(store, pipeline, "scheduler");
 *   if (lock.isEmpty()) return; // the previous run is still going: RunLock.holder says whose
 *   try (RunLock held = lock.get()) {
 *     Run run = store.startRun(pipeline, params);
 *     for (Stage stage : dag) {
 *       String key = CacheKey.forInputs(stage.name(), stage.configJson(), CODE, inputs);
 *       Optional<CachedExecution> hit = store.cached(pipeline, stage.name(), key, verifier);
 *       if (hit.isPresent()) {
 *         store.recordCachedExecution(run, stage.name(), key, namedInputs, hit.get());
 *         continue; // use hit.get().outputs()
 *       }
 *       Execution execution = store.startExecution(run, stage.name(), key, ...);
 *       try {
 *         ... write each output atomically, then store.recordOutput(execution, ...)
 *         store.completeExecution(execution, metrics);
 *       } catch (Exception e) {
 *         store.failExecution(execution, e.toString());
 *         store.finishRun(run, Run.Status.FAILED);
 *         throw e;
 *       }
 *     }
 *     store.finishRun(run, Run.Status.SUCCEEDED);
 *   }
 * }
 * }</pre>
 *
 * <p>Tables (ids generated; times are epoch milliseconds in BIGINT columns):
 *
 * <ul>
 *   <li>{@code mr_schema_version(version)}
 *   <li>{@code mr_context(id, context_type PIPELINE|RUN, name, parent_id -> the run's pipeline,
 *       state the run's status, created_at, ended_at)}, unique (context_type, name)
 *   <li>{@code mr_artifact(id, artifact_type, uri, fingerprint, state, created_at)}
 *   <li>{@code mr_execution(id, stage, state, cache_key, config_json, code_version, started_at,
 *       ended_at, error_message, reused_execution_id)}
 *   <li>{@code mr_event(id, execution_id, artifact_id, event_type INPUT|OUTPUT, name, created_at)}
 *   <li>{@code mr_association(context_id, execution_id)}: an execution's run
 *   <li>{@code mr_attribution(context_id, artifact_id)}: the artifacts a run wrote, read or reused
 *   <li>{@code mr_context_property}, {@code mr_artifact_property}, {@code mr_execution_property}:
 *       {@code (owner id, prop_name, prop_value)}, for run params, artifact properties and the
 *       properties (metrics) an execution reported
 *   <li>{@code mr_run_lock(pipeline primary key, token, owner, host, pid, process_started_at,
 *       acquired_at, heartbeat_at)}
 * </ul>
 */
package io.millrace.metadata;
