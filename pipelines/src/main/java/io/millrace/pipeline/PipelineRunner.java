package io.millrace.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.hash.Hashing;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.ArtifactKind;
import io.millrace.artifact.ContentDigest;
import io.millrace.artifact.NoSpaceLeft;
import io.millrace.evaluate.EvaluationConfig;
import io.millrace.evaluate.ModelValidation;
import io.millrace.examples.ExamplesManifest;
import io.millrace.ingest.ExampleFormat;
import io.millrace.ingest.FormatOptions;
import io.millrace.metadata.Artifact;
import io.millrace.metadata.CacheKey;
import io.millrace.metadata.CachedExecution;
import io.millrace.metadata.Context;
import io.millrace.metadata.Execution;
import io.millrace.metadata.MetadataStore;
import io.millrace.metadata.Run;
import io.millrace.metadata.RunLock;
import io.millrace.model.EvaluationRecords;
import io.millrace.model.ModelArtifact;
import io.millrace.model.ModelRegistry;
import io.millrace.record.Example;
import io.millrace.record.FeatureType;
import io.millrace.report.Html;
import io.millrace.schema.InferenceOptions;
import io.millrace.schema.SchemaFiles;
import io.millrace.schema.SchemaInference;
import io.millrace.split.Splits;
import io.millrace.stage.EvaluationJob;
import io.millrace.stage.IngestJob;
import io.millrace.stage.StatisticsJob;
import io.millrace.stage.TrainJob;
import io.millrace.stage.TransformJob;
import io.millrace.stats.StatisticsOptions;
import io.millrace.tfmd.Anomalies;
import io.millrace.tfmd.AnomalyInfo;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.tfmd.Feature;
import io.millrace.tfmd.Schema;
import io.millrace.train.ModelConfig;
import io.millrace.transform.TransformSpec;
import io.millrace.transforms.ReadExamplesArtifact;
import io.millrace.transforms.io.InputSpec;
import io.millrace.tune.ModelConfigJson;
import io.millrace.tune.SearchSpace;
import io.millrace.tune.TrainingInputs;
import io.millrace.tune.TrialResult;
import io.millrace.validate.AnomaliesArtifact;
import io.millrace.validate.StatisticsValidator;
import io.millrace.validate.ValidationOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.values.PCollection;

/**
 * Runs a {@link PipelineDefinition} end to end: ingest, statistics (every split in one Beam job),
 * schema, the validation gate, transform, train (and tune), evaluation against the registry's
 * latest model, and the push of a blessed candidate.
 *
 * <p>Each stage writes {@code <root>/artifacts/<stage>/<first 16 hex digits of its cache key>/} and
 * is recorded in the {@link MetadataStore} with its inputs and outputs. A stage whose {@link
 * CacheKey} (stage, canonical config, {@link CodeVersion}, input fingerprints) matches the latest
 * complete execution whose outputs still exist is not run: that execution's outputs are reused.
 *
 * <p>An output's fingerprint is derived from the key of the execution that wrote it (not from its
 * bytes): equal keys promise equal outputs, so a downstream key changes exactly when something
 * upstream would change what it reads. The raw data's content fingerprint is the ingest stage's
 * input and is kept on the examples artifact as {@code data_fingerprint}.
 *
 * <p>That promise holds only while the outputs are what was written: each output is also recorded
 * with the fingerprint of its content ({@value #CONTENT_FINGERPRINT}), and a cached execution is
 * reused only when every output still has it (and an examples artifact still holds every shard its
 * manifest lists). Otherwise the stage runs again, replacing the output, and says why.
 */
public final class PipelineRunner {
  public static final String INGEST = "ingest";
  public static final String STATISTICS = "statistics";
  public static final String SCHEMA = "schema";
  public static final String VALIDATION = "validation";
  public static final String TRANSFORM = "transform";
  public static final String TRAIN = "train";
  public static final String EVALUATION = "evaluation";
  public static final String PUSH = "push";
  public static final List<String> STAGES =
      List.of(INGEST, STATISTICS, SCHEMA, VALIDATION, TRANSFORM, TRAIN, EVALUATION, PUSH);

  static final ObjectMapper JSON = new ObjectMapper();
  private static final ArtifactKind SCHEMA_ARTIFACT =
      ArtifactKind.withEntries("a schema artifact", "schema.pbtxt");

  /**
   * The output artifact property holding {@link ContentDigest#of} of its files when it was written;
   * a cached execution is reused only while each output still has it.
   */
  public static final String CONTENT_FINGERPRINT = "content_sha256";

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

  /** Runs the pipeline on the DirectRunner with the cache on; job logs are discarded. */
  public static PipelineRunner of(PipelineDefinition definition) {
    return new PipelineRunner(
        definition,
        false,
        Set.of(),
        null,
        job -> PipelineOptionsFactory.fromArgs("--jobName=" + job).create(),
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
    Files.createDirectories(definition.root());
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
            execute.writeReport("FAILED: " + e.getMessage(), null);
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
      params.put(
          "no_cache", noCache ? "all" : String.join(",", new java.util.TreeSet<>(noCacheStages)));
    }
    return params;
  }

  // ------------------------------------------------------------------ one run

  /** What a stage's body produced: its outputs, the execution's properties and a progress note. */
  record Produced(Map<String, Output> outputs, Map<String, String> properties, String note) {}

  record Output(String type, Path path, Map<String, String> properties) {}

  @FunctionalInterface
  interface Body {
    Produced run(Path directory) throws IOException;
  }

