package io.millrace.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.artifact.StoragePaths;
import io.millrace.metadata.Artifact;
import io.millrace.metadata.Context;
import io.millrace.metadata.MetadataStore;
import io.millrace.metadata.Run;
import io.millrace.metadata.RunLock;
import io.millrace.metadata.StoreLocation;
import io.millrace.model.ModelRegistry;
import io.millrace.stage.EvaluationStage;
import io.millrace.stage.IngestStage;
import io.millrace.stage.PushStage;
import io.millrace.stage.SchemaStage;
import io.millrace.stage.Stage;
import io.millrace.stage.StageExecutor;
import io.millrace.stage.StageResult;
import io.millrace.stage.StatisticsStage;
import io.millrace.stage.TrainStage;
import io.millrace.stage.TransformStage;
import io.millrace.stage.ValidationStage;
import io.millrace.transforms.io.Storage;
import io.millrace.transforms.runner.StallGuardedDirectRunner;
import io.millrace.validate.AnomaliesArtifact;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Runs a {@link PipelineDefinition} end to end: ingest, statistics, schema, the validation gate,
 * transform, train (and tune), evaluation against the registry's latest model that is not the
 * candidate, and the push of a blessed candidate. It decides the order and what ends a run (the
 * gate, the blessing); the stages are the ones the commands run ({@link PipelineStages} builds them
 * from the definition) and the {@link StageExecutor} caches, runs and records each.
 *
 * <p>Each stage writes {@code <root>/artifacts/<stage>/<first 16 hex digits of its cache key>/} and
 * is recorded in the {@link MetadataStore} with its inputs and outputs. A stage whose cache key
 * (stage, canonical settings, {@link CodeVersion}, input fingerprints) matches the latest complete
 * execution whose outputs are still as they were written is not run: that execution's outputs, and
 * its typed result, are reused.
 *
 * <p>An output's fingerprint is derived from the key of the execution that wrote it (not from its
 * bytes): equal keys promise equal outputs, so a downstream key changes exactly when something
 * upstream would change what it reads. The raw data's content fingerprint is part of the ingest
 * stage's key and is kept on the examples artifact as {@code data_fingerprint}.
 */
public final class PipelineRunner {
  public static final String INGEST = IngestStage.NAME;
  public static final String STATISTICS = StatisticsStage.NAME;
  public static final String SCHEMA = SchemaStage.NAME;
  public static final String VALIDATION = ValidationStage.NAME;
  public static final String TRANSFORM = TransformStage.NAME;
  public static final String TRAIN = TrainStage.NAME;
  public static final String EVALUATION = EvaluationStage.NAME;
  public static final String PUSH = PushStage.NAME;
  public static final List<String> STAGES =
      List.of(INGEST, STATISTICS, SCHEMA, VALIDATION, TRANSFORM, TRAIN, EVALUATION, PUSH);

  static final ObjectMapper JSON = new ObjectMapper();

  private final PipelineDefinition definition;
  private final boolean noCache;
  private final Set<String> noCacheStages;
  private final String metadataUrl;
  private final Function<String, PipelineOptions> options;
  private final PrintWriter log;

  private PipelineRunner(
      PipelineDefinition definition,
      boolean noCache,
      Set<String> noCacheStages,
      String metadataUrl,
      Function<String, PipelineOptions> options,
      PrintWriter log) {
    this.definition = definition;
    this.noCache = noCache;
    this.noCacheStages = Set.copyOf(noCacheStages);
    this.metadataUrl = metadataUrl;
    this.options = options;
    this.log = log;
  }

  /**
   * Runs the pipeline on the DirectRunner (guarded against its stalls: {@link
   * StallGuardedDirectRunner}) with the cache on; job logs are discarded.
   */
  public static PipelineRunner of(PipelineDefinition definition) {
    return new PipelineRunner(
        definition,
        false,
        Set.of(),
        null,
        job -> {
          PipelineOptions options = PipelineOptionsFactory.fromArgs("--jobName=" + job).create();
          options.setRunner(StallGuardedDirectRunner.class);
          return options;
        },
        new PrintWriter(Writer.nullWriter()));
  }

  /** Runs every stage, reusing nothing. */
  public PipelineRunner withNoCache(boolean noCache) {
    return new PipelineRunner(definition, noCache, noCacheStages, metadataUrl, options, log);
  }

