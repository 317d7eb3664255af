package io.millrace.model;

import io.millrace.model.LoadedModel.Predictions;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureType;
import io.millrace.transform.FeatureTransformer;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.FittedTransform.Fitted;
import io.millrace.transform.TransformSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * Records as a model's input tensors, in batches of at most {@link LoadedModel#MAX_BATCH}.
 * Transformed records become the numeric tensors of the model's dense features and id columns,
 * built from primitive arrays (no string tensors, which cost ~2.5 µs per element); raw records
 * become one tensor per raw input feature, strings included.
 */
final class InputBatches {
  private static final byte[] EMPTY = new byte[0];

  /** A batch's tensors by input name; closing it closes them. */
  static final class Feeds implements AutoCloseable {
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    Map<String, Tensor> tensors() {
      return tensors;
    }

    @Override
    public void close() {
      tensors.values().forEach(Tensor::close);
    }
  }

  private final ExampleSchema rawInputs;
  private final List<String> denseFeatures;
  private final List<String> idColumns;
  private final int[] denseIndex;
  private final int[] idIndex;
  private final boolean[] denseIsInt;
  private final boolean[] denseIsOneHot;

  InputBatches(ModelArtifact.Inputs inputs, FeatureTransformer transformer) {
    FittedTransform fitted = transformer.fitted();
    ExampleSchema out = transformer.outputSchema();
    this.rawInputs = fitted.inputSchema();
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
  }

  /**
   * Runs the records in batches of at most {@link LoadedModel#MAX_BATCH} and joins the batches'
   * predictions in order.
   *
   * @param none the predictions of no records
   */
  static Predictions batched(
      List<Example> records, Predictions none, Function<List<Example>, Predictions> run) {
    if (records.isEmpty()) {
      return none;
    }
    if (records.size() <= LoadedModel.MAX_BATCH) {
      return run.apply(records);
    }
    float[] all = null;
    int width = 0;
    for (int from = 0; from < records.size(); from += LoadedModel.MAX_BATCH) {
      Predictions part =
          run.apply(records.subList(from, Math.min(records.size(), from + LoadedModel.MAX_BATCH)));
      if (all == null) {
        width = part.width();
        all = new float[records.size() * width];
      }
      System.arraycopy(part.values(), 0, all, from * width, part.values().length);
    }
    return new Predictions(all, width);
  }

  /** The tensors of transformed records: the model's dense features and id columns. */
  Feeds transformed(Example[] rows) {
    int n = rows.length;
    Feeds feeds = new Feeds();
    try {
      for (int f = 0; f < denseIndex.length; f++) {
        int index = denseIndex[f];
        if (denseIsInt[f]) {
          feeds.tensors.put(denseFeatures.get(f), longColumn(rows, index));
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
          feeds.tensors.put(
              denseFeatures.get(f),
              TFloat64.tensorOf(Shape.of(n, depth), DataBuffers.of(values, true, false)));
        } else {
          double[] values = new double[n];
          for (int r = 0; r < n; r++) {
            values[r] = rows[r].floats(index)[0];
          }
          feeds.tensors.put(denseFeatures.get(f), TFloat64.vectorOf(values));
        }
      }
      for (int c = 0; c < idIndex.length; c++) {
        feeds.tensors.put(idColumns.get(c), longColumn(rows, idIndex[c]));
      }
      return feeds;
    } catch (RuntimeException e) {
      feeds.close();
      throw e;
    }
  }

  private static TInt64 longColumn(Example[] rows, int index) {
    long[] values = new long[rows.length];
    for (int r = 0; r < rows.length; r++) {
      values[r] = rows[r].int64s(index)[0];
    }
    return TInt64.vectorOf(values);
  }

  /**
   * The tensors of raw records: each raw input feature's first value, by name; a missing string is
   * empty, a missing number NaN (the transform in the graph fills both).
   */
  Feeds raw(List<Example> rows) {
    int n = rows.size();
    Feeds feeds = new Feeds();
    try {
      for (int f = 0; f < rawInputs.size(); f++) {
        String name = rawInputs.name(f);
        if (rawInputs.type(f) == FeatureType.BYTES) {
          byte[][] column = new byte[n][];
          for (int r = 0; r < n; r++) {
            Example e = rows.get(r);
            int index = e.schema().indexOf(name);
            Object v = index < 0 ? null : e.rawValues(index);
            column[r] = v instanceof byte[][] b && b.length > 0 ? b[0] : EMPTY;
          }
          feeds.tensors.put(name, TString.tensorOfBytes(NdArrays.vectorOfObjects(column)));
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
          feeds.tensors.put(name, TFloat64.vectorOf(column));
        }
      }
      return feeds;
    } catch (RuntimeException e) {
      feeds.close();
      throw e;
    }
  }
}
