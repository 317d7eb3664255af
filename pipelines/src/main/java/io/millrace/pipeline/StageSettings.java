package io.millrace.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.millrace.artifact.StoragePaths;
import io.millrace.evaluate.BinaryMetrics;
import io.millrace.evaluate.EvaluationConfig;
import io.millrace.evaluate.MulticlassMetrics;
import io.millrace.evaluate.RegressionMetrics;
import io.millrace.ingest.ExampleFormat;
import io.millrace.record.FeatureType;
import io.millrace.schema.InferenceOptions;
import io.millrace.schema.SchemaFiles;
import io.millrace.split.Splits;
import io.millrace.stage.IngestJob;
import io.millrace.stats.StatisticsOptions;
import io.millrace.train.ModelConfig;
import io.millrace.train.Task;
import io.millrace.train.Trainer;
import io.millrace.transform.TransformSpec;
import io.millrace.tune.ModelConfigJson;
import io.millrace.tune.SearchSpace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Each stage's settings read the way the stage reads them, and {@link #check}: every setting of a
 * definition put through those readers and the stages' own option builders before anything runs, so
 * that a value a stage would refuse after an hour of training is refused when the pipeline is
 * loaded, naming its key.
 */
final class StageSettings {
  private static final Pattern SPANS = Pattern.compile("\\s*(\\d+)\\s*(?:\\.\\.\\s*(\\d+)\\s*)?");

  private StageSettings() {}

  /** A setting's check: throws what the stage would throw. */
  @FunctionalInterface
  private interface Check<T> {
    T run() throws IOException;
  }