  /** Runs these stages (names as in {@link #STAGES}) even when their cache would hit. */
  public PipelineRunner withNoCacheStages(Set<String> stages) {
    for (String stage : stages) {
      if (!STAGES.contains(stage)) {
        throw new IllegalArgumentException("no stage '" + stage + "'; the stages are " + STAGES);
      }
    }
    return new PipelineRunner(definition, noCache, stages, metadataUrl, options, log);
  }

  /** The metadata store's JDBC URL; by default the SQLite file {@code <root>/metadata.sqlite}. */
  public PipelineRunner withMetadataUrl(String jdbcUrl) {
    return new PipelineRunner(definition, noCache, noCacheStages, jdbcUrl, options, log);
  }

  /** The Beam options of each job, by job name: where every Beam stage runs. */
  public PipelineRunner withPipelineOptions(Function<String, PipelineOptions> optionsByJobName) {
    return new PipelineRunner(
        definition, noCache, noCacheStages, metadataUrl, optionsByJobName, log);
  }

  /** Where the jobs' own progress goes (by default nowhere). */
  public PipelineRunner withJobLog(PrintWriter jobLog) {
    return new PipelineRunner(definition, noCache, noCacheStages, metadataUrl, options, jobLog);
  }

  /**
   * A job's options, completed from the environment as the AWS and Hadoop tools read it (where they
   * leave S3 and HDFS settings unset) and registered for the file work around the job, so that a
   * library user's own options reach the same storage as the CLI's.
   */
  private PipelineOptions jobOptions(String job) {
    return Storage.use(Storage.configure(options.apply(job), System.getenv()));
  }

  public PipelineDefinition definition() {
    return definition;
  }

  /** Opens the store this runner records in. */
  public MetadataStore openStore() {
    return metadataUrl != null
        ? MetadataStore.open(metadataUrl)
        : MetadataStore.openSqlite(definition.metadataFile());
  }

  /**
   * Runs the pipeline, printing a line per stage and a summary to {@code progress}.
   *
   * @throws IllegalStateException when another process is running this pipeline
   * @throws IOException when a stage fails (recorded as FAILED in the store, as is the run)
   */
  public RunResult run(PrintWriter progress) throws IOException {
    // Every setting as its stage reads it, before anything is created or run.
    StageSettings.check(definition);
    // The root, inputs and registry may be s3:// or hdfs:// URIs, reached before any job runs.
    jobOptions("millrace-" + definition.name());
    Files.createDirectories(definition.root());
    if (metadataUrl == null && StoreLocation.isOutside(definition.root())) {
      progress.printf(
          "Metadata store %s (SQLite cannot live under %s; --metadata-url names a shared one)%n",
          definition.metadataFile(), definition.root());
    }
    try (MetadataStore store = openStore()) {
      Context pipeline = store.pipeline(definition.name());
      Optional<RunLock> lock =
          RunLock.tryAcquire(store, pipeline, "millrace run " + definition.name());
      if (lock.isEmpty()) {
        throw new PipelineBusyException(
            "pipeline "
                + definition.name()
                + " is being run by "
                + RunLock.holder(store, pipeline).map(h -> h.owner().toString()).orElse("another")
                + "; wait for it to finish");
      }
      try (RunLock held = lock.get();
          RunLock root = lockRoot(store, pipeline)) {
        // Holding the lock, nothing else runs this pipeline: whatever is still RUNNING was left
        // by a process that died, and its outputs are not to be trusted.
        int abandoned = store.markAbandoned(pipeline, "left running by a process that ended");
        if (abandoned + held.abandonedExecutions() > 0) {
          progress.printf(
              "%d stage execution(s) left running by an earlier run marked failed%n",
              abandoned + held.abandonedExecutions());
        }
        Run run = store.startRun(pipeline, params());
        progress.printf("Run %s of pipeline %s%n", run.name(), definition.name());
        progress.flush();
        Execute execute = new Execute(store, pipeline, run, progress);
        RunResult result;
        try {
          result = execute.all();
        } catch (IOException | RuntimeException e) {
          // Recording the failure may fail too (a full disk): the first failure is the one to tell.
          try {
            store.finishRun(run, Run.Status.FAILED);
            execute.writeReport("FAILED: " + e.getMessage());
          } catch (IOException | RuntimeException recording) {
            e.addSuppressed(recording);
          }
          throw e;
        }
        store.finishRun(run, Run.Status.SUCCEEDED);
        return result;
      }
    }
  }

