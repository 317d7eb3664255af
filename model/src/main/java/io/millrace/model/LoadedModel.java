package io.millrace.model;

import io.millrace.record.Example;
import io.millrace.train.ModelExport;
import io.millrace.train.Task;
import io.millrace.transform.FeatureTransformer;
import io.millrace.transform.tf.TransformGraph;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link ModelArtifact} loaded for inference: the Java runtime transform ({@link
 * FeatureTransformer}) from {@code transform/} and the SavedModel from {@code saved_model/}.
 *
 * <p>{@link #predict} transforms raw records in Java and feeds the {@value
 * ModelExport#TRANSFORMED_SIGNATURE} signature numeric tensors built from primitive arrays (no
 * string tensors, which cost ~2.5 µs per element); {@link #predictRaw} feeds the raw features to
 * {@value TransformGraph#SIGNATURE}, which applies the transform in the graph. The two agree; the
 * first is the fast path. {@link InputBatches} turns records into tensors, {@link ModelSession}
 * runs the signatures, {@link LabelReader} reads labels.
 *
 * <p>Thread-safe for inference: a TensorFlow session may be run from several threads. Its thread
 * pools are sized explicitly and belong to the session ({@code use_per_session_threads}), so models
 * loaded side by side do not share or oversubscribe a process-wide pool.
 *
 * <p>{@link #shared} hands out reference-counted leases on one instance per artifact directory and
 * JVM, so that every DoFn instance on a worker uses one loaded model.
 */
public final class LoadedModel implements AutoCloseable {
  /** The most records one {@code session.run} is fed. */
  public static final int MAX_BATCH = 2048;

  /** Session threads when not given: one intra-op thread per core up to 2, one inter-op thread. */
  public static final int DEFAULT_INTRA_OP_THREADS =
      Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));

  public static final int DEFAULT_INTER_OP_THREADS = 1;

  /** Model outputs, row-major: {@code width} values per record (K for MULTICLASS, else 1). */
  public record Predictions(float[] values, int width) {
    public int rows() {
      return width == 0 ? 0 : values.length / width;
    }

    public float get(int row, int column) {
      return values[row * width + column];
    }

    /** One record's values (a copy). */
    public float[] row(int row) {
      float[] out = new float[width];
      System.arraycopy(values, row * width, out, 0, width);
      return out;
    }
  }

  /**
   * Predictions and labels of the same records from one transform pass. {@code labels[i]} is NaN
   * when record {@code i} has no usable label (see {@link LoadedModel#labels}).
   */
  public record Scored(Predictions predictions, double[] labels) {
    public int unusableLabels() {
      int n = 0;
      for (double y : labels) {
        if (Double.isNaN(y)) {
          n++;
        }
      }
      return n;
    }
  }

  /** One acquisition of a {@link #shared} model; closing it releases that acquisition once. */
  public static final class Lease implements AutoCloseable {
    private final Path key;
    private LoadedModel model;

    private Lease(Path key, LoadedModel model) {
      this.key = key;
      this.model = model;
    }

    public LoadedModel model() {
      if (model == null) {
        throw new IllegalStateException("the lease on " + key + " was released");
      }
      return model;
    }

    @Override
    public void close() {
      if (model != null) {
        model = null;
        release(key);
      }
    }
  }

  private record SharedEntry(LoadedModel model, int references) {}

  private static final Map<Path, SharedEntry> SHARED = new HashMap<>();

  private final ModelArtifact artifact;
  private final FeatureTransformer transformer;
  private final InputBatches inputs;
  private final LabelReader labelReader;
  private final ModelSession session;
  private final boolean shared;
  private volatile boolean closed;

  private LoadedModel(
      ModelArtifact artifact, int intraOpThreads, int interOpThreads, boolean shared)
      throws IOException {
    this.artifact = artifact;
    this.shared = shared;
    this.transformer = artifact.transform().transformer();
    this.inputs = new InputBatches(artifact.info().inputs(), transformer);
    this.labelReader = new LabelReader(artifact, transformer);
    this.session = new ModelSession(artifact, intraOpThreads, interOpThreads);
  }

  /** Loads a model artifact with the default session threads. */
  public static LoadedModel load(Path artifactDirectory) throws IOException {
    return load(artifactDirectory, DEFAULT_INTRA_OP_THREADS, DEFAULT_INTER_OP_THREADS);
  }

  /** Loads a model artifact; its session gets its own pools of the given sizes. */
  public static LoadedModel load(Path artifactDirectory, int intraOpThreads, int interOpThreads)
      throws IOException {
    return new LoadedModel(
        ModelArtifact.read(LocalModelCache.local(artifactDirectory)),
        intraOpThreads,
        interOpThreads,
        false);
  }

  /**
   * A lease on the JVM's one loaded instance of the artifact at {@code artifactDirectory}, loaded
   * on first acquisition and closed when the last lease is released. For DoFns: acquire in
   * {@code @Setup}, close the lease in {@code @Teardown}.
   */
  public static Lease shared(Path artifactDirectory) throws IOException {
    Path key = artifactDirectory.toAbsolutePath().normalize();
    synchronized (SHARED) {
      SharedEntry entry = SHARED.get(key);
      if (entry == null) {
        LoadedModel model =
            new LoadedModel(
                ModelArtifact.read(LocalModelCache.local(key)),
                DEFAULT_INTRA_OP_THREADS,
                DEFAULT_INTER_OP_THREADS,
                true);
        entry = new SharedEntry(model, 0);
      }
      SHARED.put(key, new SharedEntry(entry.model(), entry.references() + 1));
      return new Lease(key, entry.model());
    }
  }

  /** How many leases are held on the shared instance of {@code artifactDirectory}. */
  public static int sharedReferences(Path artifactDirectory) {
    synchronized (SHARED) {
      SharedEntry entry = SHARED.get(artifactDirectory.toAbsolutePath().normalize());
      return entry == null ? 0 : entry.references();
    }
  }

  private static void release(Path key) {
    LoadedModel toClose = null;
    synchronized (SHARED) {
      SharedEntry entry = SHARED.get(key);
      if (entry == null) {
        return;
      }
      if (entry.references() <= 1) {
        SHARED.remove(key);
        toClose = entry.model();
      } else {
        SHARED.put(key, new SharedEntry(entry.model(), entry.references() - 1));
      }
    }
    if (toClose != null) {
      toClose.closeSession();
    }
  }

  public ModelArtifact artifact() {
    return artifact;
  }

  public Task task() {
    return artifact.task();
  }

  public FeatureTransformer transformer() {
    return transformer;
  }

  /** Predictions for raw records: the Java transform, then the transformed signature. */
  public Predictions predict(List<Example> raw) {
    return score(raw).predictions();
  }

  /** Predictions and labels from one pass of the Java transform. */
  public Scored score(List<Example> raw) {
    checkOpen();
    Example[] transformed = new Example[raw.size()];
    double[] labels = new double[raw.size()];
    for (int i = 0; i < transformed.length; i++) {
      transformed[i] = transformer.apply(raw.get(i));
      labels[i] = labelReader.of(raw.get(i), transformed[i]);
    }
    return new Scored(predictTransformed(Arrays.asList(transformed)), labels);
  }

  /**
   * Predictions for records already transformed (the model's own inputs: its dense features and id
   * columns, as {@link #transformer} outputs them), through the transformed signature.
   */
  public Predictions predictTransformed(List<Example> transformed) {
    checkOpen();
    return InputBatches.batched(
        transformed,
        session.none(),
        batch -> {
          try (InputBatches.Feeds feeds = inputs.transformed(batch.toArray(new Example[0]))) {
            return session.runTransformed(feeds.tensors(), batch.size());
          }
        });
  }

  /** Predictions for raw records through the raw signature (the transform inside the graph). */
  public Predictions predictRaw(List<Example> raw) {
    checkOpen();
    return InputBatches.batched(
        raw,
        session.none(),
        batch -> {
          try (InputBatches.Feeds feeds = inputs.raw(batch)) {
            return session.runRaw(feeds.tensors(), batch.size());
          }
        });
  }

  /**
   * The transformed label of each record: 0/1 for BINARY, the class index for MULTICLASS, the value
   * for REGRESSION; NaN when the record has no usable label: an input of the label's transform step
   * is missing or empty (the transform would fill it, not read it), or the value is not a valid
   * label (not finite, not 0/1, an unknown class).
   */
  public double[] labels(List<Example> raw) {
    double[] labels = new double[raw.size()];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = labelReader.of(raw.get(i), null);
    }
    return labels;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the model " + artifact.directory() + " is closed");
    }
  }

  /** Closes a model from {@link #load}; a shared model is closed by releasing its leases. */
  @Override
  public void close() {
    if (shared) {
      throw new IllegalStateException(
          "a shared model is closed when its last lease is released, not by close()");
    }
    closeSession();
  }

  private synchronized void closeSession() {
    if (!closed) {
      closed = true;
      session.close();
    }
  }
}
