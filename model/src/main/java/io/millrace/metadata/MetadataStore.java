package io.millrace.metadata;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * ML Metadata's model (artifacts, executions, the events linking them, and the contexts grouping
 * them) in a JDBC database: an SQLite file by default, or any database with standard SQL
 * (PostgreSQL, ...). It records what each pipeline run did, answers the runner's cache lookups, and
 * holds the per-pipeline {@link RunLock}.
 *
 * <p>The store is this entry point over classes of one responsibility each: {@link MetadataSchema}
 * (the tables), {@link Jdbc} (the connection, transactions, failures in words), {@link
 * MetadataRows} (records to and from rows), {@link RunRecorder} (what a run writes), {@link
 * CacheLookup} (which outputs may be reused), {@link RunHistory} (what past runs did) and {@link
 * RunLockTable} (the rows behind {@link RunLock}).
 *
 * <p>Only the id column of the DDL differs between SQLite and other databases; every query is
 * standard SQL with parameters. Ids come from {@link java.sql.Statement#getGeneratedKeys()}.
 * Properties are rows of key-value tables rather than JSON text, so {@link #findArtifacts} can
 * select by property in portable SQL (JSON functions differ in every database).
 *
 * <p>One store holds one connection; each operation is one transaction on it, one thread at a time,
 * so threads may share a store. Processes share an SQLite file through WAL mode and a busy timeout.
 * Failures are {@link MetadataStoreException}s naming the store and the operation.
 */
public final class MetadataStore implements AutoCloseable {
  private final Jdbc jdbc;
  private final RunRecorder recorder;
  private final CacheLookup cache;
  private final RunHistory history;
  private final RunLockTable locks;

  private MetadataStore(Jdbc jdbc) {
    this.jdbc = jdbc;
    MetadataRows rows = new MetadataRows(jdbc);
    this.recorder = new RunRecorder(jdbc, rows);
    this.cache = new CacheLookup(jdbc, rows);
    this.history = new RunHistory(jdbc, rows);
    this.locks = new RunLockTable(jdbc);
  }

  /**
   * Opens the store at a JDBC URL, creating its tables if absent. A {@code jdbc:sqlite:} URL gets
   * WAL mode, a busy timeout, foreign keys and immediate transactions.
   */
  public static MetadataStore open(String jdbcUrl) {
    Jdbc jdbc = Jdbc.connect(jdbcUrl);
    try {
      MetadataSchema.create(jdbc);
    } catch (RuntimeException e) {
      jdbc.close();
      throw e;
    }
    return new MetadataStore(jdbc);
  }

  /** Opens (creating it and its parent directories if absent) an SQLite store file. */
  public static MetadataStore openSqlite(Path file) {
    Path absolute = file.toAbsolutePath().normalize();
    try {
      Files.createDirectories(absolute.getParent());
    } catch (IOException e) {
      throw new MetadataStoreException(
          "cannot create the directory of the metadata store " + absolute + ": " + e, e);
    }
    return open("jdbc:sqlite:" + absolute);
  }

  public String url() {
    return jdbc.url();
  }

  @Override
  public void close() {
    jdbc.close();
  }

  /** The rows behind {@link RunLock}. */
  RunLockTable locks() {
    return locks;
  }

  // ---------------------------------------------------------------- recording a run

  /** The PIPELINE context of this name, created if absent. */
  public Context pipeline(String name) {
    return recorder.pipeline(name);
  }

  /** Starts a RUN of the pipeline, named after the pipeline and the start time. */
  public Run startRun(Context pipeline, Map<String, String> params) {
    return recorder.startRun(pipeline, params);
  }

  public void finishRun(Run run, Run.Status status) {
    recorder.finishRun(run, status);
  }

  /**
   * Records that a stage started in a run, reading these artifacts (event names {@code input0},
   * {@code input1}, ... unless given by {@link #startExecution(Run, String, String, String, String,
   * Map)}).
   */
  public Execution startExecution(
      Run run,
      String stage,
      String cacheKey,
      String configJson,
      String codeVersion,
      List<Artifact> inputs) {
    return recorder.startExecution(run, stage, cacheKey, configJson, codeVersion, inputs);
  }

  /** Records that a stage started in a run, reading these artifacts by input name. */
  public Execution startExecution(
      Run run,
      String stage,
      String cacheKey,
      String configJson,
      String codeVersion,
      Map<String, Artifact> inputs) {
    return recorder.startExecution(run, stage, cacheKey, configJson, codeVersion, inputs);
  }

  /**
   * Records an artifact the execution wrote. It stays {@link Artifact.State#PENDING} until the
   * execution completes, when it becomes LIVE. A local path is recorded absolute, so a process
   * started elsewhere (the scheduler) finds it.
   */
  public Artifact recordOutput(
      Execution execution,
      String name,
      String type,
      String uri,
      String fingerprint,
      Map<String, String> properties) {
    return recorder.recordOutput(execution, name, type, uri, fingerprint, properties);
  }

  /** Marks the execution COMPLETE with the properties it reports, and its outputs LIVE. */
  public Execution completeExecution(Execution execution, Map<String, String> properties) {
    return recorder.completeExecution(execution, properties);
  }

  /** Marks the execution FAILED; its outputs are ABANDONED and never reused. */
  public Execution failExecution(Execution execution, String error) {
    return recorder.failExecution(execution, error);
  }

  /**
   * Marks every RUNNING execution and run of the pipeline FAILED (ABANDONED for the run), as left
   * by a process that died. Only safe while holding the pipeline's {@link RunLock}, which calls it
   * on taking over a stale lock.
   *
   * @return how many executions were marked
   */
  public int markAbandoned(Context pipeline, String reason) {
    return recorder.markAbandoned(pipeline, reason);
  }

  /** Records that an artifact's files were deleted, so nothing reuses it. */
  public void markDeleted(Artifact artifact) {
    recorder.markDeleted(artifact);
  }

  // ---------------------------------------------------------------- cache

  /**
   * The latest COMPLETE execution of the stage in this pipeline with this cache key, if its outputs
   * can be reused: each is LIVE and its uri still exists. A uri that is not a local path or {@code
   * file:} URI cannot be checked here, so it misses; pass a {@link FingerprintVerifier} to decide.
   *
   * <p>Never an older execution than the latest match: when the latest one's outputs are gone, the
   * stage runs again.
   */
  public Optional<CachedExecution> cached(Context pipeline, String stage, String cacheKey) {
    return cache.cached(pipeline, stage, cacheKey, null);
  }

  /**
   * As {@link #cached(Context, String, String)}, and each output must also pass the verifier (for
   * example, its fingerprint recomputed from disk must equal the recorded one). Outputs whose uri
   * is not local are judged by the verifier alone.
   */
  public Optional<CachedExecution> cached(
      Context pipeline, String stage, String cacheKey, FingerprintVerifier verifier) {
    return cache.cached(pipeline, stage, cacheKey, verifier);
  }

  /**
   * Records that a stage of this run reused a cached execution's outputs: a CACHED execution with
   * the reused execution's config, code version, inputs and properties, and its outputs as its own
   * OUTPUT events, so the run's history and lineage show them.
   */
  public Execution recordCachedExecution(
      Run run, String stage, String cacheKey, CachedExecution reused) {
    return recorder.recordCachedExecution(run, stage, cacheKey, null, reused);
  }

  /**
   * As {@link #recordCachedExecution(Run, String, String, CachedExecution)}, with the inputs this
   * run gave the stage (same fingerprints as the reused execution's, since the keys match).
   */
  public Execution recordCachedExecution(
      Run run,
      String stage,
      String cacheKey,
      Map<String, Artifact> inputs,
      CachedExecution reused) {
    return recorder.recordCachedExecution(run, stage, cacheKey, inputs, reused);
  }

  // ---------------------------------------------------------------- history

  /** The runs of a pipeline, newest first. */
  public List<RunSummary> runs(Context pipeline) {
    return history.runs(pipeline);
  }

  /** A run with every execution and its artifacts, in the order the stages started. */
  public RunDetail run(long runId) {
    return history.run(runId);
  }

  /** A run by its name, as {@code millrace runs show NAME} may be given. */
  public Optional<RunDetail> run(String runName) {
    return history.run(runName);
  }

  /** Side by side: the runs' params, data fingerprints and metrics. */
  public RunComparison compare(List<Long> runIds) {
    return history.compare(runIds);
  }

  public Artifact artifact(long id) {
    return history.artifact(id);
  }

  public Execution execution(long id) {
    return history.execution(id);
  }

  /**
   * Artifacts of the type having every one of these properties, newest first: for example the Push
   * of a model version, {@code findArtifacts("Push", Map.of("model_name", "taxi", "version",
   * "3"))}.
   */
  public List<Artifact> findArtifacts(String type, Map<String, String> properties) {
    return history.findArtifacts(type, properties);
  }

  /** Artifacts recorded at this uri, newest first. */
  public List<Artifact> findArtifactsByUri(String uri) {
    return history.findArtifactsByUri(uri);
  }

  /**
   * Where an artifact came from: the execution that first wrote it (a later CACHED execution only
   * reused it), that execution's inputs, and theirs, back to artifacts nothing in the store wrote.
   */
  public Lineage lineage(Artifact artifact) {
    return history.lineage(artifact);
  }
}
