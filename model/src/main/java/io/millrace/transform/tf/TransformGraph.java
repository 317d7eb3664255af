package io.millrace.transform.tf;

import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureType;
import io.millrace.transform.Expression;
import io.millrace.transform.FeatureTransformer;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.FittedTransform.Fitted;
import io.millrace.transform.TransformSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.strings.Join;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;
import org.tensorflow.types.family.TType;

/**
 * A {@link FittedTransform} as TensorFlow ops: the graph form of {@link FeatureTransformer}, which
 * a model can embed so that serving computes exactly what training did.
 *
 * <p><b>Raw input convention.</b> One placeholder per raw input feature of {@link
 * FittedTransform#inputSchema()}, each a vector of shape {@code [batch]} (all the same batch):
 *
 * <ul>
 *   <li>{@code FLOAT} and {@code INT} features: {@link TFloat64}, the feature's first value, with
 *       NaN meaning missing. Integers are exact up to 2<sup>53</sup> in magnitude; beyond that the
 *       decimal text a hashed cross reads differs from the runtime's. A raw value that is itself
 *       NaN cannot be told from a missing one: the graph gives it the step's fill value, where the
 *       Java runtime computes with NaN.
 *   <li>{@code BYTES} features: {@link TString}, the first value's bytes, with {@code ""} meaning
 *       missing (as in the runtime, where a missing string is the empty string).
 * </ul>
 *
 * <p><b>Outputs.</b> One operand per output feature, in step order: {@link TInt64} {@code [batch]}
 * for integer outputs (ids, buckets, hashes, integer passthrough, boolean expressions), {@link
 * TFloat64} {@code [batch]} for float outputs, and {@link TFloat64} {@code [batch, depth]} for a
 * one-hot vocabulary.
 *
 * <p>Every lookup is table-free (a vocabulary is a constant string vector compared with the input),
 * so an exported SavedModel needs no table initializer after reload. Arithmetic is in float64 with
 * the runtime's order of operations; bucket boundaries are compared in float32; hash buckets come
 * from {@code StringToHashBucketFast} (FarmHash Fingerprint64 modulo n), the function the runtime
 * computes with Guava.
 *
 * <p>Measured against the runtime: integer outputs are identical. Float outputs are bit-identical
 * except that TensorFlow's default constant folding (Grappler) turns a division by a constant into
 * a multiplication by its reciprocal, so z-score and scaling outputs can differ by about one ulp
 * (at most 4e-16 relative seen); with constant folding off they were bit-identical too.
 */
public final class TransformGraph {
  /** The signature a SavedModel of the transform serves. */
  public static final String SIGNATURE = "serving_default";

  /** The SavedModel tag. */
  public static final String TAG = "serve";

  private static final Pattern OP_NAME = Pattern.compile("[A-Za-z0-9.][A-Za-z0-9_.\\-]*");

  private TransformGraph() {}

  /**
   * The raw input placeholders of {@code fitted}, keyed by raw feature name in the order of {@link
   * FittedTransform#inputSchema()}; their ops are named {@code raw/NAME} (made a valid op name).
   */
  public static Map<String, Placeholder<?>> placeholders(Ops tf, FittedTransform fitted) {
    ExampleSchema schema = fitted.inputSchema();
    Ops raw = tf.withSubScope("raw");
    Map<String, Placeholder<?>> placeholders = new LinkedHashMap<>();
    Set<String> used = new HashSet<>();
    for (int i = 0; i < schema.size(); i++) {
      String name = schema.name(i);
      Ops named = raw.withName(opName(name, used));
      Placeholder.Options shape = Placeholder.shape(Shape.of(-1));
      placeholders.put(
          name,
          schema.type(i) == FeatureType.BYTES
              ? named.placeholder(TString.class, shape)
              : named.placeholder(TFloat64.class, shape));
    }
    return placeholders;
  }

  /**
   * The output operands of {@code fitted} over {@code raw} (see the class comment for the
   * convention), keyed by output feature name in step order; their ops are named {@code
   * transformed/NAME}.
   *
   * @param raw one operand per raw input feature, e.g. from {@link #placeholders}
   */
  public static Map<String, Operand<?>> build(
      Ops tf, FittedTransform fitted, Map<String, ? extends Operand<?>> raw) {
    return new Builder(tf, fitted, raw).build();
  }

