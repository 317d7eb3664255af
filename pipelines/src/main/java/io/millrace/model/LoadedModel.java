package io.millrace.model;

import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureType;
import io.millrace.train.ModelExport;
import io.millrace.train.Task;
import io.millrace.transform.FeatureTransformer;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.FittedTransform.Fitted;
import io.millrace.transform.TransformSpec;
import io.millrace.transform.tf.TransformGraph;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * A {@link ModelArtifact} loaded for inference: the Java runtime transform ({@link
 * FeatureTransformer}) from {@code transform/} and the SavedModel from {@code saved_model/}.
 *
 * <p>{@link #predict} transforms raw records in Java and feeds the {@value
 * ModelExport#TRANSFORMED_SIGNATURE} signature numeric tensors built from primitive arrays (no
 * string tensors, which cost ~2.5 µs per element); {@link #predictRaw} feeds the raw features to
 * {@value TransformGraph#SIGNATURE}, which applies the transform in the graph. The two agree; the
 * first is the fast path.
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
  private final SavedModelBundle bundle;
  private final SessionFunction transformedFunction;
  private final SessionFunction rawFunction;
  private final String outputKey;
  private final List<String> denseFeatures;
  private final List<String> idColumns;
  private final boolean[] denseIsInt;
  private final boolean[] denseIsOneHot;
  private final int[] denseIndex;
  private final int[] idIndex;
  private final int labelIndex;
  private final List<String> labelInputs;
  private final int numClasses;
  private final boolean shared;
  private volatile boolean closed;

  private LoadedModel(
      ModelArtifact artifact, int intraOpThreads, int interOpThreads, boolean shared)
      throws IOException {
    this.artifact = artifact;
    this.shared = shared;
    FittedTransform fitted = artifact.transform();
    this.transformer = fitted.transformer();
    ExampleSchema out = transformer.outputSchema();
    ModelArtifact.Inputs inputs = artifact.info().inputs();
    this.denseFeatures = List.copyOf(inputs.denseFeatures());
    this.idColumns = List.copyOf(inputs.idColumns());
    this.denseIndex = denseFeatures.stream().mapToInt(out::requireIndex).toArray();
    this.idIndex = idColumns.stream().mapToInt(out::requireIndex).toArray();
    this.denseIsInt = new boolean[denseFeatures.size()];
    this.denseIsOneHot = new boolean[denseFeatures.size()];
    for (int i = 0; i < denseFeatures.size(); i++) {
      Fitted f = fitted.fitted().get(denseIndex[i]);
      denseIsInt[i] = f.outputType() == FeatureType.INT;
      denseIsOneHot[i] =
          f.kind() == TransformSpec.Kind.COMPUTE_AND_APPLY_VOCABULARY
              && f.outputType() == FeatureType.FLOAT;
    }
    String label = artifact.info().label();
    this.labelIndex = out.requireIndex(label);
    this.labelInputs = fitted.fitted().get(labelIndex).inputs();
    List<String> classNames = artifact.info().classNames();
    this.numClasses = classNames == null ? 0 : classNames.size();
    this.outputKey = ModelExport.outputKey(artifact.task());
    ConfigProto config =
        ConfigProto.newBuilder()
            .setIntraOpParallelismThreads(intraOpThreads)
            .setInterOpParallelismThreads(interOpThreads)
            .setUsePerSessionThreads(true)
            .build();
    this.bundle =
        SavedModelBundle.loader(artifact.savedModel().toString())
            .withTags(TransformGraph.TAG)
            .withConfigProto(config)
            .load();
    try {
      this.transformedFunction = bundle.function(ModelExport.TRANSFORMED_SIGNATURE);
      this.rawFunction = bundle.function(TransformGraph.SIGNATURE);
    } catch (RuntimeException e) {
      bundle.close();
      throw new IOException(
          artifact.savedModel()
              + ": expected signatures '"
              + ModelExport.TRANSFORMED_SIGNATURE
              + "' and '"
              + TransformGraph.SIGNATURE
              + "': "
              + e.getMessage(),
          e);
    }
  }

  /** Loads a model artifact with the default session threads. */
  public static LoadedModel load(Path artifactDirectory) throws IOException {
    return load(artifactDirectory, DEFAULT_INTRA_OP_THREADS, DEFAULT_INTER_OP_THREADS);
  }

  /** Loads a model artifact; its session gets its own pools of the given sizes. */
  public static LoadedModel load(Path artifactDirectory, int intraOpThreads, int interOpThreads)
      throws IOException {
    return new LoadedModel(
        ModelArtifact.read(artifactDirectory), intraOpThreads, interOpThreads, false);
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
                ModelArtifact.read(key), DEFAULT_INTRA_OP_THREADS, DEFAULT_INTER_OP_THREADS, true);
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
      toClose.closeBundle();
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
      labels[i] = label(raw.get(i), transformed[i]);
    }
    Predictions predictions =
        batched(Arrays.asList(transformed), batch -> runTransformed(batch.toArray(new Example[0])));
    return new Scored(predictions, labels);
  }

  /** Predictions for raw records through the raw signature (the transform inside the graph). */
  public Predictions predictRaw(List<Example> raw) {
    checkOpen();
    return batched(raw, this::runRaw);
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
      labels[i] = label(raw.get(i), null);
    }
    return labels;
  }

  private double label(Example raw, Example transformedOrNull) {
    ExampleSchema schema = raw.schema();
    for (String input : labelInputs) {
      int index = schema.indexOf(input);
      if (index < 0 || raw.valueCount(index) == 0) {
        return Double.NaN;
      }
    }
    Example transformed = transformedOrNull != null ? transformedOrNull : transformer.apply(raw);
    Object v = transformed.rawValues(labelIndex);
    double y;
    if (v instanceof long[] l && l.length > 0) {
      y = l[0];
    } else if (v instanceof double[] d && d.length > 0) {
      y = d[0];
    } else {
      return Double.NaN;
    }
    return switch (artifact.task()) {
      case BINARY -> y == 0 || y == 1 ? y : Double.NaN;
      case MULTICLASS -> y >= 0 && y < numClasses && y == Math.rint(y) ? y : Double.NaN;
      case REGRESSION -> Double.isFinite(y) ? y : Double.NaN;
    };
  }

  private Predictions batched(List<Example> raw, Function<List<Example>, Predictions> run) {
    if (raw.isEmpty()) {
      return new Predictions(new float[0], width(0));
    }
    if (raw.size() <= MAX_BATCH) {
      return run.apply(raw);
    }
    float[] all = null;
    int width = 0;
    for (int from = 0; from < raw.size(); from += MAX_BATCH) {
      Predictions part = run.apply(raw.subList(from, Math.min(raw.size(), from + MAX_BATCH)));
      if (all == null) {
        width = part.width();
        all = new float[raw.size() * width];
      }
      System.arraycopy(part.values(), 0, all, from * width, part.values().length);
    }
    return new Predictions(all, width);
  }

  private int width(int observed) {
    return artifact.task() == Task.MULTICLASS ? Math.max(observed, numClasses) : 1;
  }

  private Predictions runTransformed(Example[] rows) {
    int n = rows.length;
    Map<String, Tensor> feeds = new LinkedHashMap<>();
    try {
      for (int f = 0; f < denseIndex.length; f++) {
        int index = denseIndex[f];
        if (denseIsInt[f]) {
          feeds.put(denseFeatures.get(f), longColumn(rows, index));
        } else if (denseIsOneHot[f]) {
          int depth = n == 0 ? 0 : rows[0].floats(index).length;
          double[] values = new double[n * depth];
          for (int r = 0; r < n; r++) {
            double[] d = rows[r].floats(index);
            if (d.length != depth) {
              throw new IllegalStateException(
                  "feature '"
                      + denseFeatures.get(f)
                      + "' has "
                      + d.length
                      + " values, not "
                      + depth);
            }
            System.arraycopy(d, 0, values, r * depth, depth);
          }
          feeds.put(
              denseFeatures.get(f),
              TFloat64.tensorOf(Shape.of(n, depth), DataBuffers.of(values, true, false)));
        } else {
          double[] values = new double[n];
          for (int r = 0; r < n; r++) {
            values[r] = rows[r].floats(index)[0];
          }
          feeds.put(denseFeatures.get(f), TFloat64.vectorOf(values));
        }
      }
      for (int c = 0; c < idIndex.length; c++) {
        feeds.put(idColumns.get(c), longColumn(rows, idIndex[c]));
      }
      return call(transformedFunction, feeds, n);
    } finally {
      feeds.values().forEach(Tensor::close);
    }
  }

  private static TInt64 longColumn(Example[] rows, int index) {
    long[] values = new long[rows.length];
    for (int r = 0; r < rows.length; r++) {
      values[r] = rows[r].int64s(index)[0];
    }
    return TInt64.vectorOf(values);
  }

  private static final byte[] EMPTY = new byte[0];

  private Predictions runRaw(List<Example> rows) {
    ExampleSchema inputs = transformer.fitted().inputSchema();
    int n = rows.size();
    Map<String, Tensor> feeds = new LinkedHashMap<>();
    try {
      for (int f = 0; f < inputs.size(); f++) {
        String name = inputs.name(f);
        if (inputs.type(f) == FeatureType.BYTES) {
          byte[][] column = new byte[n][];
          for (int r = 0; r < n; r++) {
            Example e = rows.get(r);
            int index = e.schema().indexOf(name);
            Object v = index < 0 ? null : e.rawValues(index);
            column[r] = v instanceof byte[][] b && b.length > 0 ? b[0] : EMPTY;
          }
          feeds.put(name, TString.tensorOfBytes(NdArrays.vectorOfObjects(column)));
        } else {
          double[] column = new double[n];
          for (int r = 0; r < n; r++) {
            Example e = rows.get(r);
            int index = e.schema().indexOf(name);
            Object v = index < 0 ? null : e.rawValues(index);
            if (v instanceof double[] d && d.length > 0) {
              column[r] = d[0];
            } else if (v instanceof long[] l && l.length > 0) {
              column[r] = l[0];
            } else {
              column[r] = Double.NaN;
            }
          }
          feeds.put(name, TFloat64.vectorOf(column));
        }
      }
      return call(rawFunction, feeds, n);
    } finally {
      feeds.values().forEach(Tensor::close);
    }
  }

  private Predictions call(SessionFunction function, Map<String, Tensor> feeds, int rows) {
    try (Result result = function.call(feeds)) {
      Tensor out =
          result
              .get(outputKey)
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          artifact.savedModel()
                              + ": signature '"
                              + function.signature().key()
                              + "' has no output '"
                              + outputKey
                              + "'"));
      if (!(out instanceof TFloat32 values)) {
        throw new IllegalStateException(
            artifact.savedModel()
                + ": output '"
                + outputKey
                + "' is "
                + out.dataType()
                + ", not float32");
      }
      long size = values.shape().size();
      int width = rows == 0 ? width(0) : (int) (size / rows);
      if ((long) width * rows != size || (artifact.task() != Task.MULTICLASS && width != 1)) {
        throw new IllegalStateException(
            artifact.savedModel()
                + ": output '"
                + outputKey
                + "' has shape "
                + values.shape()
                + " for "
                + rows
                + " records");
      }
      float[] buffer = new float[(int) size];
      values.copyTo(DataBuffers.of(buffer, false, false));
      return new Predictions(buffer, width);
    }
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
    closeBundle();
  }

  private synchronized void closeBundle() {
    if (!closed) {
      closed = true;
      bundle.close();
    }
  }
}
