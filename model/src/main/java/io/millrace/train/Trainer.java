package io.millrace.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Max;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * A deterministic graph-mode trainer for the {@link Task}s: sigmoid cross-entropy (BINARY), softmax
 * cross-entropy (MULTICLASS), squared error (REGRESSION), over LINEAR, DNN and WIDE_AND_DEEP
 * models.
 *
 * <p>Determinism: initial weights come from a Java {@link SplittableRandom} seeded with {@link
 * ModelConfig#seed()}; row order per epoch from {@link TrainingData#epochOrder}, and the initial
 * and eval losses over the rows in their canonical order, so neither follows the shard layout;
 * dropout masks from a stateless RNG fed {@code (seed, step)}. The optimizer is written by hand:
 * gradients from {@link Graph#addGradients}, every apply op has a control dependency on every
 * gradient (so no apply can overwrite a variable another gradient still reads), and Adam's
 * beta-power updates have control dependencies on every apply. (The framework's {@code Adam} lacks
 * the latter and is not deterministic.) The eval loss is computed between epochs without touching
 * any variable, and the best epoch's weights are a copy read back then, so early stopping keeps the
 * run deterministic.
 *
 * <p>Each {@link #train} call builds its own {@link Graph} and {@link Session}; a Trainer holds no
 * TensorFlow resources and is safe to use from several threads.
 */
public final class Trainer {
  private final ModelConfig config;

  public Trainer(ModelConfig config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  public ModelConfig config() {
    return config;
  }

  /**
   * The most weights a model may have: 2^27 floats, 512 MiB, which Adam's two slots triple. A hash
   * bucket count or vocabulary far beyond what the data can fill would otherwise end in an
   * OutOfMemoryError while the weights are initialized.
   */
  public static final long MAX_WEIGHTS = 1L << 27;

  /**
   * Refuses a model that would have more than {@link #MAX_WEIGHTS} weights.
   *
   * @param numFeatures the dense input features
   * @param width the output units (1 for BINARY and REGRESSION, the classes for MULTICLASS)
   * @param idSizes the number of ids of each id column
   * @throws IllegalArgumentException naming the sizes that make the model too large
   */
  public static void checkWeights(
      ModelConfig config, long numFeatures, long width, List<Long> idSizes) {
    long ids = idSizes.stream().mapToLong(Long::longValue).sum();
    long weights = 0;
    if (config.wide()) {
      weights += (numFeatures + ids) * width;
    }
    if (config.deep()) {
      weights += ids * config.embeddingDim();
      long in = numFeatures + idSizes.size() * (long) config.embeddingDim();
      for (int units : config.hiddenUnits()) {
        weights += in * units + units;
        in = units;
      }
      weights += in * width;
    }
    weights += width;
    if (weights > MAX_WEIGHTS) {
      throw new IllegalArgumentException(
          String.format(
              "the %s model would have %,d weights, more than the %,d allowed: id columns of %s"
                  + " ids%s; lower num_buckets, top_k or num_oov_buckets in the transform%s",
              config.kind(),
              weights,
              MAX_WEIGHTS,
              idSizes,
              config.deep()
                  ? ", embeddingDim "
                      + config.embeddingDim()
                      + ", hiddenUnits "
                      + config.hiddenUnits()
                  : "",
              config.deep() ? ", or embeddingDim or hiddenUnits" : ""));
    }
  }

  /** Trains a fresh model on {@code data} for the configured epochs or steps. */
  public TrainedModel train(TrainingData data) {
    return train(data, null);
  }

  /**
   * Trains a fresh model on {@code train}; with {@code eval} (may be null), computes the eval loss
   * after each epoch and, if {@link ModelConfig#earlyStoppingPatience()} is set, stops once it has
   * not improved for that many epochs and returns the weights of the best epoch.
   */
  public TrainedModel train(TrainingData train, TrainingData eval) {
    Objects.requireNonNull(train, "train");
    if (eval != null) {
      requireCompatible(train, eval);
    } else if (config.earlyStoppingPatience() > 0) {
      throw new IllegalArgumentException("early stopping needs eval data");
    }
    List<Long> idSizes = new ArrayList<>();
    for (int c = 0; c < train.numIdColumns(); c++) {
      idSizes.add((long) train.vocabularySize(c));
    }
    checkWeights(config, train.numFeatures(), train.outputWidth(), idSizes);
    try (Graph graph = new Graph();
        Session session = new Session(graph, sessionConfig())) {
      Model model = new Model(Ops.create(graph), graph, train);
      session.initialize();
      float initialLoss = evaluateLoss(session, model, train);
      int patience = config.earlyStoppingPatience();
      long maxSteps = config.maxSteps();
      FloatList curve = new FloatList();
      FloatList evalCurve = new FloatList();
      FloatList stepLosses = new FloatList();
      LinkedHashMap<String, float[]> best = null;
      int bestEpoch = -1;
      float bestLoss = Float.POSITIVE_INFINITY;
      boolean stoppedEarly = false;
      long examples = 0;
      long step = 0;
      // The steps alone: the per-epoch evaluation is not training throughput.
      long stepNanos = 0;
      for (int epoch = 0; maxSteps > 0 ? step < maxSteps : epoch < config.epochs(); epoch++) {
        int[] order = train.epochOrder(config.seed(), epoch);
        double lossSum = 0;
        int seen = 0;
        long epochStart = System.nanoTime();
        for (int from = 0; from < order.length; from += config.batchSize()) {
          if (maxSteps > 0 && step >= maxSteps) {
            break;
          }
          int to = Math.min(order.length, from + config.batchSize());
          TrainingData.Batch batch = train.batch(order, from, to);
          float loss = runStep(session, model, batch, step++);
          stepLosses.add(loss);
          lossSum += (double) loss * batch.size();
          seen += batch.size();
        }
        stepNanos += System.nanoTime() - epochStart;
        examples += seen;
        curve.add((float) (lossSum / seen));
        if (eval == null) {
          continue;
        }
        float evalLoss = evaluateLoss(session, model, eval);
        evalCurve.add(evalLoss);
        if (patience == 0) {
          continue;
        }
        // Not-a-number never improves, so a diverged run stops and keeps its best finite epoch.
        if (evalLoss < bestLoss || bestEpoch < 0) {
          bestLoss = evalLoss;
          bestEpoch = epoch;
          best = readWeights(session, model);
        } else if (epoch - bestEpoch >= patience) {
          stoppedEarly = true;
          break;
        }
      }
      if (best == null) {
        best = readWeights(session, model);
        bestEpoch = curve.size() - 1;
      }
      return new TrainedModel(
          config,
          train.task(),
          train.numClasses(),
          best,
          model.shapes,
          initialLoss,
          curve.toArray(),
          evalCurve.toArray(),
          stepLosses.toArray(),
          bestEpoch,
          stoppedEarly,
          step,
          stepNanos,
          examples);
    }
  }

  private static void requireCompatible(TrainingData train, TrainingData eval) {
    boolean same =
        train.task() == eval.task()
            && train.numClasses() == eval.numClasses()
            && train.numFeatures() == eval.numFeatures()
            && train.numIdColumns() == eval.numIdColumns();
    for (int c = 0; same && c < train.numIdColumns(); c++) {
      same = train.vocabularySize(c) == eval.vocabularySize(c);
    }
    if (!same) {
      throw new IllegalArgumentException(
          "eval data does not match train data: task, classes, features or id columns differ");
    }
  }

  /** A growable float array: curves whose length early stopping and step limits decide. */
  private static final class FloatList {
    private float[] values = new float[16];
    private int size;

    void add(float value) {
      if (size == values.length) {
        values = java.util.Arrays.copyOf(values, size * 2);
      }
      values[size++] = value;
    }

    int size() {
      return size;
    }

    float[] toArray() {
      return java.util.Arrays.copyOf(values, size);
    }
  }

  private ConfigProto sessionConfig() {
    return ConfigProto.newBuilder()
        .setIntraOpParallelismThreads(config.intraOpThreads())
        .setInterOpParallelismThreads(config.interOpThreads())
        .setUsePerSessionThreads(true)
        .build();
  }

  private float runStep(Session session, Model model, TrainingData.Batch batch, long step) {
    List<Tensor> inputs = feedTensors(model, batch);
    try {
      Session.Runner runner = session.runner();
      feed(runner, model, inputs);
      if (model.dropoutSeed != null) {
        TInt64 seed = TInt64.vectorOf(config.seed(), step);
        inputs.add(seed);
        runner.feed(model.dropoutSeed, seed);
      }
      runner.addTarget(model.trainOp).fetch(model.trainLoss);
      try (Result result = runner.run()) {
        return ((TFloat32) result.get(0)).getFloat();
      }
    } finally {
      inputs.forEach(Tensor::close);
    }
  }

  private float evaluateLoss(Session session, Model model, TrainingData data) {
    // Batch means are rounded per batch: which rows share a batch must not follow the shard layout.
    int[] order = data.canonicalOrder();
    int evalBatch = Math.max(config.batchSize(), 1024);
    double sum = 0;
    for (int from = 0; from < order.length; from += evalBatch) {
      TrainingData.Batch batch = data.batch(order, from, Math.min(order.length, from + evalBatch));
      List<Tensor> inputs = feedTensors(model, batch);
      try {
        Session.Runner runner = session.runner();
        feed(runner, model, inputs);
        try (Result result = runner.fetch(model.evalLoss).run()) {
          sum += (double) ((TFloat32) result.get(0)).getFloat() * batch.size();
        }
      } finally {
        inputs.forEach(Tensor::close);
      }
    }
    return (float) (sum / order.length);
  }

  /** Tensors in order: features, labels, then one per id column. */
  private static List<Tensor> feedTensors(Model model, TrainingData.Batch batch) {
    List<Tensor> tensors = new ArrayList<>(3 + batch.ids().length);
    try {
      tensors.add(
          TFloat32.tensorOf(
              Shape.of(batch.size(), model.numFeatures),
              DataBuffers.of(batch.features(), true, false)));
      tensors.add(
          TFloat32.tensorOf(
              Shape.of(batch.size(), 1), DataBuffers.of(batch.labels(), true, false)));
      for (long[] ids : batch.ids()) {
        tensors.add(TInt64.tensorOf(Shape.of(batch.size()), DataBuffers.of(ids, true, false)));
      }
      return tensors;
    } catch (RuntimeException e) {
      tensors.forEach(Tensor::close);
      throw e;
    }
  }

  private static void feed(Session.Runner runner, Model model, List<Tensor> tensors) {
    runner.feed(model.features, tensors.get(0));
    runner.feed(model.labels, tensors.get(1));
    for (int c = 0; c < model.ids.size(); c++) {
      runner.feed(model.ids.get(c), tensors.get(2 + c));
    }
  }

  private static LinkedHashMap<String, float[]> readWeights(Session session, Model model) {
    Session.Runner runner = session.runner();
    List<String> names = new ArrayList<>(model.variables.keySet());
    for (String name : names) {
      runner.fetch(model.variables.get(name));
    }
    LinkedHashMap<String, float[]> out = new LinkedHashMap<>();
    try (Result result = runner.run()) {
      for (int i = 0; i < names.size(); i++) {
        TFloat32 t = (TFloat32) result.get(i);
        float[] values = new float[Math.toIntExact(t.shape().size())];
        t.copyTo(DataBuffers.of(values, false, false));
        out.put(names.get(i), values);
      }
    }
    return out;
  }

  /** The graph of one training run. */
  private final class Model {
    final int numFeatures;
    final Placeholder<TFloat32> features;
    final Placeholder<TFloat32> labels;
    final List<Placeholder<TInt64>> ids = new ArrayList<>();
    final Placeholder<TInt64> dropoutSeed;
    final LinkedHashMap<String, Variable<TFloat32>> variables = new LinkedHashMap<>();
    final LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();
    final Operand<TFloat32> trainLoss;
    final Operand<TFloat32> evalLoss;
    final Op trainOp;
    private final Ops tf;
    private final SplittableRandom init;
    private final Task task;
    private final int width;
    private int dropoutLayer;

    Model(Ops tf, Graph graph, TrainingData data) {
      this.tf = tf;
      this.init = new SplittableRandom(config.seed());
      this.numFeatures = data.numFeatures();
      this.task = data.task();
      this.width = data.outputWidth();
      features = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, numFeatures)));
      labels = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 1)));
      for (int c = 0; c < data.numIdColumns(); c++) {
        ids.add(tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(-1))));
      }
      boolean dropout = config.deep() && config.dropoutRate() > 0f;
      dropoutSeed = dropout ? tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(2))) : null;

      createVariables(data);
      Operand<TFloat32> trainLogits = logits(dropout);
      Operand<TFloat32> evalLogits = dropout ? logits(false) : trainLogits;
      trainLoss = loss(trainLogits);
      evalLoss = dropout ? loss(evalLogits) : trainLoss;
      trainOp = optimizer(graph);
    }

    private void createVariables(TrainingData data) {
      if (config.kind() == ModelConfig.Kind.LINEAR) {
        variable("linear/w", new float[numFeatures * width], numFeatures, width);
        variable("linear/b", new float[width], width);
        for (int c = 0; c < data.numIdColumns(); c++) {
          int vocab = data.vocabularySize(c);
          variable("linear/ids" + c, new float[vocab * width], vocab, width);
        }
        return;
      }
      if (config.wide()) {
        variable("wide/w", new float[numFeatures * width], numFeatures, width);
        for (int c = 0; c < data.numIdColumns(); c++) {
          int vocab = data.vocabularySize(c);
          variable("wide/ids" + c, new float[vocab * width], vocab, width);
        }
      }
      int dim = config.embeddingDim();
      for (int c = 0; c < data.numIdColumns(); c++) {
        int vocab = data.vocabularySize(c);
        variable("embedding" + c, uniform(vocab * dim, 0.05), vocab, dim);
      }
      int in = numFeatures + data.numIdColumns() * dim;
      for (int layer = 0; layer < config.hiddenUnits().size(); layer++) {
        int out = config.hiddenUnits().get(layer);
        variable("dense" + layer + "/w", glorot(in, out), in, out);
        variable("dense" + layer + "/b", new float[out], out);
        in = out;
      }
      variable("logits/w", glorot(in, width), in, width);
      variable("logits/b", new float[width], width);
    }

    private float[] glorot(int in, int out) {
      return uniform(in * out, Math.sqrt(6.0 / (in + out)));
    }

    private float[] uniform(int n, double limit) {
      float[] values = new float[n];
      for (int i = 0; i < n; i++) {
        values[i] = (float) ((init.nextDouble() * 2 - 1) * limit);
      }
      return values;
    }

    private void variable(String name, float[] initial, long... shape) {
      Variable<TFloat32> v =
          tf.variable(tf.constant(Shape.of(shape), DataBuffers.of(initial, true, false)));
      variables.put(name, v);
      shapes.put(name, shape);
    }

    private Operand<TFloat32> logits(boolean dropout) {
      if (config.kind() == ModelConfig.Kind.LINEAR) {
        return tf.nn.biasAdd(wide("linear"), variables.get("linear/b"));
      }
      Operand<TFloat32> h = features;
      if (!ids.isEmpty()) {
        List<Operand<TFloat32>> parts = new ArrayList<>();
        parts.add(features);
        for (int c = 0; c < ids.size(); c++) {
          parts.add(tf.gather(variables.get("embedding" + c), ids.get(c), tf.constant(0)));
        }
        h = tf.concat(parts, tf.constant(1));
      }
      dropoutLayer = 0;
      for (int layer = 0; layer < config.hiddenUnits().size(); layer++) {
        h =
            tf.nn.relu(
                tf.nn.biasAdd(
                    tf.linalg.matMul(h, variables.get("dense" + layer + "/w")),
                    variables.get("dense" + layer + "/b")));
        if (dropout) {
          h = dropout(h);
        }
      }
      Operand<TFloat32> z = tf.linalg.matMul(h, variables.get("logits/w"));
      if (config.wide()) {
        z = tf.math.add(z, wide("wide"));
      }
      return tf.nn.biasAdd(z, variables.get("logits/b"));
    }

    /** features · PREFIX/w + Σ_c PREFIX/ids_c[id_c], without bias: [batch, width]. */
    private Operand<TFloat32> wide(String prefix) {
      Operand<TFloat32> z = tf.linalg.matMul(features, variables.get(prefix + "/w"));
      for (int c = 0; c < ids.size(); c++) {
        z =
            tf.math.add(
                z, tf.gather(variables.get(prefix + "/ids" + c), ids.get(c), tf.constant(0)));
      }
      return z;
    }

    /** Inverted dropout with a stateless mask keyed by the fed (seed, step) and the layer. */
    private Operand<TFloat32> dropout(Operand<TFloat32> h) {
      float rate = config.dropoutRate();
      Operand<TInt64> seed =
          tf.math.add(dropoutSeed, tf.constant(new long[] {0L, (long) dropoutLayer++ << 40}));
      Operand<TFloat32> u = tf.random.statelessRandomUniform(tf.shape(h), seed);
      Operand<TFloat32> mask =
          tf.stopGradient(
              tf.math.mul(
                  tf.dtypes.cast(tf.math.greaterEqual(u, tf.constant(rate)), TFloat32.class),
                  tf.constant(1f / (1f - rate))));
      return tf.math.mul(h, mask);
    }

    /** The task's mean loss over the batch; labels are [batch, 1]. */
    private Operand<TFloat32> loss(Operand<TFloat32> x) {
      return switch (task) {
        case BINARY -> sigmoidCrossEntropy(x);
        case MULTICLASS -> softmaxCrossEntropy(x);
        case REGRESSION -> {
          Operand<TFloat32> error = tf.math.sub(x, labels);
          yield tf.math.mean(tf.math.mul(error, error), tf.constant(new int[] {0, 1}));
        }
      };
    }

    /**
     * Mean sparse softmax cross-entropy, stable: logsumexp(x) - x[label], with the row maximum
     * (held constant for the gradient) subtracted before exp.
     */
    private Operand<TFloat32> softmaxCrossEntropy(Operand<TFloat32> x) {
      Operand<TInt32> one = tf.constant(1);
      Operand<TFloat32> max = tf.stopGradient(tf.max(x, one, Max.keepDims(true)));
      Operand<TFloat32> shifted = tf.math.sub(x, max);
      Operand<TFloat32> logSumExp = tf.math.log(tf.sum(tf.math.exp(shifted), one));
      Operand<TInt32> classes =
          tf.dtypes.cast(tf.reshape(labels, tf.constant(new long[] {-1})), TInt32.class);
      Operand<TFloat32> oneHot =
          tf.oneHot(classes, tf.constant(width), tf.constant(1f), tf.constant(0f));
      Operand<TFloat32> picked = tf.sum(tf.math.mul(shifted, oneHot), one);
      return tf.math.mean(tf.math.sub(logSumExp, picked), tf.constant(0));
    }

    /** Mean sigmoid cross-entropy: max(x, 0) - x·z + log(1 + exp(-|x|)). */
    private Operand<TFloat32> sigmoidCrossEntropy(Operand<TFloat32> x) {
      Operand<TFloat32> perExample =
          tf.math.add(
              tf.math.sub(tf.nn.relu(x), tf.math.mul(x, labels)),
              tf.math.log1p(tf.math.exp(tf.math.neg(tf.math.abs(x)))));
      return tf.math.mean(perExample, tf.constant(new int[] {0, 1}));
    }

    @SuppressWarnings("unchecked")
    private Op optimizer(Graph graph) {
      List<Variable<TFloat32>> vars = new ArrayList<>(variables.values());
      Output<?>[] xs = new Output<?>[vars.size()];
      for (int i = 0; i < xs.length; i++) {
        xs[i] = vars.get(i).asOutput();
      }
      Output<?>[] grads = graph.addGradients(trainLoss.asOutput(), xs);
      List<Op> allGrads = new ArrayList<>(List.of(grads));
      Ops afterGrads = tf.withControlDependencies(allGrads);
      Operand<TFloat32> lr = tf.constant(config.learningRate());
      List<Op> applies = new ArrayList<>();
      if (config.optimizer() == ModelConfig.Optimizer.SGD) {
        for (int i = 0; i < xs.length; i++) {
          applies.add(
              afterGrads.train.applyGradientDescent(vars.get(i), lr, (Operand<TFloat32>) grads[i]));
        }
        return tf.withControlDependencies(applies).noOp();
      }
      Operand<TFloat32> beta1 = tf.constant(ModelConfig.ADAM_BETA1);
      Operand<TFloat32> beta2 = tf.constant(ModelConfig.ADAM_BETA2);
      Operand<TFloat32> epsilon = tf.constant(ModelConfig.ADAM_EPSILON);
      // Slots and beta powers are created after addGradients, so they are not differentiated.
      Variable<TFloat32> beta1Power = tf.variable(tf.constant(ModelConfig.ADAM_BETA1));
      Variable<TFloat32> beta2Power = tf.variable(tf.constant(ModelConfig.ADAM_BETA2));
      List<String> names = new ArrayList<>(variables.keySet());
      for (int i = 0; i < xs.length; i++) {
        String name = names.get(i);
        int size = Math.toIntExact(Shape.of(shapes.get(name)).size());
        Shape shape = Shape.of(shapes.get(name));
        Variable<TFloat32> m =
            tf.variable(tf.constant(shape, DataBuffers.of(new float[size], true, false)));
        Variable<TFloat32> v =
            tf.variable(tf.constant(shape, DataBuffers.of(new float[size], true, false)));
        applies.add(
            afterGrads.train.applyAdam(
                vars.get(i),
                m,
                v,
                beta1Power,
                beta2Power,
                lr,
                beta1,
                beta2,
                epsilon,
                (Operand<TFloat32>) grads[i]));
      }
      Ops afterApplies = tf.withControlDependencies(applies);
      Op update1 = afterApplies.assign(beta1Power, afterApplies.math.mul(beta1Power, beta1));
      Op update2 = afterApplies.assign(beta2Power, afterApplies.math.mul(beta2Power, beta2));
      return tf.withControlDependencies(List.of(update1, update2)).noOp();
    }
  }
}
