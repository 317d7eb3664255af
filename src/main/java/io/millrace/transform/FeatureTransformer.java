package io.millrace.transform;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureType;
import io.millrace.transform.FittedTransform.Fitted;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies a fitted transform to one raw example: the runtime that serving embeds, with nothing of
 * Beam in it. The same object does the work inside {@code ApplyTransform}, so the pipeline and
 * serving cannot drift apart.
 *
 * <p>Raw examples are matched to the transform by feature name, so serving records may lack
 * features the transform does not read (e.g. the label). A missing numeric input takes the step's
 * fill value (the training mean unless set); a missing string is the empty string, which is never
 * in a vocabulary. Arithmetic is done in double and bucket boundaries compared in float32, which is
 * what the TensorFlow graph of the same transform does.
 *
 * <p>Thread-safe: {@link #apply} keeps no state but a cache of the last raw schema's layout.
 */
public final class FeatureTransformer implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final HashFunction FINGERPRINT64 = Hashing.farmHashFingerprint64();

  /** Joins the two values of a hashed cross before hashing. */
  public static final String CROSS_SEPARATOR = "_X_";

  private final FittedTransform fitted;
  private final ExampleSchema outputSchema;
  private final List<Fitted> steps;
  private transient volatile Map<ByteBuffer, Integer>[] vocabularies;
  private transient volatile Layout layout;

  /** Where each step's inputs are in one raw schema. */
  private record Layout(ExampleSchema raw, int[][] inputs) {}

  FeatureTransformer(FittedTransform fitted) {
    this.fitted = fitted;
    this.outputSchema = fitted.outputSchema();
    this.steps = fitted.fitted();
  }

  /** Vocabulary lookups, built on first use (also after deserialization on a worker). */
  @SuppressWarnings("unchecked")
  private Map<ByteBuffer, Integer> ids(int step) {
    Map<ByteBuffer, Integer>[] all = vocabularies;
    if (all == null) {
      all = new Map[steps.size()];
      for (int s = 0; s < steps.size(); s++) {
        if (steps.get(s).vocabularyFile() != null) {
          Map<ByteBuffer, Integer> ids = new HashMap<>();
          List<byte[]> vocabulary = fitted.vocabulary(s);
          for (int i = 0; i < vocabulary.size(); i++) {
            ids.putIfAbsent(ByteBuffer.wrap(vocabulary.get(i)), i);
          }
          all[s] = ids;
        }
      }
      vocabularies = all;
    }
    return all[step];
  }

  /** Loads the transform artifact written by {@code millrace transform}. */
  public static FeatureTransformer load(Path artifact) throws IOException {
    return FittedTransform.read(artifact).transformer();
  }

  public FittedTransform fitted() {
    return fitted;
  }

  public ExampleSchema outputSchema() {
    return outputSchema;
  }

  /** The model inputs of one raw example. */
  public Example apply(Example raw) {
    Layout l = layoutOf(raw.schema());
    Example.Builder out = outputSchema.newExample();
    for (int s = 0; s < steps.size(); s++) {
      Fitted step = steps.get(s);
      int[] in = l.inputs()[s];
      switch (step.kind()) {
        case SCALE_TO_Z_SCORE -> {
          double x = number(raw, in[0], step.fill());
          out.setFloats(s, step.std() == 0 ? 0 : (x - step.mean()) / step.std());
        }
        case SCALE_TO_0_1 -> out.setFloats(s, scale(number(raw, in[0], step.fill()), step, 0, 1));
        case SCALE_BY_MIN_MAX -> {
          TransformSpec.Step def = fitted.spec().steps().get(s);
          out.setFloats(
              s,
              scale(
                  number(raw, in[0], step.fill()),
                  step,
                  def.number("min", 0),
                  def.number("max", 1)));
        }
        case BUCKETIZE -> out.setInt64s(s, bucket(number(raw, in[0], step.fill()), step));
        case LOG1P -> out.setFloats(s, Math.log1p(number(raw, in[0], step.fill())));
        case CLIP -> {
          TransformSpec.Step def = fitted.spec().steps().get(s);
          double x = number(raw, in[0], step.fill());
          out.setFloats(
              s,
              Math.min(
                  def.number("max", Double.POSITIVE_INFINITY),
                  Math.max(def.number("min", Double.NEGATIVE_INFINITY), x)));
        }
        case PASSTHROUGH -> {
          double x = number(raw, in[0], step.fill());
          if (step.outputType() == FeatureType.INT) {
            out.setInt64s(s, (long) x);
          } else {
            out.setFloats(s, x);
          }
        }
        case COMPUTE_AND_APPLY_VOCABULARY -> {
          long id = vocabularyId(s, text(raw, in[0]));
          if (step.outputType() == FeatureType.FLOAT) {
            double[] oneHot =
                new double
                    [step.vocabularySize()
                        + (int) fitted.spec().steps().get(s).integer("num_oov_buckets", 0)];
            if (id >= 0 && id < oneHot.length) {
              oneHot[(int) id] = 1;
            }
            out.setFloats(s, oneHot);
          } else {
            out.setInt64s(s, id);
          }
        }
        case HASH_STRINGS ->
            out.setInt64s(
                s,
                hashBucket(
                    text(raw, in[0]), fitted.spec().steps().get(s).integer("num_buckets", 1)));
        case HASHED_CROSS -> {
          byte[] a = text(raw, in[0]);
          byte[] b = text(raw, in[1]);
          byte[] joined = new byte[a.length + CROSS_SEPARATOR.length() + b.length];
          System.arraycopy(a, 0, joined, 0, a.length);
          System.arraycopy(
              CROSS_SEPARATOR.getBytes(StandardCharsets.UTF_8),
              0,
              joined,
              a.length,
              CROSS_SEPARATOR.length());
          System.arraycopy(b, 0, joined, a.length + CROSS_SEPARATOR.length(), b.length);
          out.setInt64s(
              s, hashBucket(joined, fitted.spec().steps().get(s).integer("num_buckets", 1)));
        }
        case EXPRESSION -> {
          Expression e = expression(s);
          List<String> names = e.features();
          double v = e.evaluate(name -> number(raw, in[names.indexOf(name)], Double.NaN));
          if (step.outputType() == FeatureType.INT) {
            out.setInt64s(s, (long) v);
          } else {
            out.setFloats(s, v);
          }
        }
        default -> throw new IllegalStateException("unknown step " + step.kind());
      }
    }
    return out.build();
  }

  private transient volatile Expression[] expressions;

  private Expression expression(int s) {
    Expression[] parsed = expressions;
    if (parsed == null) {
      parsed = new Expression[steps.size()];
      for (int i = 0; i < steps.size(); i++) {
        if (steps.get(i).kind() == TransformSpec.Kind.EXPRESSION) {
          parsed[i] = Expression.parse(fitted.spec().steps().get(i).text("expression", ""));
        }
      }
      expressions = parsed;
    }
    return parsed[s];
  }

  private static double scale(double x, Fitted step, double lo, double hi) {
    double range = step.max() - step.min();
    if (range == 0) {
      return (lo + hi) / 2;
    }
    return lo + (x - step.min()) / range * (hi - lo);
  }

  /** The number of boundaries at or below x, compared in float32 as TF's Bucketize does. */
  private static long bucket(double x, Fitted step) {
    float v = (float) x;
    double[] boundaries = step.boundaries();
    int lo = 0;
    int hi = boundaries.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if ((float) boundaries[mid] <= v) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private long vocabularyId(int s, byte[] value) {
    Map<ByteBuffer, Integer> ids = ids(s);
    Integer id = ids.get(ByteBuffer.wrap(value));
    if (id != null) {
      return id;
    }
    TransformSpec.Step def = fitted.spec().steps().get(s);
    long oov = def.integer("num_oov_buckets", 0);
    if (oov > 0) {
      return ids.size() + hashBucket(value, oov);
    }
    return def.integer("default_value", -1);
  }

  /** TensorFlow's StringToHashBucketFast: FarmHash Fingerprint64 modulo n, unsigned. */
  static long hashBucket(byte[] value, long buckets) {
    return Long.remainderUnsigned(FINGERPRINT64.hashBytes(value).asLong(), buckets);
  }

  private static double number(Example raw, int index, Double fill) {
    Object v = index < 0 ? null : raw.rawValues(index);
    if (v instanceof double[] d && d.length > 0) {
      return d[0];
    }
    if (v instanceof long[] l && l.length > 0) {
      return l[0];
    }
    return fill == null ? Double.NaN : fill;
  }

  private static final byte[] EMPTY = new byte[0];

  /** A feature's first value as text: strings as they are, integers in decimal; "" if missing. */
  private static byte[] text(Example raw, int index) {
    Object v = index < 0 ? null : raw.rawValues(index);
    if (v instanceof byte[][] b && b.length > 0) {
      return b[0];
    }
    if (v instanceof long[] l && l.length > 0) {
      return Long.toString(l[0]).getBytes(StandardCharsets.US_ASCII);
    }
    return EMPTY;
  }

  private Layout layoutOf(ExampleSchema raw) {
    Layout l = layout;
    if (l != null && l.raw() == raw) {
      return l;
    }
    int[][] inputs = new int[steps.size()][];
    for (int s = 0; s < steps.size(); s++) {
      List<String> names = steps.get(s).inputs();
      inputs[s] = new int[names.size()];
      for (int i = 0; i < names.size(); i++) {
        inputs[s][i] = raw.indexOf(names.get(i));
      }
    }
    l = new Layout(raw, inputs);
    layout = l;
    return l;
  }
}