  /** A stage's outcome with its output artifacts as recorded. */
  record Done(RunResult.StageResult result, Map<String, Artifact> outputs) {
    Path path(String output) {
      return result.outputs().get(output);
    }

    String property(String name) {
      return result.properties().get(name);
    }
  }

  private final class Execute {
    private final MetadataStore store;
    private final Context pipeline;
    private final Run run;
    private final PrintWriter progress;
    private final List<RunResult.StageResult> results = new ArrayList<>();
    private final String code = CodeVersion.current();
    private final Path reportDir;

    Execute(MetadataStore store, Context pipeline, Run run, PrintWriter progress) {
      this.store = store;
      this.pipeline = pipeline;
      this.run = run;
      this.progress = progress;
      this.reportDir = definition.root().resolve("runs").resolve(run.name());
    }

    RunResult all() throws IOException {
      long started = System.nanoTime();
      Done ingest = ingest();
      Done statistics = statistics(ingest);
      Done schema = schema(statistics);
      Done validation = validation(statistics, schema);
      boolean retrainOnDrift = definition.model() != null && definition.model().retrainOnDrift();
      // Under the on-drift policy drift is the trigger to retrain, not a reason to stop.
      String blockingKey = retrainOnDrift ? "blocking_besides_drift" : "blocking";
      if (Boolean.parseBoolean(validation.property(blockingKey))
          && definition.validation().blocks()) {
        return finish(
            started,
            RunResult.Status.BLOCKED,
            "blocked: validation found anomalies of severity ERROR: "
                + validation.property("errors")
                + " (see "
                + validation.path("anomalies").resolve("report.html")
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
      if (retrainOnDrift && validation.property("drifted").isEmpty()) {
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
      Done transform = transform(ingest, schema);
      if (definition.model() == null) {
        return finish(
            started,
            RunResult.Status.COMPLETED,
            "no model section: done after the transform",
            Optional.empty());
      }
      Done train = train(transform);
      Done evaluation = evaluation(ingest, train);
      if (!Boolean.parseBoolean(evaluation.property("blessed"))) {
        return finish(
            started,
            RunResult.Status.NOT_BLESSED,
            "not blessed, nothing pushed: " + evaluation.property("failures"),
            Optional.empty());
      }
      Done push = push(train, evaluation);
      String version = push.property("version");
      boolean already = Boolean.parseBoolean(push.property("already_in_registry"));
      String where = definition.modelName() + " version " + version;
      if (already) {
        return finish(
            started,
            RunResult.Status.ALREADY_PUSHED,
            "nothing to push: the blessed candidate already is " + where,
            Optional.of(version));
      }
      return finish(
          started,
          RunResult.Status.PUSHED,
          (push.result().outcome() == RunResult.Outcome.CACHED
                  ? "blessed; pushed by an earlier run as "
                  : "blessed and pushed as ")
              + where
              + " ("
              + push.path("pushed")
              + ")",
          Optional.of(version));
    }

    private RunResult finish(
        long started, RunResult.Status status, String message, Optional<String> pushed)
        throws IOException {
      Path report = writeReport(status + ": " + message, status);
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

    // ---------------------------------------------------------------- stages

    private Done ingest() throws IOException {
      PipelineDefinition.Input in = definition.input();
      InputSpec spec = inputSpec(in);
      InputSpec.Resolved resolved = spec.resolve("all");
      String dataFingerprint = resolved.fingerprint();
      Long span = singleSpan(resolved);
      ObjectNode config = JSON.createObjectNode();
      config.put("format", in.format());
      config.set("splits", JSON.valueToTree(in.splits()));
      config.set("splitPatterns", JSON.valueToTree(in.patterns().keySet()));
      config.put("splitFeature", in.splitFeature());
      config.set("missingValues", JSON.valueToTree(new java.util.TreeSet<>(in.missingValues())));
      config.put("delimiter", in.delimiter());
      config.set("featureTypes", JSON.valueToTree(new TreeMap<>(in.featureTypes())));
      config.put("inferSample", in.inferSample());
      config.put("maxBadFraction", maxBadFraction(in));
      if (in.partialFilesAccepted()) {
        // Only when set, so that the keys of runs from before the option stay the same.
        config.put("acceptPartialFiles", true);
      }
      return stage(
          INGEST,
          in.cacheEnabled(),
          config,
          Map.of(),
          List.of(dataFingerprint),
          dir -> {
            ExamplesManifest manifest =
                IngestJob.run(
                    IngestJob.Config.of(spec, dir)
                        .withOverwrite(true)
                        .withMaxBadFraction(maxBadFraction(in))
                        .withAcceptPartialFiles(in.partialFilesAccepted()),
                    options.apply("millrace-ingest"),
                    log);
            Map<String, String> properties = new LinkedHashMap<>();
            properties.put("data_fingerprint", dataFingerprint);
            if (span != null) {
              properties.put("span", span.toString());
            }
            Map<String, String> counts = new LinkedHashMap<>();
            for (ExamplesManifest.Split split : manifest.splits()) {
              counts.put("examples." + split.name(), Long.toString(split.count()));
            }
            counts.put("records", Long.toString(manifest.recordsIn()));
            counts.put("dead_letters", Long.toString(manifest.deadLetterCount()));
            counts.put("records_lost", Long.toString(manifest.recordsLost()));
            Map<String, String> artifactProperties = new LinkedHashMap<>(properties);
            artifactProperties.putAll(counts);
            return new Produced(
                Map.of("examples", new Output(Artifact.EXAMPLES, dir, artifactProperties)),
                counts,
                String.format("%,d records", manifest.recordsIn()));
          });
    }

    private Done statistics(Done ingest) throws IOException {
      PipelineDefinition.Statistics s = definition.statistics();
      StatisticsOptions statisticsOptions = StatisticsOptions.defaults();
      if (s.topK() != null) {
        statisticsOptions = statisticsOptions.withTopK(s.topK());
      }
      for (List<String> slice : s.slices()) {
        statisticsOptions = statisticsOptions.withSlice(slice.toArray(String[]::new));
      }
      StatisticsOptions chosen = statisticsOptions;
      ObjectNode config = JSON.createObjectNode();
      config.put("options", chosen.toString());
      String span = ingest.outputs().get("examples").property("span");
      return stage(
          STATISTICS,
          s.cacheEnabled(),
          config,
          inputs("examples", ingest),
          List.of(),
          dir -> {
            StatisticsJob.Result result =
                StatisticsJob.run(
                    StatisticsJob.Config.ofExamples(ingest.path("examples"), dir)
                        .withOptions(chosen)
                        .withOverwrite(true),
                    options.apply("millrace-statistics"),
                    log);
            Map<String, String> counts = new LinkedHashMap<>();
            long total = 0;
            for (StatisticsJob.Manifest.SplitFile split : result.manifest().splits()) {
              counts.put("examples." + split.name(), Long.toString(split.examples()));
              total += split.examples();
            }
            Map<String, String> artifactProperties = new LinkedHashMap<>(counts);
            if (span != null) {
              artifactProperties.put("span", span);
            }
            return new Produced(
                Map.of("statistics", new Output(Artifact.STATISTICS, dir, artifactProperties)),
                counts,
                String.format("%,d examples", total));
          });
    }

    private Done schema(Done statistics) throws IOException {
      PipelineDefinition.SchemaSource s = definition.schema();
      ObjectNode config = JSON.createObjectNode();
      List<String> extra = new ArrayList<>();
      Map<String, Artifact> inputs;
      if (s.file() != null) {
        // A curated schema does not depend on the statistics: only on the file's content.
        config.put("curated", true);
        extra.add(sha256(Files.readAllBytes(s.file())));
        inputs = Map.of();
      } else {
        config.put("maxDomainSize", s.maxDomainSize());
        config.put("inferRanges", s.inferRanges());
        config.set("drift", JSON.valueToTree(new TreeMap<>(s.drift())));
        inputs = inputs("statistics", statistics);
      }
      return stage(
          SCHEMA,
          s.cacheEnabled(),
          config,
          inputs,
          extra,
          dir -> {
            Schema schema;
            if (s.file() != null) {
              schema = SchemaFiles.read(s.file());
            } else {
              InferenceOptions inference = InferenceOptions.defaults();
              if (s.maxDomainSize() != null) {
                inference = inference.withMaxStringDomainSize(s.maxDomainSize());
              }
              if (s.inferRanges() != null) {
                inference = inference.withInferNumericRanges(s.inferRanges());
              }
              Map<String, DatasetFeatureStatisticsList> bySplit =
                  StatisticsJob.Result.open(statistics.path("statistics")).statistics();
              DatasetFeatureStatisticsList train =
                  bySplit.containsKey("train")
                      ? bySplit.get("train")
                      : bySplit.values().iterator().next();
              schema = withDriftComparators(SchemaInference.create(inference).infer(train), s);
            }
            ArtifactDirectory artifact = ArtifactDirectory.begin(dir, true, SCHEMA_ARTIFACT);
            SchemaFiles.write(schema, artifact.staging().resolve("schema.pbtxt"));
            artifact.commit();
            return new Produced(
                Map.of(
                    "schema",
                    new Output(
                        Artifact.SCHEMA,
                        dir.resolve("schema.pbtxt"),
                        Map.of("features", Integer.toString(schema.getFeatureCount())))),
                Map.of("features", Integer.toString(schema.getFeatureCount())),
                (s.file() != null ? "curated, " : "inferred, ")
                    + schema.getFeatureCount()
                    + " features");
          });
    }

    private Done validation(Done statistics, Done schema) throws IOException {
      PipelineDefinition.Validation v = definition.validation();
      Map<String, Artifact> inputs = new LinkedHashMap<>();
      inputs.putAll(inputs("statistics", statistics));
      inputs.putAll(inputs("schema", schema));
      Optional<Artifact> previous = v.checksDrift() ? previousSpan(statistics) : Optional.empty();
      previous.ifPresent(p -> inputs.put("previous_span", p));
      ObjectNode config = JSON.createObjectNode();
      config.put("environment", v.environment());
      // Whether the gate blocks is decided after the stage, on its output: not part of the key.
      return stage(
          VALIDATION,
          v.cacheEnabled(),
          config,
          inputs,
          List.of(),
          dir -> {
            Schema parsed = SchemaFiles.read(schema.path("schema"));
            Map<String, DatasetFeatureStatisticsList> bySplit =
                StatisticsJob.Result.open(statistics.path("statistics")).statistics();
            Map<String, DatasetFeatureStatisticsList> previousBySplit =
                previous.isPresent()
                    ? StatisticsJob.Result.open(Path.of(previous.get().uri())).statistics()
                    : Map.of();
            Map<String, Anomalies> anomalies = new LinkedHashMap<>();
            boolean blocking = false;
            boolean blockingBesidesDrift = false;
            java.util.Set<String> drifted = new java.util.TreeSet<>();
            int count = 0;
            List<String> errors = new ArrayList<>();
            for (Map.Entry<String, DatasetFeatureStatisticsList> e : bySplit.entrySet()) {
              ValidationOptions validationOptions = ValidationOptions.defaults();
              if (v.environment() != null) {
                validationOptions = validationOptions.withEnvironment(v.environment());
              }
              DatasetFeatureStatisticsList before = previousBySplit.get(e.getKey());
              if (before != null) {
                validationOptions = validationOptions.withPreviousSpan(before);
              }
              Anomalies found =
                  StatisticsValidator.validate(e.getValue(), parsed, validationOptions);
              anomalies.put(e.getKey(), found);
              blocking |= StatisticsValidator.blocking(found);
              count += found.getAnomalyInfoCount() + (found.hasDatasetAnomalyInfo() ? 1 : 0);
              for (Map.Entry<String, AnomalyInfo> a :
                  new TreeMap<>(found.getAnomalyInfoMap()).entrySet()) {
                if (hasDrift(a.getValue())) {
                  drifted.add(a.getKey());
                }
                if (a.getValue().getSeverity() == AnomalyInfo.Severity.ERROR) {
                  errors.add(
                      e.getKey() + "/" + a.getKey() + ": " + a.getValue().getShortDescription());
                  blockingBesidesDrift |= hasOtherThanDrift(a.getValue());
                }
              }
            }
            AnomaliesArtifact.write(dir, "Validation", bySplit, anomalies, true);
            Map<String, String> properties = new LinkedHashMap<>();
            properties.put("blocking", Boolean.toString(blocking));
            properties.put("anomalies", Integer.toString(count));
            properties.put("drift_against", previous.map(Artifact::uri).orElse(""));
            properties.put("errors", String.join("; ", errors));
            properties.put("drifted", String.join(",", drifted));
            properties.put(
                "blocking_besides_drift",
                Boolean.toString(
                    blockingBesidesDrift
                        || anomalies.values().stream().anyMatch(Anomalies::hasDatasetAnomalyInfo)));
            return new Produced(
                Map.of("anomalies", new Output(Artifact.ANOMALIES, dir, properties)),
                properties,
                count
                    + " anomalies"
                    + (blocking ? ", BLOCKING" : "")
                    + (previous.isPresent() ? ", drift checked against the previous span" : ""));
          });
    }

    private Done transform(Done ingest, Done schema) throws IOException {
      PipelineDefinition.Transform t = definition.transform();
      String specJson = Files.readString(t.file());
      TransformSpec spec = TransformSpec.fromJson(specJson);
      ObjectNode config = JSON.createObjectNode();
      config.set("spec", JSON.readTree(specJson));
      config.put("analyzeSplit", t.analyzeSplitOrDefault());
      return stage(
          TRANSFORM,
          t.cacheEnabled(),
          config,
          inputs("examples", ingest),
          List.of(),
          dir -> {
            Files.createDirectories(dir);
            TransformJob.Result result =
                TransformJob.runWithStatistics(
                    ingest.path("examples"),
                    t.analyzeSplitOrDefault(),
                    spec,
                    dir.resolve("transform"),
                    dir.resolve("examples"),
                    dir.resolve("statistics"),
                    true,
                    options.apply("millrace-transform"),
                    log);
            Map<String, String> counts = new LinkedHashMap<>();
            long total = 0;
            for (ExamplesManifest.Split split : result.transformed().splits()) {
              counts.put("examples." + split.name(), Long.toString(split.count()));
              total += split.count();
            }
            Map<String, Output> outputs = new LinkedHashMap<>();
            outputs.put(
                "transform",
                new Output(
                    Artifact.TRANSFORM,
                    dir.resolve("transform"),
                    Map.of("transform_fingerprint", result.fitted().fingerprint())));
            outputs.put(
                "transformed", new Output(Artifact.EXAMPLES, dir.resolve("examples"), counts));
            Map<String, String> properties = new LinkedHashMap<>(counts);
            properties.put("transform_fingerprint", result.fitted().fingerprint());
            return new Produced(outputs, properties, String.format("%,d examples", total));
          });
    }

    private Done train(Done transform) throws IOException {
      PipelineDefinition.Model m = definition.model();
      ModelConfig base = StageSettings.modelConfig(m.config());
      JsonNode tuner = m.tuner() == null ? null : jsonOf(m.tuner(), "model.tuner");
      ObjectNode config = JSON.createObjectNode();
      config.put("label", m.label());
      config.put("task", m.task() == null ? null : m.task().name());
      config.set("model", JSON.readTree(ModelConfigJson.write(base)));
      config.set("tuner", tuner);
      config.put("name", definition.modelName());
      config.put("trainSplit", m.trainSplitOrDefault());
      config.put("evalSplit", m.evalSplitOrDefault());
      Map<String, Artifact> inputs = new LinkedHashMap<>();
      inputs.put("transform", transform.outputs().get("transform"));
      inputs.put("examples", transform.outputs().get("transformed"));
      return stage(
          TRAIN,
          m.cacheEnabled(),
          config,
          inputs,
          List.of(),
          dir -> {
            SearchSpace search =
                m.tuner() == null ? SearchSpace.single() : StageSettings.searchSpace(m.tuner());
            TrainingInputs trainingInputs =
                new TrainingInputs(
                    transform.path("transform").toString(),
                    transform.path("transformed").toString(),
                    m.label(),
                    m.task(),
                    m.trainSplitOrDefault(),
                    m.evalSplitOrDefault());
            TrainJob.Result result =
                TrainJob.run(
                    trainingInputs,
                    base,
                    search,
                    definition.modelName(),
                    dir,
                    true,
                    options.apply("millrace-train"),
                    log);
            Map<String, String> properties = new TreeMap<>();
            TrialResult best = result.best();
            best.metrics().forEach((k, value) -> properties.put(k, Double.toString(value)));
            properties.put("objective", result.objective().metric());
            properties.put("objective_value", Double.toString(best.objectiveValue()));
            properties.put("best_trial", best.id());
            properties.put("trials", Integer.toString(result.trials().size()));
            Map<String, String> modelProperties = new LinkedHashMap<>();
            modelProperties.put("name", definition.modelName());
            modelProperties.put(
                result.objective().metric(), Double.toString(best.objectiveValue()));
            return new Produced(
                Map.of("model", new Output(Artifact.MODEL, result.model(), modelProperties)),
                properties,
                String.format(
                    "%d trial(s), best %s %s %.4f",
                    result.trials().size(),
                    best.id(),
                    result.objective().metric(),
                    best.objectiveValue()));
          });
    }

    private Done evaluation(Done ingest, Done train) throws IOException {
      PipelineDefinition.Evaluation e = definition.evaluation();
      EvaluationConfig evaluationConfig = StageSettings.evaluationConfig(e.config());
      Path candidate = train.path("model");
      String candidateFingerprint = ModelArtifact.read(candidate).fingerprint();
      Optional<Path> baseline = baseline(candidateFingerprint);
      Map<String, Artifact> inputs = new LinkedHashMap<>();
      inputs.put("model", train.outputs().get("model"));
      inputs.put("examples", ingest.outputs().get("examples"));
      baseline
          .flatMap(b -> store.findArtifactsByUri(b.toString()).stream().findFirst())
          .ifPresent(a -> inputs.put("baseline", a));
      ObjectNode config = JSON.createObjectNode();
      config.set("config", JSON.readTree(evaluationConfig.toJson()));
      config.put("split", e.splitOrDefault());
      // The baseline is part of the key by its model's fingerprint, wherever it lies.
      List<String> extra =
          List.of(
              baseline.isPresent()
                  ? "baseline:" + ModelArtifact.read(baseline.get()).fingerprint()
                  : "no baseline");
      return stage(
          EVALUATION,
          e.cacheEnabled(),
          config,
          inputs,
          extra,
          dir -> {
            // The job never replaces an artifact; this exact key's earlier output may.
            ArtifactDirectory.deleteRecursively(dir);
            org.apache.beam.sdk.Pipeline pipeline =
                org.apache.beam.sdk.Pipeline.create(options.apply("millrace-evaluation"));
            PCollection<Example> records =
                pipeline.apply(
                    "ReadEvalSplit",
                    ReadExamplesArtifact.split(ingest.path("examples"), e.splitOrDefault()));
            io.millrace.evaluate.Evaluation evaluation =
                EvaluationJob.run(records, candidate, baseline.orElse(null), evaluationConfig, dir);
            Map<String, String> properties = new TreeMap<>();
            evaluation
                .candidateMetrics()
                .overall()
                .forEach((k, v) -> properties.put(k, Double.toString(v)));
            if (evaluation.baselineMetrics() != null) {
              evaluation
                  .baselineMetrics()
                  .overall()
                  .forEach((k, v) -> properties.put("baseline." + k, Double.toString(v)));
            }
            properties.put("blessed", Boolean.toString(evaluation.blessed()));
            properties.put(
                "failures",
                evaluation.validation().failures().stream()
                    .map(ModelValidation.Failure::message)
                    .collect(Collectors.joining("; ")));
            properties.put("baseline", baseline.map(Path::toString).orElse(""));
            properties.put("model_fingerprint", candidateFingerprint);
            // The evaluation's content fingerprint, which a push checks (EvaluationRecords).
            Map<String, String> artifactProperties =
                new LinkedHashMap<>(EvaluationRecords.properties(dir));
            artifactProperties.put("baseline", baseline.map(Path::toString).orElse(""));
            return new Produced(
                Map.of("evaluation", new Output(Artifact.EVALUATION, dir, artifactProperties)),
                properties,
                String.format(
                    "%,d records, %s%s",
                    evaluation.candidateMetrics().exampleCount(),
                    evaluation.blessed() ? "BLESSED" : "NOT BLESSED",
                    baseline.isPresent() ? " against " + baseline.get() : ", no baseline"));
          });
    }

    /**
     * The registry's latest version that is not this very candidate (which an earlier run of the
     * same inputs pushed): the model the candidate must beat.
     */
    private Optional<Path> baseline(String candidateFingerprint) throws IOException {
      ModelRegistry registry = new ModelRegistry(definition.registryPath());
      String name = definition.modelName();
      Optional<Integer> latest = registry.latestVersion(name);
      if (latest.isEmpty()) {
        return Optional.empty();
      }
      List<Integer> versions = new ArrayList<>(registry.versions(name));
      versions.sort(java.util.Comparator.reverseOrder());
      for (int version : versions) {
        if (version > latest.get()) {
          continue;
        }
        Path dir = registry.version(name, version);
        if (!ModelArtifact.read(dir).fingerprint().equals(candidateFingerprint)) {
          return Optional.of(dir);
        }
      }
      return Optional.empty();
    }

    private Done push(Done train, Done evaluation) throws IOException {
      Path registryRoot = definition.registryPath();
      String name = definition.modelName();
      ObjectNode config = JSON.createObjectNode();
      config.put("registry", registryRoot.toAbsolutePath().normalize().toString());
      config.put("name", name);
      Map<String, Artifact> inputs = new LinkedHashMap<>();
      inputs.put("model", train.outputs().get("model"));
      inputs.put("evaluation", evaluation.outputs().get("evaluation"));
      return stage(
          PUSH,
          true,
          config,
          inputs,
          List.of(),
          dir -> {
            ModelRegistry registry = new ModelRegistry(registryRoot);
            String fingerprint = ModelArtifact.read(train.path("model")).fingerprint();
            Optional<Path> latest = registry.latest(name);
            boolean already =
                latest.isPresent()
                    && ModelArtifact.read(latest.get()).fingerprint().equals(fingerprint);
            int version =
                already
                    ? registry.latestVersion(name).orElseThrow()
                    : registry.push(
                        train.path("model"), evaluation.path("evaluation"), name, store);
            Path pushed = registry.version(name, version);
            Map<String, String> properties = new LinkedHashMap<>();
            properties.put("model_name", name);
            properties.put("version", Integer.toString(version));
            properties.put("model_fingerprint", fingerprint);
            Map<String, String> executionProperties = new LinkedHashMap<>(properties);
            executionProperties.put("already_in_registry", Boolean.toString(already));
            return new Produced(
                Map.of("pushed", new Output(Artifact.PUSH, pushed, properties)),
                executionProperties,
                (already ? "already in the registry as " : "pushed as ")
                    + name
                    + " version "
                    + version);
          });
    }

    // ---------------------------------------------------------------- the stage loop

    private Done stage(
        String name,
        boolean cacheEnabled,
        ObjectNode config,
        Map<String, Artifact> inputs,
        List<String> extraFingerprints,
        Body body)
        throws IOException {
      long started = System.nanoTime();
      String configJson = CacheKey.canonicalJson(config.toString());
      List<String> fingerprints = new ArrayList<>(extraFingerprints);
      inputs.values().forEach(a -> fingerprints.add(a.fingerprint()));
      String key = CacheKey.of(name, configJson, code, fingerprints);
      int index = STAGES.indexOf(name) + 1;
      boolean useCache = cacheEnabled && !noCache && !noCacheStages.contains(name);
      if (useCache) {
        Optional<CachedExecution> hit = store.cached(pipeline, name, key);
        Optional<String> changed =
            hit.isPresent() ? changedSinceWritten(hit.get().outputs()) : Optional.empty();
        if (changed.isPresent()) {
          progress.printf(
              "[%d/%d] %-11s cache miss: %s%n", index, STAGES.size(), name, changed.get());
          progress.flush();
        } else if (hit.isPresent()) {
          store.recordCachedExecution(run, name, key, inputs, hit.get());
          Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
          Map<String, Path> paths = new LinkedHashMap<>();
          hit.get().outputs().forEach((n, a) -> paths.put(n, Path.of(a.uri())));
          RunResult.StageResult result =
              new RunResult.StageResult(
                  name,
                  RunResult.Outcome.CACHED,
                  elapsed,
                  key,
                  paths,
                  hit.get().execution().properties());
          results.add(result);
          progress.printf(
              "[%d/%d] %-11s cached   (execution #%d)%n",
              index, STAGES.size(), name, hit.get().execution().id());
          progress.flush();
          return new Done(result, hit.get().outputs());
        }
      }
      Path dir = definition.root().resolve("artifacts").resolve(name).resolve(key.substring(0, 16));
      progress.printf("[%d/%d] %-11s running  -> %s%n", index, STAGES.size(), name, dir);
      progress.flush();
      Execution execution = store.startExecution(run, name, key, configJson, code, inputs);
      Produced produced;
      try {
        removeLeftovers(dir);
        produced = body.run(dir);
      } catch (IOException | RuntimeException e) {
        Exception failure = NoSpaceLeft.explains(e, dir) ? NoSpaceLeft.at(dir, e) : e;
        try {
          store.failExecution(execution, String.valueOf(failure));
        } catch (RuntimeException recording) {
          failure.addSuppressed(recording);
        }
        progress.printf(
            "[%d/%d] %-11s FAILED: %s%n", index, STAGES.size(), name, failure.getMessage());
        progress.flush();
        if (failure instanceof IOException io) {
          throw io;
        }
        throw (RuntimeException) failure;
      }
      Map<String, Artifact> recorded = new LinkedHashMap<>();
      Map<String, Path> paths = new LinkedHashMap<>();
      for (Map.Entry<String, Output> e : produced.outputs().entrySet()) {
        Output output = e.getValue();
        Map<String, String> properties = new LinkedHashMap<>(output.properties());
        properties.put(CONTENT_FINGERPRINT, ContentDigest.of(output.path()));
        recorded.put(
            e.getKey(),
            store.recordOutput(
                execution,
                e.getKey(),
                output.type(),
                output.path().toString(),
                sha256((key + "/" + e.getKey()).getBytes(StandardCharsets.UTF_8)),
                properties));
        paths.put(e.getKey(), output.path());
      }
      store.completeExecution(execution, produced.properties());
      Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
      RunResult.StageResult result =
          new RunResult.StageResult(
              name, RunResult.Outcome.RAN, elapsed, key, paths, produced.properties());
      results.add(result);
      progress.printf(
          "[%d/%d] %-11s done     %s, %.1f s%n",
          index, STAGES.size(), name, produced.note(), elapsed.toMillis() / 1000.0);
      progress.flush();
      return new Done(result, recorded);
    }

    /**
     * Why a cached execution's outputs cannot be reused, or empty when each still has the content
     * fingerprint recorded when it was written (and an examples artifact still holds every shard
     * its manifest lists, with its count and hash).
     */
    private Optional<String> changedSinceWritten(Map<String, Artifact> outputs) {
      for (Artifact output : outputs.values()) {
        Path path = Path.of(output.uri());
        String recorded = output.property(CONTENT_FINGERPRINT);
        if (recorded == null) {
          return Optional.of(path + " was recorded without a content fingerprint");
        }
        try {
          List<ContentDigest.FileDigest> files = ContentDigest.files(path);
          if (Artifact.EXAMPLES.equals(output.type())) {
            ExamplesManifest.read(path).verify(path, files);
          }
          if (!ContentDigest.of(files).equals(recorded)) {
            return Optional.of(
                path + " changed since it was written (a file was changed, added or removed)");
          }
        } catch (IOException | RuntimeException e) {
          return Optional.of(e.getMessage());
        }
      }
      return Optional.empty();
    }

    private Map<String, Artifact> inputs(String name, Done upstream) {
      if (upstream.outputs().size() != 1) {
        throw new IllegalStateException(
            upstream.result().stage() + " has outputs " + upstream.outputs().keySet());
      }
      return Map.of(name, upstream.outputs().values().iterator().next());
    }

    /**
     * The statistics of the span before this one, as an earlier run of this pipeline recorded them,
     * for drift: the newest live statistics artifact of that span still on disk.
     */
    private Optional<Artifact> previousSpan(Done statistics) {
      String span = statistics.outputs().get("statistics").property("span");
      if (span == null) {
        return Optional.empty();
      }
      // The latest earlier span with statistics: normally span - 1, but a span whose files equal
      // an earlier one's was ingested as that one (its stages were reused), so it has none.
      long current = Long.parseLong(span);
      return store.findArtifacts(Artifact.STATISTICS, Map.of()).stream()
          .filter(a -> a.property("span") != null && Long.parseLong(a.property("span")) < current)
          .filter(a -> a.state() == Artifact.State.LIVE && Files.isDirectory(Path.of(a.uri())))
          // A shared store (--metadata-url) also holds other pipelines' statistics.
          .filter(a -> Path.of(a.uri()).startsWith(definition.root().toAbsolutePath()))
          .max(
              java.util.Comparator.comparingLong((Artifact a) -> Long.parseLong(a.property("span")))
                  .thenComparing(Artifact::createdAt)
                  .thenComparingLong(Artifact::id));
    }

    // ---------------------------------------------------------------- report

    Path writeReport(String decision, RunResult.Status status) throws IOException {
      Files.createDirectories(reportDir);
      Path file = reportDir.resolve("report.html");
      StringBuilder html = new StringBuilder();
      html.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
          .append(Html.escape(run.name()))
          .append("</title><style>body{font-family:sans-serif;margin:2em}")
          .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;")
          .append("text-align:left;vertical-align:top}.cached{color:#777}</style></head><body>\n");
      html.append("<h1>Run ").append(Html.escape(run.name())).append("</h1>\n");
      html.append("<p>Pipeline <b>")
          .append(Html.escape(definition.name()))
          .append("</b>, code ")
          .append(Html.escape(code))
          .append("</p>\n<h2>Decision</h2>\n<p><b>")
          .append(Html.escape(decision))
          .append("</b></p>\n<h2>Stages</h2>\n<table><tr><th>stage</th><th>outcome</th>")
          .append("<th>seconds</th><th>reports</th><th>properties</th></tr>\n");
      for (RunResult.StageResult r : results) {
        html.append("<tr class=\"")
            .append(r.outcome() == RunResult.Outcome.CACHED ? "cached" : "ran")
            .append("\"><td>")
            .append(r.stage())
            .append("</td><td>")
            .append(r.outcome())
            .append("</td><td>")
            .append(String.format(Locale.ROOT, "%.1f", r.elapsed().toMillis() / 1000.0))
            .append("</td><td>");
        for (Map.Entry<String, Path> link : reportLinks(r).entrySet()) {
          if (Files.exists(link.getValue())) {
            html.append("<a href=\"")
                .append(Html.escape(reportDir.relativize(link.getValue()).toString()))
                .append("\">")
                .append(Html.escape(link.getKey()))
                .append("</a><br>");
          }
        }
        html.append("</td><td>");
        new TreeMap<>(r.properties())
            .forEach(
                (k, v) ->
                    html.append(Html.escape(k))
                        .append(" = ")
                        .append(Html.escape(v))
                        .append("<br>"));
        html.append("</td></tr>\n");
      }
      html.append("</table>\n</body></html>\n");
      ArtifactDirectory.writeAtomically(file, html.toString().getBytes(StandardCharsets.UTF_8));
      return file;
    }

    private Map<String, Path> reportLinks(RunResult.StageResult r) {
      Map<String, Path> links = new LinkedHashMap<>();
      Map<String, Path> out = r.outputs();
      switch (r.stage()) {
        case INGEST -> links.put("manifest", out.get("examples").resolve("manifest.json"));
        case STATISTICS ->
            links.put(
                "statistics report", out.get("statistics").resolve(StatisticsJob.REPORT_FILE));
        case SCHEMA -> links.put("schema.pbtxt", out.get("schema"));
        case VALIDATION -> links.put("anomalies", out.get("anomalies").resolve("report.html"));
        case TRANSFORM -> {
          Path dir = out.get("transform").getParent();
          links.put("pre-transform statistics", dir.resolve("statistics/pre/report.html"));
          links.put("post-transform statistics", dir.resolve("statistics/post/report.html"));
        }
        case TRAIN -> {
          Path dir = out.get("model").getParent();
          links.put("trials", dir.resolve(TrainJob.TRIALS_JSON));
          links.put("model.json (training curve)", out.get("model").resolve("model.json"));
        }
        case EVALUATION ->
            links.put("evaluation report", out.get("evaluation").resolve("report.html"));
        default -> {
          out.forEach(links::put);
        }
      }
      return links;
    }
  }

  // ------------------------------------------------------------------ helpers

  /** Whether one of an anomaly's reasons is drift between spans beyond a comparator threshold. */
  static boolean hasDrift(AnomalyInfo info) {
    return info.getReasonList().stream().anyMatch(r -> isDrift(r.getType()));
  }

  /** Whether an anomaly has a reason other than drift. */
  static boolean hasOtherThanDrift(AnomalyInfo info) {
    return info.getReasonCount() == 0
        || info.getReasonList().stream().anyMatch(r -> !isDrift(r.getType()));
  }

  private static boolean isDrift(AnomalyInfo.Type type) {
    return type == AnomalyInfo.Type.COMPARATOR_L_INFTY_HIGH
        || type == AnomalyInfo.Type.COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH;
  }

  static InputSpec inputSpec(PipelineDefinition.Input in) {
    InputSpec spec;
    if (in.pattern() != null) {
      Splits splits = in.splits().isEmpty() ? null : Splits.of(in.splits());
      if (splits != null && in.splitFeature() != null) {
        splits = splits.hashedOn(in.splitFeature());
      }
      spec = InputSpec.of(in.pattern(), splits);
    } else {
      spec = InputSpec.ofSplits(in.patterns());
    }
    if (in.format() != null) {
      spec = spec.withFormat(ExampleFormat.valueOf(in.format().toUpperCase(Locale.ROOT)));
    }
    if (in.spans() != null) {
      String[] range = in.spans().split("\\.\\.");
      long first = Long.parseLong(range[0].trim());
      spec = spec.withSpans(first, range.length > 1 ? Long.parseLong(range[1].trim()) : first);
    }
    Map<String, FeatureType> types = new LinkedHashMap<>();
    in.featureTypes()
        .forEach((k, v) -> types.put(k, FeatureType.valueOf(v.toUpperCase(Locale.ROOT))));
    FormatOptions format =
        FormatOptions.defaults()
            .withFeatureTypes(types)
            .withMissingValues(new LinkedHashSet<>(in.missingValues()));
    if (in.delimiter() != null) {
      format = format.withDelimiter(in.delimiter().charAt(0));
    }
    if (in.inferSample() != null) {
      format = format.withInferenceSample(in.inferSample());
    }
    return spec.withFormatOptions(format);
  }

  /** The inferred schema with the drift comparators the definition asks for. */
  static Schema withDriftComparators(Schema schema, PipelineDefinition.SchemaSource source) {
    Schema.Builder builder = schema.toBuilder();
    for (Map.Entry<String, Double> drift : source.drift().entrySet()) {
      Feature.Builder feature =
          builder.getFeatureBuilderList().stream()
              .filter(f -> f.getName().equals(drift.getKey()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "schema.drift names feature '"
                              + drift.getKey()
                              + "', which the data does not have"));
      if (feature.getType() == io.millrace.tfmd.FeatureType.BYTES) {
        feature.getDriftComparatorBuilder().getInfinityNormBuilder().setThreshold(drift.getValue());
      } else {
        feature
            .getDriftComparatorBuilder()
            .getJensenShannonDivergenceBuilder()
            .setThreshold(drift.getValue());
      }
    }
    return builder.build();
  }

  private static double maxBadFraction(PipelineDefinition.Input in) {
    return in.maxBadFraction() != null ? in.maxBadFraction() : 0.01;
  }

  private static Long singleSpan(InputSpec.Resolved resolved) {
    Set<Long> spans = new LinkedHashSet<>();
    for (InputSpec.Group g : resolved.groups()) {
      spans.add(g.input().span());
    }
    return spans.size() == 1 ? spans.iterator().next() : null;
  }

  /** A file's JSON, or the inline value itself. */
  static JsonNode jsonOf(JsonNode fileOrInline, String what) throws IOException {
    if (!fileOrInline.isTextual()) {
      return fileOrInline;
    }
    Path file = Path.of(fileOrInline.asText());
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new IOException(what + ": cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Deletes what crashed attempts at this exact output left: staged and replaced copies beside it,
   * and inside it at any depth, since a stage may write several artifacts into its directory (the
   * transform writes {@code statistics/pre} and {@code statistics/post}). Only names that {@link
   * ArtifactDirectory#isLeftover} recognises go. Safe because the root's run lock is held: nobody
   * else writes here.
   */
  private static void removeLeftovers(Path dir) throws IOException {
    List<Path> leftovers = new ArrayList<>();
    String prefix = "." + dir.getFileName() + ".";
    if (Files.isDirectory(dir.getParent())) {
      try (Stream<Path> entries = Files.list(dir.getParent())) {
        entries
            .filter(
                p -> {
                  String n = p.getFileName().toString();
                  return n.startsWith(prefix) && ArtifactDirectory.isLeftover(n);
                })
            .forEach(leftovers::add);
      }
    }
    if (Files.isDirectory(dir)) {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attributes) {
              if (!d.equals(dir) && ArtifactDirectory.isLeftover(d.getFileName().toString())) {
                leftovers.add(d);
                return FileVisitResult.SKIP_SUBTREE;
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
              if (ArtifactDirectory.isLeftover(file.getFileName().toString())) {
                leftovers.add(file);
              }
              return FileVisitResult.CONTINUE;
            }
          });
    }
    for (Path leftover : leftovers) {
      ArtifactDirectory.deleteRecursively(leftover);
    }
  }

  static String sha256(byte[] bytes) {
    return Hashing.sha256().hashBytes(bytes).toString();
  }
}
