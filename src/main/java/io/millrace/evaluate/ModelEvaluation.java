package io.millrace.evaluate;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The mergeable state of one model's evaluation: metrics per slice, bootstrap replicates of the
 * overall slice, and the count of records whose label was unusable. Partial evaluations (one per
 * bundle) merge into the whole; {@link #write}/{@link #read} move them between workers.
 *
 * <p>Bootstrap replicates are kept for the overall slice only: a {@link BinaryMetrics} holds a
 * 10,000-bucket histogram (160 kB), so replicates per slice would cost slices × samples of them per
 * bundle.
 *
 * <p>Mutable and not thread-safe, like its accumulators.
 */
public final class ModelEvaluation {
  /** Which metrics, chosen by the model's task. */
  public enum Kind {
    BINARY,
    MULTICLASS,
    REGRESSION
  }

  private static final int VERSION = 1;

  private final String model;
  private final Kind kind;
  private final SlicedMetrics<?> slices;
  private final List<MetricsAccumulator<?>> replicates;
  private long unusableLabels;

  private ModelEvaluation(
      String model, Kind kind, SlicedMetrics<?> slices, List<MetricsAccumulator<?>> replicates) {
    this.model = model;
    this.kind = kind;
    this.slices = slices;
    this.replicates = replicates;
  }

  /**
   * BINARY: confusion matrices also at {@code thresholds}; {@code samples} replicates (0: none).
   */
  public static ModelEvaluation binary(String model, List<Double> thresholds, int samples) {
    return create(model, Kind.BINARY, new BinaryMetrics(thresholds), samples);
  }

  public static ModelEvaluation multiclass(String model, List<Integer> topK, int samples) {
    return create(model, Kind.MULTICLASS, new MulticlassMetrics(topK), samples);
  }

  public static ModelEvaluation regression(String model, int samples) {
    return create(model, Kind.REGRESSION, new RegressionMetrics(), samples);
  }

  private static <A extends MetricsAccumulator<A>> ModelEvaluation create(
      String model, Kind kind, A prototype, int samples) {
    if (samples == 1 || samples < 0) {
      throw new IllegalArgumentException("bootstrap needs 0 or at least 2 samples: " + samples);
    }
    List<MetricsAccumulator<?>> replicates = new ArrayList<>();
    for (int r = 0; r < samples; r++) {
      replicates.add(prototype.newEmpty());
    }
    SlicedMetrics<A> slices = new SlicedMetrics<>(prototype);
    slices.slice(SlicedMetrics.OVERALL); // present even when nothing is added
    return new ModelEvaluation(model, kind, slices, replicates);
  }

  /** An empty evaluation with the same model, kind and configuration. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public ModelEvaluation newEmpty() {
    // Reads only: a partial evaluation may be a pipeline element, not ours to change.
    return create(model, kind, (MetricsAccumulator) slices.newAccumulator(), replicates.size());
  }

  public String model() {
    return model;
  }

  public Kind kind() {
    return kind;
  }

  public int bootstrapSamples() {
    return replicates.size();
  }

  public long unusableLabels() {
    return unusableLabels;
  }

  /** The accumulators by slice key. */
  public Map<String, ? extends MetricsAccumulator<?>> accumulators() {
    return slices.accumulators();
  }

  public ModelEvaluation addUnusableLabels(long n) {
    unusableLabels += n;
    return this;
  }

  /**
   * Adds a BINARY example to the overall slice and {@code sliceKeys}; {@code weights} are its
   * bootstrap weights (one per replicate; ignored without bootstrap).
   */
  public ModelEvaluation addBinary(
      Collection<String> sliceKeys, int label, double probability, int[] weights) {
    check(Kind.BINARY);
    binarySlices().add(sliceKeys, m -> m.add(label, probability));
    for (int r = 0; r < replicates.size(); r++) {
      ((BinaryMetrics) replicates.get(r)).add(label, probability, weights[r]);
    }
    return this;
  }

  public ModelEvaluation addMulticlass(
      Collection<String> sliceKeys, int label, double[] probabilities, int[] weights) {
    check(Kind.MULTICLASS);
    multiclassSlices().add(sliceKeys, m -> m.add(label, probabilities));
    for (int r = 0; r < replicates.size(); r++) {
      ((MulticlassMetrics) replicates.get(r)).add(label, probabilities, weights[r]);
    }
    return this;
  }

  public ModelEvaluation addRegression(
      Collection<String> sliceKeys, double label, double prediction, int[] weights) {
    check(Kind.REGRESSION);
    regressionSlices().add(sliceKeys, m -> m.add(label, prediction));
    for (int r = 0; r < replicates.size(); r++) {
      ((RegressionMetrics) replicates.get(r)).add(label, prediction, weights[r]);
    }
    return this;
  }

  private void check(Kind expected) {
    if (kind != expected) {
      throw new IllegalStateException(model + " is evaluated as " + kind + ", not " + expected);
    }
  }

  @SuppressWarnings("unchecked")
  private SlicedMetrics<BinaryMetrics> binarySlices() {
    return (SlicedMetrics<BinaryMetrics>) slices;
  }

  @SuppressWarnings("unchecked")
  private SlicedMetrics<MulticlassMetrics> multiclassSlices() {
    return (SlicedMetrics<MulticlassMetrics>) slices;
  }

  @SuppressWarnings("unchecked")
  private SlicedMetrics<RegressionMetrics> regressionSlices() {
    return (SlicedMetrics<RegressionMetrics>) slices;
  }

  /** Adds {@code other} (same model, kind and configuration) into this one. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public ModelEvaluation merge(ModelEvaluation other) {
    if (!model.equals(other.model)
        || kind != other.kind
        || replicates.size() != other.replicates.size()) {
      throw new IllegalArgumentException(
          "cannot merge the evaluation of "
              + other.model
              + " ("
              + other.kind
              + ", "
              + other.replicates.size()
              + " samples) into "
              + model
              + " ("
              + kind
              + ", "
              + replicates.size()
              + " samples)");
    }
    ((SlicedMetrics) slices).merge(other.slices);
    for (int r = 0; r < replicates.size(); r++) {
      ((MetricsAccumulator) replicates.get(r)).merge(other.replicates.get(r));
    }
    unusableLabels += other.unusableLabels;
    return this;
  }

  /** The metrics of the overall slice and of every slice of at least {@code minSliceSize}. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public ModelMetrics result(long minSliceSize) {
    Map<String, Map<String, Double>> kept = slices.result(minSliceSize);
    List<String> dropped = new ArrayList<>();
    for (String key : slices.accumulators().keySet()) {
      if (!kept.containsKey(key)) {
        dropped.add(key);
      }
    }
    Map<String, Bootstrap.Interval> intervals =
        replicates.isEmpty()
            ? Map.of()
            : Bootstrap.intervals(
                (MetricsAccumulator) slices.slice(SlicedMetrics.OVERALL), (List) replicates);
    return new ModelMetrics(model, kind.name(), unusableLabels, kept, intervals, dropped);
  }

  public void write(DataOutput out) throws IOException {
    out.writeInt(VERSION);
    out.writeUTF(model);
    out.writeUTF(kind.name());
    out.writeLong(unusableLabels);
    slices.write(out);
    out.writeInt(replicates.size());
    for (MetricsAccumulator<?> r : replicates) {
      r.write(out);
    }
  }

  public static ModelEvaluation read(DataInput in) throws IOException {
    int version = in.readInt();
    if (version != VERSION) {
      throw new IOException("unsupported ModelEvaluation version " + version);
    }
    String model = in.readUTF();
    Kind kind = Kind.valueOf(in.readUTF());
    long unusable = in.readLong();
    SlicedMetrics<?> slices =
        switch (kind) {
          case BINARY -> SlicedMetrics.read(in, BinaryMetrics::read);
          case MULTICLASS -> SlicedMetrics.read(in, MulticlassMetrics::read);
          case REGRESSION -> SlicedMetrics.read(in, RegressionMetrics::read);
        };
    int samples = in.readInt();
    List<MetricsAccumulator<?>> replicates = new ArrayList<>();
    for (int r = 0; r < samples; r++) {
      replicates.add(
          switch (kind) {
            case BINARY -> BinaryMetrics.read(in);
            case MULTICLASS -> MulticlassMetrics.read(in);
            case REGRESSION -> RegressionMetrics.read(in);
          });
    }
    ModelEvaluation e = new ModelEvaluation(model, kind, slices, replicates);
    e.unusableLabels = unusable;
    return e;
  }
}
