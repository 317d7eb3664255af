package io.millrace.stage;

import io.millrace.artifact.ArtifactDirectory;
import io.millrace.evaluate.Evaluation;
import io.millrace.evaluate.EvaluationConfig;
import io.millrace.evaluate.ModelValidation;
import io.millrace.model.ModelArtifact;
import io.millrace.model.ModelRegistry;
import io.millrace.record.Example;
import io.millrace.transforms.ReadExamples;
import io.millrace.transforms.ReadExamplesArtifact;
import io.millrace.transforms.io.InputPattern;
import io.millrace.transforms.io.Storage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.values.PCollection;

/**
 * Evaluation of a candidate model, and of the baseline it must beat in the same job, on raw eval
 * records: metrics overall and per slice, thresholds, and the blessing ({@link EvaluationJob}).
 *
 * <p>The baseline from a registry is its latest version that is not the candidate itself (by model
 * fingerprint): a candidate already pushed, by an earlier run or by hand, is compared with the
 * version before it, never with itself.
 */
public final class EvaluationStage
    extends AbstractStage<EvaluationStage.Settings, EvaluationStage.Result> {
  public static final String NAME = "evaluation";

  /**
   * @param config slices and thresholds
   * @param split the split of the examples artifact evaluated on (ignored for raw records)
   */
  public record Settings(EvaluationConfig config, String split) {}

  /**
   * What the evaluation found and decided.
   *
   * @param failures each failed threshold, in words
   * @param metrics the candidate's overall metrics
   * @param baselineMetrics the baseline's overall metrics; null without a baseline
   * @param baseline the baseline model; null without one
   * @param evaluationFingerprint the content fingerprint a push checks
   */
  public record Result(
      StageArtifact.Evaluation evaluation,
      boolean blessed,
      List<String> failures,
      long examples,
      Map<String, Double> metrics,
      Map<String, Double> baselineMetrics,
      Path baseline,
      String modelFingerprint,
      String evaluationFingerprint)
      implements StageResult {
    @Override
    public Map<String, StageArtifact> outputs() {
      return Map.of("evaluation", evaluation);
    }

    @Override
    public Map<String, String> properties() {
      Map<String, String> properties = new TreeMap<>();
      metrics.forEach((k, v) -> properties.put(k, Double.toString(v)));
      if (baselineMetrics != null) {
        baselineMetrics.forEach((k, v) -> properties.put("baseline." + k, Double.toString(v)));
      }
      properties.put("blessed", Boolean.toString(blessed));
      properties.put("failures", String.join("; ", failures));
      properties.put("baseline", baseline == null ? "" : baseline.toString());
      properties.put("model_fingerprint", modelFingerprint);
      return properties;
    }

    /** What a push checks the evaluation against ({@link io.millrace.model.EvaluationRecords}). */
    @Override
    public Map<String, String> outputProperties(String output) {
      Map<String, String> properties = new LinkedHashMap<>();
      properties.put(
          io.millrace.model.EvaluationRecords.EVALUATION_FINGERPRINT, evaluationFingerprint);
      properties.put(io.millrace.model.EvaluationRecords.MODEL_FINGERPRINT, modelFingerprint);
      properties.put("blessed", Boolean.toString(blessed));
      properties.put("baseline", baseline == null ? "" : baseline.toString());
      return properties;
    }

    @Override
    public String summary() {
      return String.format(
          "%,d records, %s%s",
          examples,
          blessed ? "BLESSED" : "NOT BLESSED",
          baseline != null ? " against " + baseline : ", no baseline");
    }
  }

  private final StageArtifact.Model candidate;
  private final StageArtifact.Examples examples;
  private final String rawPattern;
  private final StageArtifact.Model baseline;
  private final String candidateFingerprint;

  private EvaluationStage(
      StageArtifact.Model candidate,
      StageArtifact.Examples examples,
      String rawPattern,
      StageArtifact.Model baseline,
      Settings settings)
      throws IOException {
    super(NAME, settings, Result.class);
    this.candidate = candidate;
    this.examples = examples;
    this.rawPattern = rawPattern;
    this.baseline = baseline;
    this.candidateFingerprint = ModelArtifact.read(candidate.path()).fingerprint();
  }

  /**
   * Evaluates on a split of an examples artifact.
   *
   * @param baseline the model to compare with; null: none (only value thresholds decide)
   */
  public static EvaluationStage onExamples(
      StageArtifact.Model candidate,
      StageArtifact.Examples examples,
      StageArtifact.Model baseline,
      Settings settings)
      throws IOException {
    return new EvaluationStage(candidate, examples, null, baseline, settings);
  }

  /** Evaluates on raw records matching a pattern (the format told from the file names). */
  public static EvaluationStage onRecords(
      StageArtifact.Model candidate,
      String pattern,
      StageArtifact.Model baseline,
      Settings settings)
      throws IOException {
    return new EvaluationStage(candidate, null, pattern, baseline, settings);
  }

  /**
   * The registry's latest version of {@code name} that is not {@code candidate} itself, by model
   * fingerprint; empty when there is none.
   */
  public static Optional<StageArtifact.Model> baseline(
      Path registry, String name, StageArtifact.Model candidate) throws IOException {
    ModelRegistry models = new ModelRegistry(registry);
    Optional<Integer> latest = models.latestVersion(name);
    if (latest.isEmpty()) {
      return Optional.empty();
    }
    String fingerprint = ModelArtifact.read(candidate.path()).fingerprint();
    List<Integer> versions = new ArrayList<>(models.versions(name));
    versions.sort(Comparator.reverseOrder());
    for (int version : versions) {
      if (version > latest.get()) {
        continue;
      }
      Path dir = models.version(name, version);
      if (!ModelArtifact.read(dir).fingerprint().equals(fingerprint)) {
        return Optional.of(new StageArtifact.Model(dir));
      }
    }
    return Optional.empty();
  }

  @Override
  public Map<String, StageArtifact> inputs() {
    Map<String, StageArtifact> inputs = new LinkedHashMap<>();
    inputs.put("model", candidate);
    if (examples != null) {
      inputs.put("examples", examples);
    }
    if (baseline != null) {
      inputs.put("baseline", baseline);
    }
    return inputs;
  }

  /** The baseline by its model's fingerprint, wherever it lies; the raw records by content. */
  @Override
  public List<String> fingerprints() throws IOException {
    List<String> fingerprints = new ArrayList<>();
    fingerprints.add(
        baseline == null
            ? "no baseline"
            : "baseline:" + ModelArtifact.read(baseline.path()).fingerprint());
    if (rawPattern != null) {
      fingerprints.add(
          io.millrace.transforms.io.InputSpec.of(rawPattern, null).resolve("all").fingerprint());
    }
    return fingerprints;
  }

  @Override
  public List<Path> reads() throws IOException {
    return rawPattern == null ? List.of() : InputPattern.of(rawPattern).files();
  }

  @Override
  public Result run(StageContext context) throws IOException {
    Path dir = context.directory();
    if (context.overwrite() && Files.isRegularFile(dir.resolve(Evaluation.FILE))) {
      // The job never replaces an artifact; an earlier evaluation at this place may be.
      ArtifactDirectory.deleteRecursively(dir);
    }
    Pipeline pipeline = Storage.newPipeline(context.beamOptions(NAME));
    PCollection<Example> records =
        examples != null
            ? pipeline.apply(
                "ReadEvalSplit", ReadExamplesArtifact.split(examples.path(), settings().split()))
            : pipeline.apply("ReadEvalRecords", ReadExamples.from(rawPattern)).examples();
    Evaluation evaluation =
        EvaluationJob.run(
            records,
            candidate.path(),
            baseline == null ? null : baseline.path(),
            settings().config(),
            dir);
    return new Result(
        new StageArtifact.Evaluation(dir),
        evaluation.blessed(),
        evaluation.validation().failures().stream().map(ModelValidation.Failure::message).toList(),
        evaluation.candidateMetrics().exampleCount(),
        new TreeMap<>(evaluation.candidateMetrics().overall()),
        evaluation.baselineMetrics() == null
            ? null
            : new TreeMap<>(evaluation.baselineMetrics().overall()),
        baseline == null ? null : baseline.path(),
        candidateFingerprint,
        Evaluation.fingerprint(dir));
  }
}
