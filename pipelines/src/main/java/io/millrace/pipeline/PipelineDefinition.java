package io.millrace.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.millrace.artifact.PathNames;
import io.millrace.metadata.StoreLocation;
import io.millrace.train.Task;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A whole pipeline, as {@code pipeline.yaml} declares it (read by {@link PipelineYaml}) or as built
 * in Java with {@link #of(String, Path)} and the {@code withX} methods. Paths are absolute once
 * loaded: the YAML's relative paths resolve against the folder of the file.
 *
 * <p>A section left out takes its defaults; {@code transform} and {@code model} are required to
 * train, and without {@code model} the run stops after validation and transform.
 *
 * @param root where artifacts ({@code artifacts/<stage>/<key>}), run reports ({@code runs/<run>})
 *     and the metadata store ({@code metadata.sqlite}) go
 */
public record PipelineDefinition(
    String name,
    Path root,
    Input input,
    Statistics statistics,
    SchemaSource schema,
    Validation validation,
    Transform transform,
    Model model,
    Evaluation evaluation,
    Registry registry) {

  public PipelineDefinition {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(input, "input");
    // The name keys the store and names the default root, .millrace/<name>.
    requireSegment("name", "pipeline name", name);
    statistics = statistics != null ? statistics : Statistics.defaults();
    schema = schema != null ? schema : SchemaSource.inferred();
    validation = validation != null ? validation : Validation.defaults();
    evaluation = evaluation != null ? evaluation : Evaluation.defaults();
    registry = registry != null ? registry : new Registry(null);
  }

  /** {@link PathNames#requireSegment}, naming the setting's key when it refuses the name. */
  private static void requireSegment(String key, String field, String name) {
    try {
      PathNames.requireSegment(field, name);
    } catch (IllegalArgumentException e) {
      throw new InvalidSettingException(key, e.getMessage());
    }
  }

  /** A copy that keeps the order of the entries and refuses changes. */
  private static <K, V> Map<K, V> unmodifiable(Map<K, V> map) {
    return Collections.unmodifiableMap(new LinkedHashMap<>(map));
  }

  /** A pipeline reading {@code input}, to be completed with the {@code withX} methods. */
  public static PipelineDefinition of(String name, Path root, Input input) {
    return new PipelineDefinition(name, root, input, null, null, null, null, null, null, null);
  }

  public PipelineDefinition withInput(Input input) {
    return new PipelineDefinition(
        name, root, input, statistics, schema, validation, transform, model, evaluation, registry);
  }

  public PipelineDefinition withStatistics(Statistics statistics) {
    return new PipelineDefinition(
        name, root, input, statistics, schema, validation, transform, model, evaluation, registry);
  }

  public PipelineDefinition withSchema(SchemaSource schema) {
    return new PipelineDefinition(
        name, root, input, statistics, schema, validation, transform, model, evaluation, registry);
  }

  public PipelineDefinition withValidation(Validation validation) {
    return new PipelineDefinition(
        name, root, input, statistics, schema, validation, transform, model, evaluation, registry);
  }

  public PipelineDefinition withTransform(Transform transform) {
    return new PipelineDefinition(
        name, root, input, statistics, schema, validation, transform, model, evaluation, registry);
  }

  public PipelineDefinition withModel(Model model) {
    return new PipelineDefinition(
        name, root, input, statistics, schema, validation, transform, model, evaluation, registry);
  }

  public PipelineDefinition withEvaluation(Evaluation evaluation) {
    return new PipelineDefinition(
        name, root, input, statistics, schema, validation, transform, model, evaluation, registry);
  }

  public PipelineDefinition withRegistry(Registry registry) {
    return new PipelineDefinition(
        name, root, input, statistics, schema, validation, transform, model, evaluation, registry);
  }

  public PipelineDefinition withRoot(Path root) {
    return new PipelineDefinition(
        name, root, input, statistics, schema, validation, transform, model, evaluation, registry);
  }

  /**
   * The registry models are pushed to: {@code registry.path}, by default {@code <root>/registry}.
   */
  public Path registryPath() {
    return registry.path() != null ? registry.path() : root.resolve("registry");
  }

  /** The model's name in the registry: {@code model.name}, by default the pipeline's name. */
  public String modelName() {
    return model != null && model.name() != null ? model.name() : name;
  }

  /**
   * The metadata store file under the root; for a root on an object store or HDFS, a local file
   * named by the root's URI ({@link StoreLocation}).
   */
  public Path metadataFile() {
    return StoreLocation.defaultSqlite(root, "metadata.sqlite");
  }

  /**
   * The raw data: one {@code pattern} divided by hash {@code splits} (default {@code {train: 2,
   * eval: 1}}), or one pattern per split ({@code patterns}). A pattern may name {@code {SPAN}} and
   * {@code {VERSION}}: the latest span at its latest version is read unless {@code spans} ({@code
   * "3"} or {@code "1..3"}) says otherwise.
   *
   * @param format csv, avro, parquet or tfrecord; null: told from the file names
   * @param missingValues CSV cells read as missing besides the empty one, e.g. {@code NA}
   * @param featureTypes types given instead of inferred: INT, FLOAT or BYTES
   * @param maxBadFraction fail when more records than this are dead letters or lost in damaged
   *     files (default 0.01)
   * @param acceptPartialFiles use the readable records of damaged (cut-off or corrupt) files
   *     instead of failing (default false); their lost records count toward maxBadFraction
   */
  public record Input(
      String pattern,
      Map<String, String> patterns,
      String format,
      Map<String, Integer> splits,
      String splitFeature,
      String spans,
      List<String> missingValues,
      String delimiter,
      Map<String, String> featureTypes,
      Integer inferSample,
      Double maxBadFraction,
      Boolean cache,
      Boolean acceptPartialFiles) {
    public Input {
      patterns = patterns == null ? Map.of() : unmodifiable(patterns);
      if ((pattern == null) == patterns.isEmpty()) {
        throw new InvalidSettingException(
            "input",
            "give either 'pattern' (one pattern divided by 'splits') or 'patterns' (one per"
                + " split)");
      }
      if (!patterns.isEmpty() && splits != null && !splits.isEmpty()) {
        throw new InvalidSettingException(
            "input.splits", "'splits' divides a single 'pattern'; with 'patterns' each is a split");
      }
      // Each split becomes a directory of every artifact: refused here, not after ingestion.
      patterns
          .keySet()
          .forEach(split -> requireSegment("input.patterns", "input split name", split));
      if (splits != null) {
        splits.keySet().forEach(split -> requireSegment("input.splits", "input split name", split));
      }
      splits = splits != null ? unmodifiable(splits) : pattern == null ? Map.of() : trainEval();
      missingValues = missingValues == null ? List.of() : List.copyOf(missingValues);
      featureTypes = featureTypes == null ? Map.of() : unmodifiable(featureTypes);
      if (delimiter != null && delimiter.length() != 1) {
        throw new InvalidSettingException(
            "input.delimiter", "one character, not '" + delimiter + "'");
      }
    }

    private static Map<String, Integer> trainEval() {
      Map<String, Integer> splits = new LinkedHashMap<>();
      splits.put("train", 2);
      splits.put("eval", 1);
      return Collections.unmodifiableMap(splits);
    }

    /** One pattern, divided into train (2/3) and eval (1/3) by hash. */
    public static Input of(String pattern) {
      return new Input(
          pattern, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** One pattern per split, e.g. {@code train -> a/*.csv, eval -> b/*.csv}. */
    public static Input ofPatterns(Map<String, String> patterns) {
      return new Input(
          null, patterns, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** The one pattern, divided by these hash splits. */
    public Input withSplits(Map<String, Integer> splits) {
      return new Input(
          pattern,
          null,
          format,
          splits,
          splitFeature,
          spans,
          missingValues,
          delimiter,
          featureTypes,
          inferSample,
          maxBadFraction,
          cache,
          acceptPartialFiles);
    }

    /** One pattern instead of the pattern or patterns before, with the same hash splits. */
    public Input withPattern(String pattern) {
      return new Input(
          pattern,
          null,
          format,
          splits,
          splitFeature,
          spans,
          missingValues,
          delimiter,
          featureTypes,
          inferSample,
          maxBadFraction,
          cache,
          acceptPartialFiles);
    }

    /** One pattern per split instead of the pattern or patterns before. */
    public Input withPatterns(Map<String, String> patterns) {
      return new Input(
          null,
          patterns,
          format,
          null,
          splitFeature,
          spans,
          missingValues,
          delimiter,
          featureTypes,
          inferSample,
          maxBadFraction,
          cache,
          acceptPartialFiles);
    }

    public Input withMissingValues(List<String> missingValues) {
      return new Input(
          pattern,
          patterns,
          format,
          splits,
          splitFeature,
          spans,
          missingValues,
          delimiter,
          featureTypes,
          inferSample,
          maxBadFraction,
          cache,
          acceptPartialFiles);
    }

    public boolean cacheEnabled() {
      return cache == null || cache;
    }

    public boolean partialFilesAccepted() {
      return acceptPartialFiles != null && acceptPartialFiles;
    }
  }

  /**
   * What statistics to compute besides the overall ones.
   *
   * @param slices each a feature or a list of features, e.g. {@code [payment_type, [company,
   *     payment_type]]}
   */
  public record Statistics(List<List<String>> slices, Integer topK, Boolean cache) {
    public Statistics {
      slices = slices == null ? List.of() : slices.stream().map(List::copyOf).toList();
    }

    public static Statistics defaults() {
      return new Statistics(null, null, null);
    }

    public static Statistics slicedBy(List<List<String>> slices) {
      return new Statistics(slices, null, null);
    }

    public boolean cacheEnabled() {
      return cache == null || cache;
    }
  }

  /**
   * Where the schema comes from: inferred from the training split's statistics ({@code infer:
   * true}, the default), or a curated {@code file} (schema.pbtxt, Millrace's or TFDV's).
   *
   * @param maxDomainSize string features with at most this many values get a domain (default 100)
   * @param drift drift comparators added to an inferred schema, by feature: the threshold of the
   *     L-infinity distance for a string feature, of the Jensen-Shannon divergence for a numeric
   *     one (TFDV's {@code drift_comparator}); the validation then compares each span with the
   *     previous one. A curated schema carries its own comparators.
   */
  public record SchemaSource(
      Boolean infer,
      Path file,
      Integer maxDomainSize,
      Boolean inferRanges,
      Map<String, Double> drift,
      Boolean cache) {
    public SchemaSource {
      if (file != null && Boolean.TRUE.equals(infer)) {
        throw new InvalidSettingException("schema", "give 'infer: true' or 'file', not both");
      }
      if (file == null && Boolean.FALSE.equals(infer)) {
        throw new InvalidSettingException("schema.infer", "'infer: false' needs a curated 'file'");
      }
      drift = drift == null ? Map.of() : unmodifiable(drift);
      if (file != null && !drift.isEmpty()) {
        throw new InvalidSettingException(
            "schema.drift",
            "'drift' adds comparators to an inferred schema; write them in " + file);
      }
    }

    public static SchemaSource inferred() {
      return new SchemaSource(true, null, null, null, null, null);
    }

    public static SchemaSource curated(Path file) {
      return new SchemaSource(null, file, null, null, null, null);
    }

    public SchemaSource withInfer(Boolean infer) {
      return new SchemaSource(infer, file, maxDomainSize, inferRanges, drift, cache);
    }

    public SchemaSource withFile(Path file) {
      return new SchemaSource(infer, file, maxDomainSize, inferRanges, drift, cache);
    }

    public SchemaSource withMaxDomainSize(int size) {
      return new SchemaSource(infer, file, size, inferRanges, drift, cache);
    }

    public SchemaSource withDrift(Map<String, Double> thresholds) {
      return new SchemaSource(infer, file, maxDomainSize, inferRanges, thresholds, cache);
    }

    public boolean cacheEnabled() {
      return cache == null || cache;
    }
  }

  /**
   * The data gate.
   *
   * @param block stop the run when anomalies of severity ERROR are found (default true)
   * @param drift compare with the previous span's statistics when the store has them (default true)
   * @param environment the data's environment in the schema (e.g. TRAINING), or null
   */
  public record Validation(Boolean block, Boolean drift, String environment, Boolean cache) {
    public static Validation defaults() {
      return new Validation(null, null, null, null);
    }

    public boolean blocks() {
      return block == null || block;
    }

    public boolean checksDrift() {
      return drift == null || drift;
    }

    public boolean cacheEnabled() {
      return cache == null || cache;
    }
  }

  /**
   * The preprocessing.
   *
   * @param file the transform definition (JSON: {@code {"steps": [...]}})
   * @param analyzeSplit the split the analyzers are fitted on (default train)
   */
  public record Transform(Path file, String analyzeSplit, Boolean cache) {
    public Transform {
      Objects.requireNonNull(file, "transform.file");
    }

    public static Transform of(Path file) {
      return new Transform(file, null, null);
    }

    public Transform withFile(Path file) {
      return new Transform(file, analyzeSplit, cache);
    }

    public String analyzeSplitOrDefault() {
      return analyzeSplit != null ? analyzeSplit : "train";
    }

    public boolean cacheEnabled() {
      return cache == null || cache;
    }
  }

  /**
   * The model to train (and tune).
   *
   * @param label the transform output to predict
   * @param task null: told from the label
   * @param config model settings: a file name (text) or the settings inline (an object); null for
   *     the defaults
   * @param tuner a search over the settings: a file name or inline; null trains one model
   * @param name the model's name in the registry (default: the pipeline's name)
   * @param retrain {@code always} (default) or {@code on-drift}
   */
  public record Model(
      String label,
      Task task,
      JsonNode config,
      JsonNode tuner,
      String name,
      String trainSplit,
      String evalSplit,
      Boolean cache,
      String retrain) {
    public Model {
      Objects.requireNonNull(label, "model.label");
      if (name != null) {
        // The registry stores versions under REGISTRY/<name>/: refused here, not after training.
        requireSegment("model.name", "model.name", name);
      }
      if (retrain != null && !retrain.equals("always") && !retrain.equals("on-drift")) {
        throw new InvalidSettingException(
            "model.retrain", "'always' or 'on-drift', not '" + retrain + "'");
      }
    }

    /**
     * Whether to retrain only when validation finds drift beyond the schema's comparator thresholds
     * (once a model is in the registry); drift then does not block the run.
     */
    public boolean retrainOnDrift() {
      return "on-drift".equals(retrain);
    }

    public Model withRetrain(String policy) {
      return new Model(label, task, config, tuner, name, trainSplit, evalSplit, cache, policy);
    }

    public static Model of(String label) {
      return new Model(label, null, null, null, null, null, null, null, null);
    }

    /** The settings in a file (text), rather than inline. */
    public Model withConfigFile(Path file) {
      return withConfig(TextNode.valueOf(file.toString()));
    }

    public Model withConfig(JsonNode inline) {
      return new Model(label, task, inline, tuner, name, trainSplit, evalSplit, cache, retrain);
    }

    public Model withTuner(JsonNode fileOrInline) {
      return new Model(
          label, task, config, fileOrInline, name, trainSplit, evalSplit, cache, retrain);
    }

    public Model withName(String name) {
      return new Model(label, task, config, tuner, name, trainSplit, evalSplit, cache, retrain);
    }

    public Model withTask(Task task) {
      return new Model(label, task, config, tuner, name, trainSplit, evalSplit, cache, retrain);
    }

    public String trainSplitOrDefault() {
      return trainSplit != null ? trainSplit : "train";
    }

    public String evalSplitOrDefault() {
      return evalSplit != null ? evalSplit : "eval";
    }

    public boolean cacheEnabled() {
      return cache == null || cache;
    }
  }

  /**
   * How the candidate is judged.
   *
   * @param config the evaluation config (slices, thresholds): a file name or inline; null for the
   *     defaults (no thresholds: blessed unless worse than the baseline)
   * @param split the split of the ingested data to evaluate on (default eval)
   */
  public record Evaluation(JsonNode config, String split, Boolean cache) {
    public static Evaluation defaults() {
      return new Evaluation(null, null, null);
    }

    public static Evaluation of(JsonNode fileOrInline) {
      return new Evaluation(fileOrInline, null, null);
    }

    public Evaluation withConfig(JsonNode fileOrInline) {
      return new Evaluation(fileOrInline, split, cache);
    }

    public String splitOrDefault() {
      return split != null ? split : "eval";
    }

    public boolean cacheEnabled() {
      return cache == null || cache;
    }
  }

  /**
   * Where blessed models are pushed.
   *
   * @param path null: {@code <root>/registry}
   */
  public record Registry(Path path) {}
}
