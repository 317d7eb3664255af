package io.millrace.model;

import io.millrace.artifact.StoragePaths;
import io.millrace.evaluate.EvaluationAccumulation;
import io.millrace.evaluate.EvaluationConfig;
import io.millrace.evaluate.ModelEvaluation;
import io.millrace.evaluate.ModelMetrics;
import io.millrace.record.Example;
import io.millrace.train.Task;
import io.millrace.transforms.AccumulationCombineFn;
import io.millrace.transforms.coders.AccumulatorCoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PInput;
import org.apache.beam.sdk.values.POutput;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Evaluates a candidate model, and optionally a baseline, on raw eval records in one Beam job
 * (TFMA's model evaluator): each worker loads each model once ({@link LoadedModel#shared}), scores
 * batches of records through the Java transform and the {@code transformed} signature, and adds
 * them to mergeable metrics per slice ({@link EvaluationAccumulation}); each bundle's partial
 * evaluation of each model is merged by one {@link AccumulationCombineFn} per model.
 *
 * <pre>{@code
 * EvaluateModels.Result r = eval.apply(
 *     EvaluateModels.of(candidateDir)
 *         .withBaseline(baselineDir)
 *         .withSlices(List.of(List.of("payment_type"), List.of("trip_start_hour")))
 *         .withMinSliceSize(100)
 *         .withBootstrap(20, 42));
 * PCollection<ModelMetrics> metrics = r.metrics(); // one per model: "candidate", "baseline"
 * }</pre>
 *
 * <p>Metrics by task: BINARY {@code BinaryMetrics}, MULTICLASS {@code MulticlassMetrics},
 * REGRESSION {@code RegressionMetrics}. Slices are by raw feature values ({@code
 * "payment_type=Cash"}, crosses {@code "a=x,b=y"}, every value of a multi-valued feature); a record
 * lacking a slice feature is in no slice of that definition. Records whose label is unusable for a
 * model ({@link LoadedModel#labels}) are counted in that model's {@link
 * ModelMetrics#unusableLabels()}; those unusable for the candidate also go to {@link
 * Result#unusableLabels()}.
 *
 * <p>Bootstrap weights are derived from a hash of each record's content and the seed, so they do
 * not depend on bundling, and both models see the same resamples. The input must be in the global
 * window (evaluation is a batch job): partial results are emitted when a bundle finishes.
 */
public final class EvaluateModels extends PTransform<PCollection<Example>, EvaluateModels.Result> {
  private static final long serialVersionUID = 1L;

  public static final String CANDIDATE = "candidate";
  public static final String BASELINE = "baseline";

  private final String candidate;
  private final String baseline;
  private final EvaluationConfig config;

  private EvaluateModels(String candidate, String baseline, EvaluationConfig config) {
    this.candidate = Objects.requireNonNull(candidate, "candidate");
    this.baseline = baseline;
    this.config = config;
  }

  public static EvaluateModels of(Path candidateModel) {
    return new EvaluateModels(
        candidateModel.toAbsolutePath().normalize().toString(), null, EvaluationConfig.defaults());
  }

  /** Also evaluates {@code baselineModel} (null: none) on the same records. */
  public EvaluateModels withBaseline(Path baselineModel) {
    return new EvaluateModels(
        candidate,
        baselineModel == null ? null : baselineModel.toAbsolutePath().normalize().toString(),
        config);
  }

  /** Slices, bootstrap, confusion thresholds, top-k and batch size from {@code config}. */
  public EvaluateModels withConfig(EvaluationConfig config) {
    return new EvaluateModels(candidate, baseline, Objects.requireNonNull(config));
  }

  public EvaluateModels withSlices(List<List<String>> slices) {
    return withConfig(config.withSlices(slices));
  }

  public EvaluateModels withMinSliceSize(long minSliceSize) {
    return withConfig(config.withMinSliceSize(minSliceSize));
  }

  public EvaluateModels withBootstrap(int samples, long seed) {
    return withConfig(config.withBootstrap(samples, seed));
  }

  public EvaluateModels withBatchSize(int batchSize) {
    return withConfig(config.withBatchSize(batchSize));
  }

  /** What {@link EvaluateModels} produces. */
  public static final class Result implements POutput {
    private final Pipeline pipeline;
    private final TupleTag<ModelMetrics> metricsTag = new TupleTag<>() {};
    private final PCollection<ModelMetrics> metrics;
    private final TupleTag<Example> unusableTag;
    private final PCollection<Example> unusable;

    private Result(
        Pipeline pipeline,
        PCollection<ModelMetrics> metrics,
        TupleTag<Example> unusableTag,
        PCollection<Example> unusable) {
      this.pipeline = pipeline;
      this.metrics = metrics;
      this.unusableTag = unusableTag;
      this.unusable = unusable;
    }

    /** One element per model ({@link ModelMetrics#model()}: "candidate" or "baseline"). */
    public PCollection<ModelMetrics> metrics() {
      return metrics;
    }

    /** The raw records whose label the candidate cannot use. */
    public PCollection<Example> unusableLabels() {
      return unusable;
    }

    @Override
    public Pipeline getPipeline() {
      return pipeline;
    }

    @Override
    public Map<TupleTag<?>, PValue> expand() {
      Map<TupleTag<?>, PValue> out = new LinkedHashMap<>();
      out.put(metricsTag, metrics);
      out.put(unusableTag, unusable);
      return out;
    }

    @Override
    public void finishSpecifyingOutput(
        String transformName, PInput input, PTransform<?, ?> transform) {}
  }

  @Override
  public Result expand(PCollection<Example> raw) {
    if (!(raw.getWindowingStrategy().getWindowFn() instanceof GlobalWindows)) {
      throw new IllegalArgumentException(
          "EvaluateModels needs its input in the global window, not "
              + raw.getWindowingStrategy().getWindowFn());
    }
    Map<String, String> models = new LinkedHashMap<>();
    models.put(CANDIDATE, candidate);
    if (baseline != null) {
      models.put(BASELINE, baseline);
    }
    Map<String, EvaluationAccumulation> evaluations = new LinkedHashMap<>();
    Map<String, TupleTag<ModelEvaluation>> partialTags = new LinkedHashMap<>();
    for (Map.Entry<String, String> m : models.entrySet()) {
      Task task;
      try {
        task = ModelArtifact.read(StoragePaths.of(m.getValue())).task();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the " + m.getKey() + " model", e);
      }
      evaluations.put(
          m.getKey(),
          EvaluationAccumulation.of(m.getKey(), ModelEvaluation.Kind.valueOf(task.name()), config));
      partialTags.put(m.getKey(), new TupleTag<>(m.getKey()) {});
    }
    TupleTag<Example> unusableTag = new TupleTag<>() {};
    List<TupleTag<?>> partials = new ArrayList<>(partialTags.values());
    PCollectionTuple scored =
        raw.apply(
            "ScoreAndAccumulate",
            ParDo.of(new ScoreModelsFn(models, evaluations, partialTags, config, unusableTag))
                .withOutputTags(unusableTag, TupleTagList.of(partials)));
    PCollectionList<ModelMetrics> metrics = PCollectionList.empty(raw.getPipeline());
    for (Map.Entry<String, EvaluationAccumulation> e : evaluations.entrySet()) {
      metrics =
          metrics.and(
              scored
                  .get(partialTags.get(e.getKey()))
                  .setCoder(AccumulatorCoder.of(e.getValue()))
                  .apply(
                      "Merge-" + e.getKey(),
                      Combine.globally(
                              AccumulationCombineFn.of(e.getValue().ofStates())
                                  .withOutputCoder(SerializableCoder.of(ModelMetrics.class)))
                          .withoutDefaults()));
    }
    PCollection<Example> unusable = scored.get(unusableTag).setCoder(raw.getCoder());
    return new Result(
        raw.getPipeline(), metrics.apply("Metrics", Flatten.pCollections()), unusableTag, unusable);
  }
}