  /**
   * Writes {@code fitted} as a SavedModel (tag {@value #TAG}) whose {@value #SIGNATURE} signature
   * takes the raw placeholders, keyed by raw feature name, and returns the outputs, keyed by output
   * feature name.
   */
  public static void exportSavedModel(FittedTransform fitted, Path dir) throws IOException {
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Map<String, Placeholder<?>> inputs = placeholders(tf, fitted);
      Map<String, Operand<?>> outputs = build(tf, fitted, inputs);
      Signature.Builder signature = Signature.builder().key(SIGNATURE);
      inputs.forEach(signature::input);
      outputs.forEach(signature::output);
      SavedModelBundle.exporter(dir.toString())
          .withTags(TAG)
          .withSession(session)
          .withSignature(signature.build())
          .export();
    }
  }

  private static String opName(String name, Set<String> used) {
    String base =
        OP_NAME.matcher(name).matches() ? name : "f_" + name.replaceAll("[^A-Za-z0-9_.\\-]", "_");
    String candidate = base;
    for (int i = 1; !used.add(candidate); i++) {
      candidate = base + "_" + i;
    }
    return candidate;
  }

  private static final class Builder {
    private final Ops tf;
    private final FittedTransform fitted;
    private final Map<String, ? extends Operand<?>> raw;
    private final ExampleSchema schema;
    private final Operand<TInt32> batchShape;

    Builder(Ops tf, FittedTransform fitted, Map<String, ? extends Operand<?>> raw) {
      this.tf = tf;
      this.fitted = fitted;
      this.raw = raw;
      this.schema = fitted.inputSchema();
      for (int i = 0; i < schema.size(); i++) {
        if (!raw.containsKey(schema.name(i))) {
          throw new IllegalArgumentException("no raw input for feature '" + schema.name(i) + "'");
        }
      }
      if (schema.size() == 0) {
        throw new IllegalArgumentException("the transform reads no raw feature");
      }
      this.batchShape = tf.shape(raw.get(schema.name(0)));
    }

    Map<String, Operand<?>> build() {
      Map<String, Operand<?>> outputs = new LinkedHashMap<>();
      Ops out = tf.withSubScope("transformed");
      Set<String> used = new HashSet<>();
      List<Fitted> steps = fitted.fitted();
      for (int s = 0; s < steps.size(); s++) {
        Fitted step = steps.get(s);
        Operand<? extends TType> value = step(s, step, tf.withSubScope("step_" + s));
        outputs.put(step.output(), out.withName(opName(step.output(), used)).identity(value));
      }
      return outputs;
    }

    private Operand<? extends TType> step(int s, Fitted step, Ops tf) {
      TransformSpec.Step def = fitted.spec().steps().get(s);
      return switch (step.kind()) {
        case SCALE_TO_Z_SCORE -> {
          if (step.std() == 0) {
            yield filled(tf.constant(0.0));
          }
          yield tf.math.div(
              tf.math.sub(number(def.input(), step.fill()), tf.constant(step.mean())),
              tf.constant(step.std()));
        }
        case SCALE_TO_0_1 -> scale(tf, number(def.input(), step.fill()), step, 0, 1);
        case SCALE_BY_MIN_MAX ->
            scale(
                tf,
                number(def.input(), step.fill()),
                step,
                def.number("min", 0),
                def.number("max", 1));
        case BUCKETIZE -> bucket(tf, number(def.input(), step.fill()), step.boundaries());
        case LOG1P -> tf.math.log1p(number(def.input(), step.fill()));
        case CLIP -> {
          Operand<TFloat64> x = number(def.input(), step.fill());
          // Math.min(max, Math.max(min, x)): NaN stays NaN.
          Operand<TFloat64> clipped =
              tf.math.minimum(
                  tf.math.maximum(x, tf.constant(def.number("min", Double.NEGATIVE_INFINITY))),
                  tf.constant(def.number("max", Double.POSITIVE_INFINITY)));
          yield tf.select(tf.math.isNan(x), x, clipped);
        }
        case PASSTHROUGH -> {
          Operand<TFloat64> x = number(def.input(), step.fill());
          yield step.outputType() == FeatureType.INT ? javaLong(tf, x) : tf.identity(x);
        }
        case COMPUTE_AND_APPLY_VOCABULARY -> {
          Operand<TInt64> id = vocabularyId(tf, s, def, text(def.input()));
          if (step.outputType() != FeatureType.FLOAT) {
            yield id;
          }
          int depth = step.vocabularySize() + (int) def.integer("num_oov_buckets", 0);
          // Out-of-range ids (a default of -1) give all zeros, as in the runtime.
          yield tf.oneHot(id, tf.constant(depth), tf.constant(1.0), tf.constant(0.0));
        }
        case HASH_STRINGS ->
            tf.strings.toHashBucketFast(text(def.input()), def.integer("num_buckets", 1));
        case HASHED_CROSS ->
            tf.strings.toHashBucketFast(
                tf.strings.join(
                    List.of(text(step.inputs().get(0)), text(step.inputs().get(1))),
                    Join.separator(FeatureTransformer.CROSS_SEPARATOR)),
                def.integer("num_buckets", 1));
        case EXPRESSION -> {
          Expression e = Expression.parse(def.text("expression", ""));
          Operand<TFloat64> v = tf.broadcastTo(expression(tf, e), batchShape);
          yield step.outputType() == FeatureType.INT ? javaLong(tf, v) : v;
        }
      };
    }

    /** A {@code [batch]} vector of one value. */
    private <T extends TType> Operand<T> filled(Operand<T> scalar) {
      return tf.fill(batchShape, scalar);
    }

    /** A numeric input: NaN (missing) becomes {@code fill}; a BYTES input is always the fill. */
    @SuppressWarnings("unchecked")
    private Operand<TFloat64> number(String name, Double fill) {
      double f = fill == null ? Double.NaN : fill;
      if (schema.type(schema.requireIndex(name)) == FeatureType.BYTES) {
        return filled(tf.constant(f));
      }
      Operand<TFloat64> x = (Operand<TFloat64>) raw.get(name);
      if (Double.isNaN(f)) {
        return x;
      }
      return tf.select(tf.math.isNan(x), filled(tf.constant(f)), x);
    }

    /**
     * A text input as the runtime reads it: strings as they are, integers in decimal, "" when
     * missing, and "" for a float feature (the runtime gives float features no text).
     */
    @SuppressWarnings("unchecked")
    private Operand<TString> text(String name) {
      FeatureType type = schema.type(schema.requireIndex(name));
      if (type == FeatureType.BYTES) {
        return (Operand<TString>) raw.get(name);
      }
      Operand<TString> empty = filled(tf.constant(""));
      if (type != FeatureType.INT) {
        return empty;
      }
      Operand<TFloat64> x = (Operand<TFloat64>) raw.get(name);
      Operand<TBool> missing = tf.math.isNan(x);
      // AsString of int64 is plain decimal ("%lld"); cast only what is present.
      Operand<TInt64> n =
          tf.dtypes.cast(tf.select(missing, filled(tf.constant(0.0)), x), TInt64.class);
      return tf.select(missing, empty, tf.dtypes.asString(n));
    }

    /** lo + (x - min) / range * (hi - lo), or the middle of [lo, hi] when the range is 0. */
    private Operand<TFloat64> scale(
        Ops tf, Operand<TFloat64> x, Fitted step, double lo, double hi) {
      double range = step.max() - step.min();
      if (range == 0) {
        return filled(tf.constant((lo + hi) / 2));
      }
      return tf.math.add(
          tf.constant(lo),
          tf.math.mul(
              tf.math.div(tf.math.sub(x, tf.constant(step.min())), tf.constant(range)),
              tf.constant(hi - lo)));
    }

    /**
     * The number of boundaries at or below x, in float32. Bucketize compares its input type with
     * float boundaries, so x is cast to float32 first; NaN gives 0 as the runtime's search does.
     */
    private Operand<TInt64> bucket(Ops tf, Operand<TFloat64> x, double[] boundaries) {
      List<Float> b = new ArrayList<>();
      for (double v : boundaries) {
        b.add((float) v);
      }
      Operand<TFloat32> x32 = tf.dtypes.cast(x, TFloat32.class);
      Operand<TInt32> buckets = tf.bucketize(x32, b);
      return tf.dtypes.cast(
          tf.select(tf.math.isNan(x32), filled(tf.constant(0)), buckets), TInt64.class);
    }

    /** Java's (long) of a double: NaN is 0, beyond the range saturates, else truncation. */
    private Operand<TInt64> javaLong(Ops tf, Operand<TFloat64> x) {
      double two63 = 0x1p63;
      Operand<TBool> high = tf.math.greaterEqual(x, tf.constant(two63));
      Operand<TBool> low = tf.math.less(x, tf.constant(-two63));
      Operand<TBool> special = tf.math.logicalOr(tf.math.isNan(x), tf.math.logicalOr(high, low));
      Operand<TInt64> cast =
          tf.dtypes.cast(tf.select(special, filled(tf.constant(0.0)), x), TInt64.class);
      return tf.select(
          high,
          filled(tf.constant(Long.MAX_VALUE)),
          tf.select(low, filled(tf.constant(Long.MIN_VALUE)), cast));
    }

    /**
     * The index of the first exact byte match in the vocabulary; otherwise {@code distinct + hash
     * mod n} with OOV buckets, else the default value. Table-free: [batch, 1] == [1, V].
     */
    private Operand<TInt64> vocabularyId(
        Ops tf, int s, TransformSpec.Step def, Operand<TString> value) {
      List<byte[]> vocabulary = fitted.vocabulary(s);
      long oov = def.integer("num_oov_buckets", 0);
      Operand<TInt64> other;
      if (oov > 0) {
        Set<ByteBuffer> distinct = new HashSet<>();
        vocabulary.forEach(v -> distinct.add(ByteBuffer.wrap(v)));
        other =
            tf.math.add(
                tf.constant((long) distinct.size()), tf.strings.toHashBucketFast(value, oov));
      } else {
        other = filled(tf.constant(def.integer("default_value", -1)));
      }
      if (vocabulary.isEmpty()) {
        return other;
      }
      Operand<TString> constant;
      try (TString words =
          TString.tensorOfBytes(NdArrays.vectorOfObjects(vocabulary.toArray(new byte[0][])))) {
        constant = tf.constantOf(words);
      }
      Operand<TBool> equal =
          tf.math.equal(
              tf.expandDims(value, tf.constant(1)), tf.expandDims(constant, tf.constant(0)));
      Operand<TBool> found = tf.any(equal, tf.constant(1));
      Operand<TInt64> index = tf.math.argMax(tf.dtypes.cast(equal, TInt32.class), tf.constant(1));
      return tf.select(found, index, other);
    }

    private Operand<TFloat64> expression(Ops tf, Expression e) {
      if (e instanceof Expression.Constant c) {
        return tf.constant(c.value());
      }
      if (e instanceof Expression.Feature f) {
        return number(f.name(), null);
      }
      if (e instanceof Expression.Not n) {
        return tf.dtypes.cast(
            tf.math.logicalNot(truth(tf, expression(tf, n.operand()))), TFloat64.class);
      }
      Expression.Binary b = (Expression.Binary) e;
      Operand<TFloat64> l = expression(tf, b.left());
      Operand<TFloat64> r = expression(tf, b.right());
      switch (b.op()) {
        case "+":
          return tf.math.add(l, r);
        case "-":
          return tf.math.sub(l, r);
        case "*":
          return tf.math.mul(l, r);
        case "/":
          return tf.math.div(l, r);
        default:
          break;
      }
      // Comparisons and logic give 1 or 0; any comparison with NaN is false, as in Java.
      Operand<TBool> bool =
          switch (b.op()) {
            case ">" -> tf.math.greater(l, r);
            case ">=" -> tf.math.greaterEqual(l, r);
            case "<" -> tf.math.less(l, r);
            case "<=" -> tf.math.lessEqual(l, r);
            case "==" -> tf.math.equal(l, r);
            case "!=" ->
                tf.math.logicalAnd(
                    tf.math.notEqual(l, r),
                    tf.math.logicalNot(tf.math.logicalOr(tf.math.isNan(l), tf.math.isNan(r))));
            case "and" -> tf.math.logicalAnd(truth(tf, l), truth(tf, r));
            case "or" -> tf.math.logicalOr(truth(tf, l), truth(tf, r));
            default -> throw new IllegalStateException("unknown operator " + b.op());
          };
      return tf.dtypes.cast(bool, TFloat64.class);
    }

    /** v != 0 and not NaN. */
    private static Operand<TBool> truth(Ops tf, Operand<TFloat64> v) {
      return tf.math.logicalAnd(
          tf.math.notEqual(v, tf.constant(0.0)), tf.math.logicalNot(tf.math.isNan(v)));
    }
  }
}
