import io.millrace.train.TrainingData;
import io.millrace.tune.TrainingInputs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.framework.optimizers.Adam;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The floor for the trainer benchmark: the plainest TensorFlow Java training loop for the same
 * binary DNN (id embeddings concatenated to the dense features, ReLU layers, sigmoid
 * cross-entropy) on the same in-memory data and batch size, with tensorflow-framework's Adam and
 * batches of rows reshuffled every epoch. Prints examples/s of the loop alone.
 *
 * <p>java -cp runners/target/millrace.jar bench/TrainFloor.java TRANSFORMED_DIR LABEL BATCH EPOCHS
 * EMBEDDING_DIM HIDDEN... (-Dthreads=N: TensorFlow intra-op threads, default 1)
 */
public class TrainFloor {
  public static void main(String[] args) throws Exception {
    TrainingInputs.Loaded loaded =
        TrainingInputs.ofTransformOutput(Path.of(args[0]), args[1]).load();
    TrainingData data = loaded.train();
    int batchSize = Integer.parseInt(args[2]);
    int epochs = Integer.parseInt(args[3]);
    int dim = Integer.parseInt(args[4]);
    List<Integer> hidden = new ArrayList<>();
    for (int i = 5; i < args.length; i++) {
      hidden.add(Integer.parseInt(args[i]));
    }
    Random random = new Random(1);
    ConfigProto config =
        ConfigProto.newBuilder()
            .setIntraOpParallelismThreads(Integer.getInteger("threads", 1))
            .setInterOpParallelismThreads(1)
            .setUsePerSessionThreads(true)
            .build();
    try (Graph graph = new Graph();
        Session session = new Session(graph, config)) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> x =
          tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, data.numFeatures())));
      Placeholder<TFloat32> y = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 1)));
      List<Placeholder<TInt64>> ids = new ArrayList<>();
      List<Operand<TFloat32>> parts = new ArrayList<>();
      parts.add(x);
      for (int c = 0; c < data.numIdColumns(); c++) {
        Placeholder<TInt64> id = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(-1)));
        ids.add(id);
        parts.add(tf.gather(weights(tf, random, data.vocabularySize(c), dim), id, tf.constant(0)));
      }
      Operand<TFloat32> h = tf.concat(parts, tf.constant(1));
      int in = data.numFeatures() + data.numIdColumns() * dim;
      for (int units : hidden) {
        h =
            tf.nn.relu(
                tf.nn.biasAdd(
                    tf.linalg.matMul(h, weights(tf, random, in, units)),
                    tf.variable(tf.zeros(tf.constant(new int[] {units}), TFloat32.class))));
        in = units;
      }
      Operand<TFloat32> logits = tf.linalg.matMul(h, weights(tf, random, in, 1));
      // Sigmoid cross-entropy, stable form: max(x, 0) - x*z + log(1 + exp(-|x|)).
      Operand<TFloat32> perExample =
          tf.math.add(
              tf.math.sub(tf.nn.relu(logits), tf.math.mul(logits, y)),
              tf.math.log1p(tf.math.exp(tf.math.neg(tf.math.abs(logits)))));
      Operand<TFloat32> loss = tf.math.mean(perExample, tf.constant(new int[] {0, 1}));
      Op train = new Adam(graph, 0.001f).minimize(loss);
      session.initialize();
      int[] order = new int[data.numRows()];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      long examples = 0;
      long start = System.nanoTime();
      for (int epoch = 0; epoch < epochs; epoch++) {
        // Every training loop reshuffles each epoch; gathering shuffled rows costs ~10% here.
        order = data.epochOrder(1, epoch);
        for (int from = 0; from < order.length; from += batchSize) {
          TrainingData.Batch batch = data.batch(order, from, Math.min(order.length, from + batchSize));
          List<Tensor> feeds = new ArrayList<>();
          try {
            Session.Runner runner = session.runner();
            TFloat32 features =
                TFloat32.tensorOf(
                    Shape.of(batch.size(), data.numFeatures()),
                    DataBuffers.of(batch.features(), true, false));
            feeds.add(features);
            runner.feed(x, features);
            TFloat32 labels =
                TFloat32.tensorOf(Shape.of(batch.size(), 1), DataBuffers.of(batch.labels(), true, false));
            feeds.add(labels);
            runner.feed(y, labels);
            for (int c = 0; c < ids.size(); c++) {
              TInt64 t = TInt64.tensorOf(Shape.of(batch.size()), DataBuffers.of(batch.ids()[c], true, false));
              feeds.add(t);
              runner.feed(ids.get(c), t);
            }
            try (Result r = runner.addTarget(train).fetch(loss).run()) {
              examples += batch.size();
            }
          } finally {
            feeds.forEach(Tensor::close);
          }
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf(
          "bare TF Java loop: %,d examples in %.2f s = %.0f examples/s (batch %d, hidden %s)%n",
          examples, seconds, examples / seconds, batchSize, hidden);
    }
  }

  private static Variable<TFloat32> weights(Ops tf, Random random, int rows, int cols) {
    float[] values = new float[rows * cols];
    double limit = Math.sqrt(6.0 / (rows + cols));
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
    }
    return tf.variable(tf.constant(Shape.of(rows, cols), DataBuffers.of(values, true, false)));
  }
}