  /**
   * Takes the lock of the root too: artifacts are keyed by content, not by pipeline, so another
   * pipeline on the same root would write the very directories this run writes.
   *
   * @throws PipelineBusyException naming the run that holds the root
   */
  private RunLock lockRoot(MetadataStore store, Context pipeline) throws IOException {
    Path root = definition.root();
    Optional<RunLock> lock =
        RunLock.tryAcquireRoot(store, pipeline, root, "millrace run " + definition.name());
    if (lock.isEmpty()) {
      throw new PipelineBusyException(
          "pipeline "
              + definition.name()
              + " did not start: its root "
              + root.toRealPath()
              + " is in use by "
              + RunLock.rootHolder(store, root).map(h -> h.owner().toString()).orElse("another run")
              + "; wait for it to finish");
    }
    return lock.get();
  }

  private Map<String, String> params() {
    Map<String, String> params = new LinkedHashMap<>();
    PipelineDefinition.Input in = definition.input();
    params.put(
        "input", in.pattern() != null ? in.pattern() : JSON.valueToTree(in.patterns()).toString());
    if (in.spans() != null) {
      params.put("spans", in.spans());
    }
    params.put("code_version", CodeVersion.current());
    if (definition.model() != null) {
      params.put("model.label", definition.model().label());
      params.put("model.name", definition.modelName());
    }
    if (noCache || !noCacheStages.isEmpty()) {
      params.put("no_cache", noCache ? "all" : String.join(",", new TreeSet<>(noCacheStages)));
    }
    return params;
  }

  // ------------------------------------------------------------------ one run

  /** Whether a stage may be reused from the cache: its section allows it and the run does. */
  private boolean useCache(String stage, boolean sectionAllows) {
    return sectionAllows && !noCache && !noCacheStages.contains(stage);
  }

  /** One run: the stages in order, the gate and the decision. */
  private final class Execute {
    private final MetadataStore store;
    private final Run run;
    private final PrintWriter progress;
    private final StageExecutor executor;
    private final PipelineStages stages = new PipelineStages(definition);
    private final List<RunResult.StageResult> results = new ArrayList<>();
    private final String code = CodeVersion.current();

    Execute(MetadataStore store, Context pipeline, Run run, PrintWriter progress) {
      this.store = store;
      this.run = run;
      this.progress = progress;
      this.executor =
          StageExecutor.recording(
              new StageExecutor.Recording(
                  store,
                  pipeline,
                  run,
                  code,
                  definition.root().resolve("artifacts"),
                  STAGES,
                  progress),
              PipelineRunner.this::jobOptions,
              log);
    }

    private <R extends StageResult> R run(Stage<R> stage, boolean sectionAllowsCache)
        throws IOException {
      StageExecutor.Executed<R> done =
          executor.run(stage, useCache(stage.name(), sectionAllowsCache));
      Map<String, Path> outputs = new LinkedHashMap<>();
      done.result().outputs().forEach((name, artifact) -> outputs.put(name, artifact.path()));
      results.add(
          new RunResult.StageResult(
              done.stage(),
              done.cached() ? RunResult.Outcome.CACHED : RunResult.Outcome.RAN,
              done.elapsed(),
              done.cacheKey(),
              outputs,
              done.properties()));
      return done.result();
    }

