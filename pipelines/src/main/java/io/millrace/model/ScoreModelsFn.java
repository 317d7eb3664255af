package io.millrace.model;

import io.millrace.artifact.StoragePaths;
import io.millrace.evaluate.Bootstrap;
import io.millrace.evaluate.EvaluationAccumulation;
import io.millrace.evaluate.EvaluationConfig;
import io.millrace.evaluate.ModelEvaluation;
import io.millrace.evaluate.ScoredExample;
import io.millrace.evaluate.SliceKeys;
import io.millrace.record.Example;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.TupleTag;

/**
 * {@link EvaluateModels}' scoring: each worker loads each model once, scores batches of records
 * with every model and adds them to this bundle's evaluation of each model, emitted when the bundle
 * finishes (a partial state per model and bundle, merged by the combine). Records whose label the
 * candidate cannot use go to the main output.
 */
final class ScoreModelsFn extends DoFn<Example, Example> {
  private static final long serialVersionUID = 1L;
  private final Map<String, String> models;
  private final Map<String, EvaluationAccumulation> evaluations;
  private final Map<String, TupleTag<ModelEvaluation>> partialTags;
  private final EvaluationConfig config;
  private final TupleTag<Example> unusableTag;
  private final Counter evaluated = Metrics.counter(EvaluateModels.class, "records_evaluated");
  private final Counter unusableCounter =
      Metrics.counter(EvaluateModels.class, "candidate_unusable_labels");

  private transient Map<String, LoadedModel.Lease> leases;
  private transient Batches<Example> batches;
  private transient Map<String, ModelEvaluation> partials;

  /**
   * @param models each model's role and artifact directory
   * @param evaluations each role's accumulation
   * @param partialTags where each role's partial states go
   */
  ScoreModelsFn(
      Map<String, String> models,
      Map<String, EvaluationAccumulation> evaluations,
      Map<String, TupleTag<ModelEvaluation>> partialTags,
      EvaluationConfig config,
      TupleTag<Example> unusableTag) {
    this.models = new LinkedHashMap<>(models);
    this.evaluations = new LinkedHashMap<>(evaluations);
    this.partialTags = new LinkedHashMap<>(partialTags);
    this.config = config;
    this.unusableTag = unusableTag;
  }

  @Setup
  public void setup() throws IOException {
    leases = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, String> m : models.entrySet()) {
        leases.put(m.getKey(), LoadedModel.shared(StoragePaths.of(m.getValue())));
      }
    } catch (IOException | RuntimeException e) {
      teardown();
      throw e;
    }
  }

  @StartBundle
  public void startBundle() {
    batches = new Batches<>(config.batchSize());
    partials = null;
  }

  @ProcessElement
  public void process(@Element Example record, OutputReceiver<Example> unusable) {
    batches.add(record).ifPresent(batch -> score(batch).forEach(unusable::output));
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) {
    GlobalWindow window = GlobalWindow.INSTANCE;
    for (Example e : score(batches.rest())) {
      context.output(unusableTag, e, window.maxTimestamp(), window);
    }
    if (partials != null) {
      for (Map.Entry<String, ModelEvaluation> p : partials.entrySet()) {
        context.output(partialTags.get(p.getKey()), p.getValue(), window.maxTimestamp(), window);
      }
    }
    partials = null;
  }

  /** Scores a batch with every model; returns the records whose label the candidate cannot use. */
  private List<Example> score(List<Example> batch) {
    List<Example> unusable = new ArrayList<>();
    if (batch.isEmpty()) {
      return unusable;
    }
    if (partials == null) {
      partials = new LinkedHashMap<>();
      evaluations.forEach((role, evaluation) -> partials.put(role, evaluation.create()));
    }
    int n = batch.size();
    List<List<String>> sliceKeys = new ArrayList<>(n);
    int[][] weights = new int[n][];
    for (int i = 0; i < n; i++) {
      Example record = batch.get(i);
      sliceKeys.add(SliceKeys.of(record, config.slices()));
      if (config.bootstrap() != null) {
        weights[i] =
            Bootstrap.poissonWeights(
                config.bootstrap().seed(),
                Bootstrap.contentHash(record),
                config.bootstrap().samples());
      }
    }
    for (Map.Entry<String, LoadedModel.Lease> m : leases.entrySet()) {
      String role = m.getKey();
      LoadedModel.Scored scored = m.getValue().model().score(batch);
      LoadedModel.Predictions p = scored.predictions();
      double[] labels = scored.labels();
      EvaluationAccumulation evaluation = evaluations.get(role);
      ModelEvaluation partial = partials.get(role);
      for (int i = 0; i < n; i++) {
        if (Double.isNaN(labels[i])) {
          evaluation.add(partial, ScoredExample.unusableLabel());
          if (EvaluateModels.CANDIDATE.equals(role)) {
            unusable.add(batch.get(i));
          }
          continue;
        }
        double[] output = new double[p.width()];
        for (int k = 0; k < output.length; k++) {
          output[k] = p.get(i, k);
        }
        evaluation.add(partial, new ScoredExample(sliceKeys.get(i), labels[i], output, weights[i]));
      }
    }
    evaluated.inc(n);
    unusableCounter.inc(unusable.size());
    return unusable;
  }

  @Teardown
  public void teardown() {
    if (leases != null) {
      leases.values().forEach(LoadedModel.Lease::close);
      leases = null;
    }
  }
}
