package io.millrace.model;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import io.millrace.evaluate.Bootstrap;
import io.millrace.evaluate.EvaluationConfig;
import io.millrace.evaluate.ModelEvaluation;
import io.millrace.evaluate.ModelMetrics;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.train.Task;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
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
 * them to mergeable metrics per slice ({@link ModelEvaluation}); each bundle's partial evaluation
 * is merged by a combine.
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
    private final TupleTag<ModelMetrics> metricsTag;
    private final PCollection<ModelMetrics> metrics;
    private final TupleTag<Example> unusableTag;
    private final PCollection<Example> unusable;

    private Result(
        Pipeline pipeline,
        TupleTag<ModelMetrics> metricsTag,
        PCollection<ModelMetrics> metrics,
        TupleTag<Example> unusableTag,
        PCollection<Example> unusable) {
      this.pipeline = pipeline;
      this.metricsTag = metricsTag;
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
    Map<String, Task> tasks = new LinkedHashMap<>();
    for (Map.Entry<String, String> m : models.entrySet()) {
      try {
        tasks.put(m.getKey(), ModelArtifact.read(Path.of(m.getValue())).task());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the " + m.getKey() + " model", e);
      }
    }
    TupleTag<KV<String, ModelEvaluation>> partialsTag = new TupleTag<>() {};
    TupleTag<Example> unusableTag = new TupleTag<>() {};
    PCollectionTuple scored =
        raw.apply(
            "ScoreAndAccumulate",
            ParDo.of(new ScoreFn(models, tasks, config, unusableTag))
                .withOutputTags(partialsTag, TupleTagList.of(unusableTag)));
    PCollection<ModelMetrics> metrics =
        scored
            .get(partialsTag)
            .setCoder(KvCoder.of(StringUtf8Coder.of(), ModelEvaluationCoder.INSTANCE))
            .apply("MergePerModel", Combine.perKey(new MergeEvaluations(config.minSliceSize())))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), SerializableCoder.of(ModelMetrics.class)))
            .apply("Metrics", Values.create());
    PCollection<Example> unusable = scored.get(unusableTag).setCoder(raw.getCoder());
    TupleTag<ModelMetrics> metricsTag = new TupleTag<>() {};
    return new Result(raw.getPipeline(), metricsTag, metrics, unusableTag, unusable);
  }

  /** Merges partial evaluations of one model and extracts its metrics. */
  public static final class MergeEvaluations
      extends Combine.CombineFn<ModelEvaluation, ModelEvaluation, ModelMetrics> {
    private static final long serialVersionUID = 1L;
    private final long minSliceSize;

    public MergeEvaluations(long minSliceSize) {
      this.minSliceSize = minSliceSize;
    }

    /** Null until the first partial: the combine does not know the model's configuration. */
    @Override
    public ModelEvaluation createAccumulator() {
      return null;
    }

    @Override
    public ModelEvaluation addInput(ModelEvaluation accumulator, ModelEvaluation partial) {
      // Never keep the input itself: it is an element, not ours to mutate.
      ModelEvaluation into = accumulator == null ? partial.newEmpty() : accumulator;
      return into.merge(partial);
    }

    @Override
    public ModelEvaluation mergeAccumulators(Iterable<ModelEvaluation> accumulators) {
      ModelEvaluation merged = null;
      for (ModelEvaluation a : accumulators) {
        if (a != null) {
          merged = merged == null ? a : merged.merge(a);
        }
      }
      return merged;
    }

    @Override
    public ModelMetrics extractOutput(ModelEvaluation accumulator) {
      if (accumulator == null) {
        throw new IllegalStateException("no partial evaluation to extract metrics from");
      }
      return accumulator.result(minSliceSize);
    }

    @Override
    public Coder<ModelEvaluation> getAccumulatorCoder(
        CoderRegistry registry, Coder<ModelEvaluation> inputCoder) {
      return ModelEvaluationCoder.INSTANCE;
    }
  }

  /** Encodes partial evaluations (null: none yet) between workers. */
  public static final class ModelEvaluationCoder extends CustomCoder<ModelEvaluation> {
    private static final long serialVersionUID = 1L;
    public static final ModelEvaluationCoder INSTANCE = new ModelEvaluationCoder();

    @Override
    public void encode(ModelEvaluation value, OutputStream out) throws IOException {
      DataOutputStream data = new DataOutputStream(out);
      data.writeBoolean(value != null);
      if (value != null) {
        value.write(data);
      }
      data.flush();
    }

    @Override
    public ModelEvaluation decode(InputStream in) throws IOException {
      DataInputStream data = new DataInputStream(in);
      return data.readBoolean() ? ModelEvaluation.read(data) : null;
    }

    @Override
    public void verifyDeterministic() {}

    @Override
    public boolean equals(Object o) {
      return o instanceof ModelEvaluationCoder;
    }

    @Override
    public int hashCode() {
      return ModelEvaluationCoder.class.hashCode();
    }
  }

  /** The evaluation of one model being built in a bundle. */
  private static ModelEvaluation newEvaluation(String role, Task task, EvaluationConfig config) {
    int samples = config.bootstrap() == null ? 0 : config.bootstrap().samples();
    return switch (task) {
      case BINARY -> ModelEvaluation.binary(role, config.confusionThresholds(), samples);
      case MULTICLASS -> ModelEvaluation.multiclass(role, config.topK(), samples);
      case REGRESSION -> ModelEvaluation.regression(role, samples);
    };
  }

  /**
   * Scores buffered records with every model and adds them to this bundle's evaluations; emits the
   * evaluations when the bundle finishes.
   */
  private static final class ScoreFn extends DoFn<Example, KV<String, ModelEvaluation>> {
    private static final long serialVersionUID = 1L;
    private final Map<String, String> models;
    private final Map<String, Task> tasks;
    private final EvaluationConfig config;
    private final TupleTag<Example> unusableTag;
    private final Counter evaluated = Metrics.counter(EvaluateModels.class, "records_evaluated");
    private final Counter unusableCounter =
        Metrics.counter(EvaluateModels.class, "candidate_unusable_labels");

    private transient Map<String, LoadedModel.Lease> leases;
    private transient List<Example> buffer;
    private transient Map<String, ModelEvaluation> evaluations;

    ScoreFn(
        Map<String, String> models,
        Map<String, Task> tasks,
        EvaluationConfig config,
        TupleTag<Example> unusableTag) {
      this.models = new LinkedHashMap<>(models);
      this.tasks = new LinkedHashMap<>(tasks);
      this.config = config;
      this.unusableTag = unusableTag;
    }

    @Setup
    public void setup() throws IOException {
      leases = new LinkedHashMap<>();
      try {
        for (Map.Entry<String, String> m : models.entrySet()) {
          leases.put(m.getKey(), LoadedModel.shared(Path.of(m.getValue())));
        }
      } catch (IOException | RuntimeException e) {
        teardown();
        throw e;
      }
    }

    @StartBundle
    public void startBundle() {
      buffer = new ArrayList<>(config.batchSize());
      evaluations = null;
    }

    @ProcessElement
    public void process(@Element Example record, MultiOutputReceiver out) {
      buffer.add(record);
      if (buffer.size() >= config.batchSize()) {
        flush().forEach(e -> out.get(unusableTag).output(e));
      }
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      GlobalWindow window = GlobalWindow.INSTANCE;
      for (Example e : flush()) {
        context.output(unusableTag, e, window.maxTimestamp(), window);
      }
      if (evaluations != null) {
        for (ModelEvaluation e : evaluations.values()) {
          context.output(KV.of(e.model(), e), window.maxTimestamp(), window);
        }
      }
      evaluations = null;
    }

    /** Scores the buffer; returns the records whose label the candidate cannot use. */
    private List<Example> flush() {
      List<Example> unusable = new ArrayList<>();
      if (buffer.isEmpty()) {
        return unusable;
      }
      if (evaluations == null) {
        evaluations = new LinkedHashMap<>();
        for (String role : models.keySet()) {
          evaluations.put(role, newEvaluation(role, tasks.get(role), config));
        }
      }
      int n = buffer.size();
      List<List<String>> sliceKeys = new ArrayList<>(n);
      int[][] weights = new int[n][];
      for (Example record : buffer) {
        sliceKeys.add(sliceKeys(record, config.slices()));
      }
      if (config.bootstrap() != null) {
        for (int i = 0; i < n; i++) {
          weights[i] =
              Bootstrap.poissonWeights(
                  config.bootstrap().seed(),
                  contentHash(buffer.get(i)),
                  config.bootstrap().samples());
        }
      }
      for (Map.Entry<String, LoadedModel.Lease> m : leases.entrySet()) {
        LoadedModel model = m.getValue().model();
        LoadedModel.Scored scored = model.score(buffer);
        ModelEvaluation evaluation = evaluations.get(m.getKey());
        LoadedModel.Predictions p = scored.predictions();
        double[] labels = scored.labels();
        long unusableHere = 0;
        for (int i = 0; i < n; i++) {
          double y = labels[i];
          if (Double.isNaN(y)) {
            unusableHere++;
            if (CANDIDATE.equals(m.getKey())) {
              unusable.add(buffer.get(i));
            }
            continue;
          }
          switch (model.task()) {
            case BINARY -> evaluation.addBinary(sliceKeys.get(i), (int) y, p.get(i, 0), weights[i]);
            case MULTICLASS -> {
              double[] probabilities = new double[p.width()];
              for (int k = 0; k < probabilities.length; k++) {
                probabilities[k] = p.get(i, k);
              }
              evaluation.addMulticlass(sliceKeys.get(i), (int) y, probabilities, weights[i]);
            }
            case REGRESSION ->
                evaluation.addRegression(sliceKeys.get(i), y, p.get(i, 0), weights[i]);
          }
        }
        evaluation.addUnusableLabels(unusableHere);
      }
      evaluated.inc(n);
      unusableCounter.inc(unusable.size());
      buffer.clear();
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

  /**
   * The slice keys of a record: for each definition, {@code "f=v"} or {@code "a=x,b=y"} for every
   * combination of the features' values; none when a feature is missing or empty.
   */
  static List<String> sliceKeys(Example record, List<List<String>> definitions) {
    List<String> keys = new ArrayList<>();
    ExampleSchema schema = record.schema();
    for (List<String> features : definitions) {
      List<String> partial = List.of("");
      for (String feature : features) {
        int index = schema.indexOf(feature);
        List<String> values = index < 0 ? List.of() : values(record, index);
        List<String> next = new ArrayList<>(partial.size() * values.size());
        for (String prefix : partial) {
          for (String v : values) {
            next.add((prefix.isEmpty() ? "" : prefix + ",") + feature + "=" + v);
          }
        }
        partial = next;
      }
      keys.addAll(partial);
    }
    return keys;
  }

  private static List<String> values(Example record, int index) {
    Object v = record.rawValues(index);
    List<String> out = new ArrayList<>();
    if (v instanceof long[] l) {
      for (long x : l) {
        out.add(Long.toString(x));
      }
    } else if (v instanceof double[] d) {
      for (double x : d) {
        out.add(Double.toString(x));
      }
    } else if (v instanceof byte[][] b) {
      for (byte[] x : b) {
        out.add(new String(x, StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  /** A 64-bit hash of a record's feature names and values (missing and empty told apart). */
  static long contentHash(Example record) {
    Hasher h = Hashing.murmur3_128().newHasher();
    ExampleSchema schema = record.schema();
    for (int f = 0; f < schema.size(); f++) {
      h.putString(schema.name(f), StandardCharsets.UTF_8);
      Object v = record.rawValues(f);
      if (v == null) {
        h.putByte((byte) 0);
      } else if (v instanceof long[] l) {
        h.putByte((byte) 1).putInt(l.length);
        for (long x : l) {
          h.putLong(x);
        }
      } else if (v instanceof double[] d) {
        h.putByte((byte) 2).putInt(d.length);
        for (double x : d) {
          h.putDouble(x);
        }
      } else {
        byte[][] b = (byte[][]) v;
        h.putByte((byte) 3).putInt(b.length);
        for (byte[] x : b) {
          h.putInt(x.length).putBytes(x);
        }
      }
    }
    return h.hash().asLong();
  }
}