    RunResult all() throws IOException {
      long started = System.nanoTime();
      IngestStage.Result ingest = run(stages.ingest(), definition.input().cacheEnabled());
      StatisticsStage.Result statistics =
          run(stages.statistics(ingest), definition.statistics().cacheEnabled());
      SchemaStage.Result schema =
          run(stages.schema(statistics), definition.schema().cacheEnabled());
      Path previous =
          definition.validation().checksDrift() ? previousSpan(statistics).orElse(null) : null;
      ValidationStage.Result validation =
          run(
              stages.validation(statistics, schema, previous),
              definition.validation().cacheEnabled());
      boolean retrainOnDrift = definition.model() != null && definition.model().retrainOnDrift();
      // Under the on-drift policy drift is the trigger to retrain, not a reason to stop.
      boolean blocking = retrainOnDrift ? validation.blockingBesidesDrift() : validation.blocking();
      if (blocking && definition.validation().blocks()) {
        return finish(
            started,
            RunResult.Status.BLOCKED,
            "blocked: validation found anomalies of severity ERROR: "
                + String.join("; ", validation.errors())
                + " (see "
                + validation.anomalies().path().resolve(AnomaliesArtifact.REPORT)
                + ")",
            Optional.empty());
      }
      if (definition.transform() == null) {
        return finish(
            started,
            RunResult.Status.COMPLETED,
            "no transform section: done after validation",
            Optional.empty());
      }
      if (retrainOnDrift && validation.drifted().isEmpty()) {
        Optional<Integer> current =
            new ModelRegistry(definition.registryPath()).latestVersion(definition.modelName());
        if (current.isPresent()) {
          return finish(
              started,
              RunResult.Status.UP_TO_DATE,
              "no drift beyond the schema's thresholds: "
                  + definition.modelName()
                  + " version "
                  + current.get()
                  + " stays (retrain: on-drift)",
              Optional.empty());
        }
      }
      TransformStage.Result transform =
          run(stages.transform(ingest), definition.transform().cacheEnabled());
      if (definition.model() == null) {
        return finish(
            started,
            RunResult.Status.COMPLETED,
            "no model section: done after the transform",
            Optional.empty());
      }
      TrainStage.Result train = run(stages.train(transform), definition.model().cacheEnabled());
      EvaluationStage.Result evaluation =
          run(stages.evaluation(ingest, train), definition.evaluation().cacheEnabled());
      if (!evaluation.blessed()) {
        return finish(
            started,
            RunResult.Status.NOT_BLESSED,
            "not blessed, nothing pushed: " + String.join("; ", evaluation.failures()),
            Optional.empty());
      }
      PushStage.Result push = run(stages.push(train, evaluation, store), true);
      String version = Integer.toString(push.version());
      String where = definition.modelName() + " version " + version;
      if (push.alreadyInRegistry()) {
        return finish(
            started,
            RunResult.Status.ALREADY_PUSHED,
            "nothing to push: the blessed candidate already is " + where,
            Optional.of(version));
      }
      boolean pushedEarlier = results.get(results.size() - 1).outcome() == RunResult.Outcome.CACHED;
      return finish(
          started,
          RunResult.Status.PUSHED,
          (pushedEarlier ? "blessed; pushed by an earlier run as " : "blessed and pushed as ")
              + where
              + " ("
              + push.pushed().path()
              + ")",
          Optional.of(version));
    }

    private RunResult finish(
        long started, RunResult.Status status, String message, Optional<String> pushed)
        throws IOException {
      Path report = writeReport(status + ": " + message);
      double seconds = (System.nanoTime() - started) / 1e9;
      long cached = results.stream().filter(r -> r.outcome() == RunResult.Outcome.CACHED).count();
      progress.printf(
          "%s in %.1f s: %d stage(s) ran, %d cached%n",
          status, seconds, results.size() - cached, cached);
      progress.println("  " + message);
      progress.println("  report " + report);
      progress.flush();
      return new RunResult(status, run.name(), run.id(), results, report, pushed, message);
    }

    Path writeReport(String decision) throws IOException {
      return RunReport.write(
          definition.root().resolve("runs").resolve(run.name()),
          run.name(),
          definition.name(),
          code,
          decision,
          results);
    }

    /**
     * The statistics of the span before this one, as an earlier run of this pipeline recorded them,
     * for drift: the newest live statistics artifact of that span still on disk.
     */
    private Optional<Path> previousSpan(StatisticsStage.Result statistics) {
      if (statistics.span() == null) {
        return Optional.empty();
      }
      // The latest earlier span with statistics: normally span - 1, but a span whose files equal
      // an earlier one's was ingested as that one (its stages were reused), so it has none.
      long current = statistics.span();
      Optional<Artifact> previous =
          store.findArtifacts(Artifact.STATISTICS, Map.of()).stream()
              .filter(
                  a -> a.property("span") != null && Long.parseLong(a.property("span")) < current)
              .filter(
                  a ->
                      a.state() == Artifact.State.LIVE
                          && Files.isDirectory(StoragePaths.of(a.uri())))
              // A shared store (--metadata-url) also holds other pipelines' statistics.
              .filter(a -> StoragePaths.of(a.uri()).startsWith(definition.root().toAbsolutePath()))
              .max(
                  Comparator.comparingLong((Artifact a) -> Long.parseLong(a.property("span")))
                      .thenComparing(Artifact::createdAt)
                      .thenComparingLong(Artifact::id));
      previous.ifPresent(executor::recognise);
      return previous.map(a -> StoragePaths.of(a.uri()));
    }
  }
}
