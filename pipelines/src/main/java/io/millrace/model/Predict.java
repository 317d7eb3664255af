package io.millrace.model;

import io.millrace.artifact.StoragePaths;
import io.millrace.evaluate.EvaluationConfig;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureSpec;
import io.millrace.record.FeatureType;
import io.millrace.train.Task;
import io.millrace.transforms.coders.ExampleCoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Instant;

/**
 * Batch prediction (TFX's BulkInferrer): raw records in, the same records out with the model's
 * prediction appended as features.
 *
 * <ul>
 *   <li>BINARY: {@value #PROBABILITY} (FLOAT, P(label = 1)) and {@value #PREDICTED_LABEL} (INT, 1
 *       when the probability is above 0.5).
 *   <li>MULTICLASS: {@value #PROBABILITIES} (FLOAT, one per class) and {@value #PREDICTED_CLASS}
 *       (BYTES, the class name of the arg-max, ties to the lower index).
 *   <li>REGRESSION: {@value #PREDICTION} (FLOAT).
 * </ul>
 *
 * <pre>{@code
 * PCollection<Example> scored = records.apply(Predict.with(modelDir));
 * }</pre>
 *
 * <p>Each worker loads the model once ({@link LoadedModel#shared}) and scores batches of records
 * through the Java transform; each record keeps its timestamp and window. The input schema comes
 * from the input's {@link ExampleCoder}.
 */
public final class Predict extends PTransform<PCollection<Example>, PCollection<Example>> {
  private static final long serialVersionUID = 1L;

  public static final String PROBABILITY = "probability";
  public static final String PREDICTED_LABEL = "predicted_label";
  public static final String PROBABILITIES = "probabilities";
  public static final String PREDICTED_CLASS = "predicted_class";
  public static final String PREDICTION = "prediction";

  private final String model;
  private final int batchSize;

  private Predict(String model, int batchSize) {
    this.model = model;
    this.batchSize = batchSize;
  }

  public static Predict with(Path modelArtifact) {
    return new Predict(
        modelArtifact.toAbsolutePath().normalize().toString(), EvaluationConfig.DEFAULT_BATCH_SIZE);
  }

  /** Records per inference call (default {@value EvaluationConfig#DEFAULT_BATCH_SIZE}). */
  public Predict withBatchSize(int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be positive: " + batchSize);
    }
    return new Predict(model, batchSize);
  }

  /** The features a task appends. */
  public static List<FeatureSpec> predictionFeatures(Task task) {
    return switch (task) {
      case BINARY ->
          List.of(
              FeatureSpec.of(PROBABILITY, FeatureType.FLOAT),
              FeatureSpec.of(PREDICTED_LABEL, FeatureType.INT));
      case MULTICLASS ->
          List.of(
              FeatureSpec.of(PROBABILITIES, FeatureType.FLOAT),
              FeatureSpec.of(PREDICTED_CLASS, FeatureType.BYTES));
      case REGRESSION -> List.of(FeatureSpec.of(PREDICTION, FeatureType.FLOAT));
    };
  }

  /** The input schema with the prediction features of {@code task} appended. */
  public static ExampleSchema outputSchema(ExampleSchema input, Task task) {
    List<FeatureSpec> features = new ArrayList<>(input.features());
    for (FeatureSpec f : predictionFeatures(task)) {
      if (input.indexOf(f.name()) >= 0) {
        throw new IllegalArgumentException(
            "the records already have a feature '" + f.name() + "', which Predict would add");
      }
      features.add(f);
    }
    return ExampleSchema.of(features);
  }

  @Override
  public PCollection<Example> expand(PCollection<Example> raw) {
    Coder<Example> coder = raw.getCoder();
    if (!(coder instanceof ExampleCoder exampleCoder)) {
      throw new IllegalArgumentException(
          "Predict needs the record schema: the input's coder is "
              + coder
              + ", not an ExampleCoder");
    }
    ModelArtifact artifact;
    try {
      artifact = ModelArtifact.read(StoragePaths.of(model));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the model " + model, e);
    }
    ExampleSchema out = outputSchema(exampleCoder.schema(), artifact.task());
    return raw.apply(
            "Predict", ParDo.of(new PredictFn(model, batchSize, out, artifact.info().classNames())))
        .setCoder(ExampleCoder.of(out));
  }

  private record Pending(Example record, Instant timestamp, BoundedWindow window, PaneInfo pane) {}

  private static final class PredictFn extends DoFn<Example, Example> {
    private static final long serialVersionUID = 1L;
    private final String model;
    private final int batchSize;
    private final ExampleSchema out;
    private final List<String> classNames;
    private transient LoadedModel.Lease lease;
    private transient Batches<Pending> batches;

    PredictFn(String model, int batchSize, ExampleSchema out, List<String> classNames) {
      this.model = model;
      this.batchSize = batchSize;
      this.out = out;
      this.classNames = classNames == null ? List.of() : List.copyOf(classNames);
    }

    @Setup
    public void setup() throws IOException {
      lease = LoadedModel.shared(StoragePaths.of(model));
    }

    @StartBundle
    public void startBundle() {
      batches = new Batches<>(batchSize);
    }

    @ProcessElement
    public void process(
        @Element Example record,
        @Timestamp Instant timestamp,
        BoundedWindow window,
        PaneInfo pane,
        OutputReceiver<Example> receiver) {
      batches
          .add(new Pending(record, timestamp, window, pane))
          .ifPresent(
              batch -> {
                for (Pending p : score(batch)) {
                  receiver.outputWindowedValue(
                      p.record(), p.timestamp(), List.of(p.window()), p.pane());
                }
              });
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      for (Pending p : score(batches.rest())) {
        context.output(p.record(), p.timestamp(), p.window());
      }
    }

    /** The records of a batch with their predictions. */
    private List<Pending> score(List<Pending> batch) {
      List<Pending> scored = new ArrayList<>(batch.size());
      if (batch.isEmpty()) {
        return scored;
      }
      LoadedModel loaded = lease.model();
      List<Example> records = new ArrayList<>(batch.size());
      batch.forEach(p -> records.add(p.record()));
      LoadedModel.Predictions predictions = loaded.predict(records);
      int appended = out.size() - predictionFeatures(loaded.task()).size();
      for (int i = 0; i < records.size(); i++) {
        Example record = records.get(i);
        Example.Builder b = out.newExample();
        ExampleSchema in = record.schema();
        for (int f = 0; f < in.size(); f++) {
          b.setRaw(out.requireIndex(in.name(f)), record.rawValues(f));
        }
        switch (loaded.task()) {
          case BINARY -> {
            float p = predictions.get(i, 0);
            b.setFloats(appended, p).setInt64s(appended + 1, p > 0.5f ? 1 : 0);
          }
          case MULTICLASS -> {
            double[] probabilities = new double[predictions.width()];
            int best = 0;
            for (int k = 0; k < probabilities.length; k++) {
              probabilities[k] = predictions.get(i, k);
              if (probabilities[k] > probabilities[best]) {
                best = k;
              }
            }
            String name = best < classNames.size() ? classNames.get(best) : Integer.toString(best);
            b.setFloats(appended, probabilities)
                .setBytes(appended + 1, name.getBytes(StandardCharsets.UTF_8));
          }
          case REGRESSION -> b.setFloats(appended, predictions.get(i, 0));
        }
        Pending p = batch.get(i);
        scored.add(new Pending(b.build(), p.timestamp(), p.window(), p.pane()));
      }
      return scored;
    }

    @Teardown
    public void teardown() {
      if (lease != null) {
        lease.close();
        lease = null;
      }
    }
  }
}