  /**
   * Checks every setting of a definition whose paths are resolved.
   *
   * @throws InvalidSettingException naming the first setting a stage would refuse
   */
  static void check(PipelineDefinition d) {
    List<String> splits = checkInput(d.input());

    PipelineDefinition.Statistics statistics = d.statistics();
    if (statistics.topK() != null) {
      under("statistics.topK", () -> StatisticsOptions.defaults().withTopK(statistics.topK()));
    }
    under(
        "statistics.slices",
        () -> {
          StatisticsOptions options = StatisticsOptions.defaults();
          for (List<String> slice : statistics.slices()) {
            options = options.withSlice(slice.toArray(String[]::new));
          }
          return options;
        });

    PipelineDefinition.SchemaSource schema = d.schema();
    if (schema.file() != null) {
      under("schema.file", () -> SchemaFiles.read(schema.file()));
    }
    if (schema.maxDomainSize() != null) {
      under(
          "schema.maxDomainSize",
          () -> InferenceOptions.defaults().withMaxStringDomainSize(schema.maxDomainSize()));
    }
    schema
        .drift()
        .forEach(
            (feature, threshold) -> {
              if (threshold == null || !(threshold >= 0 && threshold <= 1)) {
                throw new InvalidSettingException(
                    "schema.drift." + feature,
                    "a distance threshold in [0, 1] (L-infinity or Jensen-Shannon), not "
                        + threshold);
              }
            });

    TransformSpec spec = null;
    if (d.transform() != null) {
      PipelineDefinition.Transform t = d.transform();
      spec = under("transform.file", () -> TransformSpec.read(t.file()));
      requireSplit("transform.analyzeSplit", t.analyzeSplitOrDefault(), splits);
    }
    if (d.model() != null) {
      PipelineDefinition.Model m = d.model();
      // Without a transform the run ends before training, as the run's summary says.
      List<String> outputs =
          spec == null ? null : spec.steps().stream().map(TransformSpec.Step::output).toList();
      if (outputs != null && !outputs.contains(m.label())) {
        throw new InvalidSettingException(
            "model.label",
            "'" + m.label() + "' is not an output of the transform; its outputs are " + outputs);
      }
      requireSplit("model.trainSplit", m.trainSplitOrDefault(), splits);
      requireSplit("model.evalSplit", m.evalSplitOrDefault(), splits);
      ModelConfig base = under("model.config", () -> modelConfig(m.config()));
      TransformSpec fitted = spec == null ? TransformSpec.builder().build() : spec;
      require("model.config", () -> checkKnownSizes(fitted, m.label(), base));
      if (m.tuner() != null) {
        under(
            "model.tuner",
            () -> {
              List<ModelConfig> trials = new ArrayList<>();
              try {
                SearchSpace search = searchSpace(m.tuner());
                if (search.objective() != null) {
                  Set<String> known = metricNames(m.task(), List.of(), List.of());
                  known.addAll(List.of("train_loss", "eval_loss"));
                  requireMetric(search.objective(), known, m.task(), "the objective");
                }
                search.trials(base).forEach(trial -> trials.add(trial.config()));
              } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source(m.tuner()) + e.getMessage(), e);
              }
              for (ModelConfig trial : trials) {
                checkKnownSizes(fitted, m.label(), trial);
              }
              return trials;
            });
      }
    }
    Task task = d.model() == null ? null : d.model().task();
    PipelineDefinition.Evaluation e = d.evaluation();
    under(
        "evaluation.config",
        () -> {
          EvaluationConfig config = evaluationConfig(e.config());
          Set<String> known = metricNames(task, config.confusionThresholds(), config.topK());
          for (EvaluationConfig.Threshold t : config.thresholds()) {
            requireMetric(t.metric(), known, task, "a threshold's metric");
          }
          return config.validationThresholds();
        });
    requireSplit("evaluation.split", e.splitOrDefault(), splits);
  }

  /** Checks the input section; returns the names of the splits it makes. */
  private static List<String> checkInput(PipelineDefinition.Input in) {
    List<String> splits;
    if (in.pattern() != null) {
      under("input.splits", () -> Splits.of(in.splits()));
      splits = List.copyOf(in.splits().keySet());
    } else {
      splits = List.copyOf(in.patterns().keySet());
    }
    // The rule the command line's --split-feature follows too.
    require("input.splitFeature", () -> PipelineStages.rawInput(in).checkSplitFeature());
    if (in.format() != null
        && Arrays.stream(ExampleFormat.values())
            .noneMatch(f -> f.name().equalsIgnoreCase(in.format()))) {
      throw new InvalidSettingException(
          "input.format",
          "'"
              + in.format()
              + "' is not one of "
              + Arrays.stream(ExampleFormat.values())
                  .map(f -> f.name().toLowerCase(Locale.ROOT))
                  .toList());
    }
    if (in.spans() != null) {
      Matcher spans = SPANS.matcher(in.spans());
      if (!spans.matches()
          || (spans.group(2) != null
              && Long.parseLong(spans.group(1)) > Long.parseLong(spans.group(2)))) {
        throw new InvalidSettingException(
            "input.spans", "'" + in.spans() + "' is not a span N or a range FIRST..LAST");
      }
    }
    in.featureTypes()
        .forEach(
            (feature, type) -> {
              if (Arrays.stream(FeatureType.values())
                  .noneMatch(t -> t.name().equalsIgnoreCase(type))) {
                throw new InvalidSettingException(
                    "input.featureTypes." + feature,
                    "'" + type + "' is not one of " + Arrays.toString(FeatureType.values()));
              }
            });
    if (in.delimiter() != null && "\"\r\n".contains(in.delimiter())) {
      throw new InvalidSettingException(
          "input.delimiter", "a quote or a line break cannot separate CSV fields");
    }
    if (in.inferSample() != null) {
      under(
          "input.inferSample",
          () -> io.millrace.ingest.FormatOptions.defaults().withInferenceSample(in.inferSample()));
    }
    if (in.maxBadFraction() != null) {
      under(
          "input.maxBadFraction",
          () ->
              IngestJob.Config.of(PipelineStages.rawInput(in).spec(), Path.of("."))
                  .withMaxBadFraction(in.maxBadFraction()));
    }
    under("input", () -> PipelineStages.rawInput(in).spec());
    return splits;
  }

  /**
   * Refuses a model whose weights for the id columns whose size is known before fitting (hash
   * buckets, crosses, quantile buckets) already exceed what the trainer accepts.
   */
  private static void checkKnownSizes(TransformSpec spec, String label, ModelConfig config) {
    List<Long> ids = new ArrayList<>();
    for (TransformSpec.Step step : spec.steps()) {
      if (step.output().equals(label)) {
        continue;
      }
      switch (step.kind()) {
        case HASH_STRINGS, HASHED_CROSS, BUCKETIZE -> ids.add(step.integer("num_buckets", 1));
        default -> {}
      }
    }
    Trainer.checkWeights(config, 0, 1, ids);
  }

  /**
   * The metrics the evaluator computes for a task (for every task when it is told from the label
   * later): a name outside them is a typo that would only show, as a failed threshold, after
   * training.
   */
  private static Set<String> metricNames(
      Task task, List<Double> confusionThresholds, List<Integer> topK) {
    Set<String> names = new TreeSet<>();
    if (task == null || task == Task.BINARY) {
      names.addAll(new BinaryMetrics(confusionThresholds).result().keySet());
    }
    if (task == null || task == Task.MULTICLASS) {
      names.addAll(new MulticlassMetrics(topK).result().keySet());
    }
    if (task == null || task == Task.REGRESSION) {
      names.addAll(new RegressionMetrics().result().keySet());
    }
    return names;
  }

  private static void requireMetric(String metric, Set<String> known, Task task, String what) {
    if (!known.contains(metric)) {
      throw new IllegalArgumentException(
          what
              + " '"
              + metric
              + "' is not a metric"
              + (task == null ? "" : " of a " + task + " model")
              + "; the metrics are "
              + known);
    }
  }

  private static void requireSplit(String key, String split, List<String> splits) {
    if (!splits.contains(split)) {
      throw new InvalidSettingException(
          key, "'" + split + "' is not a split of the input; the splits are " + splits);
    }
  }

  /** Runs a stage's own check of a setting, naming the setting in what it throws. */
  private static <T> T under(String key, Check<T> check) {
    try {
      return check.run();
    } catch (InvalidSettingException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new InvalidSettingException(key, describe(e));
    }
  }

  private static void require(String key, Runnable check) {
    under(
        key,
        () -> {
          check.run();
          return null;
        });
  }

  /** A failure in words: the problem a JSON reader found rather than its parser's coordinates. */
  private static String describe(Exception e) {
    Throwable t = e instanceof UncheckedIOException && e.getCause() != null ? e.getCause() : e;
    if (t instanceof JsonMappingException m && m.getCause() instanceof IllegalArgumentException) {
      return m.getCause().getMessage();
    }
    if (t instanceof JsonProcessingException j) {
      String path =
          j instanceof JsonMappingException m && !m.getPath().isEmpty()
              ? " (at " + m.getPathReference() + ")"
              : "";
      return j.getOriginalMessage() + path;
    }
    if (t instanceof IOException && t.getCause() instanceof JsonProcessingException j) {
      // Readers that name their file: keep the file, drop the parser's coordinates.
      String message = t.getMessage();
      int at = message.indexOf(j.getMessage());
      return at > 0 ? message.substring(0, at) + j.getOriginalMessage() : message;
    }
    if (t instanceof NullPointerException) {
      return "a required value is missing: " + t.getMessage();
    }
    return t.getMessage();
  }

  /** "FILE: " for a setting given as a file, "" for one given inline. */
  private static String source(JsonNode fileOrInline) {
    return fileOrInline.isTextual() ? fileOrInline.asText() + ": " : "";
  }

  /** The model settings: a file's or inline; the defaults when null. */
  static ModelConfig modelConfig(JsonNode fileOrInline) throws IOException {
    if (fileOrInline == null || fileOrInline.isNull()) {
      return ModelConfig.builder().build();
    }
    if (fileOrInline.isTextual()) {
      return ModelConfigJson.read(StoragePaths.of(fileOrInline.asText()));
    }
    if (!fileOrInline.isObject()) {
      throw new IllegalArgumentException("expected the model settings as an object or a file name");
    }
    return ModelConfigJson.overlay(ModelConfig.builder().build(), fileOrInline);
  }

  /** The tuner's search: a file's (its errors name the file) or inline. */
  static SearchSpace searchSpace(JsonNode fileOrInline) throws IOException {
    if (fileOrInline.isTextual()) {
      return SearchSpace.read(StoragePaths.of(fileOrInline.asText()));
    }
    return SearchSpace.fromJson(fileOrInline);
  }

  /** The evaluation config: a file's, inline, or the defaults when null. */
  static EvaluationConfig evaluationConfig(JsonNode fileOrInline) throws IOException {
    if (fileOrInline == null || fileOrInline.isNull()) {
      return EvaluationConfig.defaults();
    }
    if (fileOrInline.isTextual()) {
      return EvaluationConfig.read(StoragePaths.of(fileOrInline.asText()));
    }
    return EvaluationConfig.fromJson(fileOrInline.toString());
  }
}
