package io.millrace.train;

import java.util.List;
import java.util.Objects;

/**
 * Immutable configuration of a model and of how it is trained (the task comes from the data).
 *
 * <p>Build with {@link #builder()}; every field has a default.
 */
public record ModelConfig(
    Kind kind,
    List<Integer> hiddenUnits,
    float dropoutRate,
    int embeddingDim,
    float learningRate,
    int batchSize,
    int epochs,
    long seed,
    Optimizer optimizer,
    int intraOpThreads,
    int interOpThreads,
    int maxSteps,
    int earlyStoppingPatience)
    implements java.io.Serializable {

  /** The model family. */
  public enum Kind {
    /** A linear model; id columns contribute one weight per vocabulary entry (and output). */
    LINEAR,
    /** Feed-forward network; id columns are embedded and concatenated to the features. */
    DNN,
    /**
     * LINEAR's weights (features and one weight per id) added to a DNN's output layer (features and
     * id embeddings); one shared bias.
     */
    WIDE_AND_DEEP
  }

  /** The optimizer; both are deterministic in this trainer. */
  public enum Optimizer {
    ADAM,
    SGD
  }

  /**
   * Bounds on the sizes a configuration gives, far above useful models, so that a slip of the
   * keyboard is an error rather than an OutOfMemoryError; {@link Trainer#MAX_WEIGHTS} bounds their
   * product.
   */
  public static final int MAX_UNITS = 1 << 16;

  public static final int MAX_LAYERS = 64;
  public static final int MAX_EMBEDDING_DIM = 1 << 12;
  public static final int MAX_BATCH_SIZE = 1 << 20;

  public static final float ADAM_BETA1 = 0.9f;
  public static final float ADAM_BETA2 = 0.999f;
  public static final float ADAM_EPSILON = 1e-7f;

  public ModelConfig {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(optimizer, "optimizer");
    hiddenUnits = List.copyOf(hiddenUnits);
    for (int units : hiddenUnits) {
      if (units <= 0) {
        throw new IllegalArgumentException("hidden layer sizes must be positive: " + hiddenUnits);
      }
      if (units > MAX_UNITS) {
        throw new IllegalArgumentException(
            "hidden layer sizes are at most " + MAX_UNITS + ": " + hiddenUnits);
      }
    }
    if (hiddenUnits.size() > MAX_LAYERS) {
      throw new IllegalArgumentException(
          "at most " + MAX_LAYERS + " hidden layers, not " + hiddenUnits.size());
    }
    if (kind != Kind.LINEAR && hiddenUnits.isEmpty()) {
      throw new IllegalArgumentException("a " + kind + " model needs at least one hidden layer");
    }
    if (!(dropoutRate >= 0f && dropoutRate < 1f)) {
      throw new IllegalArgumentException("dropoutRate must be in [0, 1): " + dropoutRate);
    }
    if (embeddingDim <= 0 || embeddingDim > MAX_EMBEDDING_DIM) {
      throw new IllegalArgumentException(
          "embeddingDim must be in [1, " + MAX_EMBEDDING_DIM + "]: " + embeddingDim);
    }
    if (!(learningRate > 0f) || Float.isInfinite(learningRate)) {
      throw new IllegalArgumentException("learningRate must be positive: " + learningRate);
    }
    if (batchSize <= 0 || epochs <= 0) {
      throw new IllegalArgumentException("batchSize and epochs must be positive");
    }
    if (batchSize > MAX_BATCH_SIZE) {
      throw new IllegalArgumentException(
          "batchSize is at most " + MAX_BATCH_SIZE + ": " + batchSize);
    }
    if (intraOpThreads < 0 || interOpThreads < 0) {
      throw new IllegalArgumentException("thread counts must be >= 0 (0 = TensorFlow default)");
    }
    if (maxSteps < 0) {
      throw new IllegalArgumentException("maxSteps must be >= 0 (0 = run all epochs): " + maxSteps);
    }
    if (earlyStoppingPatience < 0) {
      throw new IllegalArgumentException(
          "earlyStoppingPatience must be >= 0 (0 = off): " + earlyStoppingPatience);
    }
  }

  /** Whether the model has a deep (hidden-layer) part. */
  public boolean deep() {
    return kind != Kind.LINEAR;
  }

  /** Whether the model has a wide (per-feature and per-id weight) part. */
  public boolean wide() {
    return kind != Kind.DNN;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .kind(kind)
        .hiddenUnits(hiddenUnits)
        .dropoutRate(dropoutRate)
        .embeddingDim(embeddingDim)
        .learningRate(learningRate)
        .batchSize(batchSize)
        .epochs(epochs)
        .seed(seed)
        .optimizer(optimizer)
        .intraOpThreads(intraOpThreads)
        .interOpThreads(interOpThreads)
        .maxSteps(maxSteps)
        .earlyStoppingPatience(earlyStoppingPatience);
  }

  /**
   * Builder with defaults: LINEAR, ADAM, lr 0.01, batch 256, 10 epochs, no step limit, no early
   * stopping, seed 42, 1+1 threads.
   */
  public static final class Builder {
    private Kind kind = Kind.LINEAR;
    private List<Integer> hiddenUnits = List.of();
    private float dropoutRate = 0f;
    private int embeddingDim = 8;
    private float learningRate = 0.01f;
    private int batchSize = 256;
    private int epochs = 10;
    private long seed = 42L;
    private Optimizer optimizer = Optimizer.ADAM;
    private int intraOpThreads = 1;
    private int interOpThreads = 1;
    private int maxSteps = 0;
    private int earlyStoppingPatience = 0;

    private Builder() {}

    public Builder kind(Kind kind) {
      this.kind = kind;
      return this;
    }

    /** Sets kind DNN with the given hidden layer sizes. */
    public Builder dnn(int... hiddenUnits) {
      this.kind = Kind.DNN;
      return hiddenUnits(java.util.Arrays.stream(hiddenUnits).boxed().toList());
    }

    /** Sets kind WIDE_AND_DEEP with the given hidden layer sizes for the deep part. */
    public Builder wideAndDeep(int... hiddenUnits) {
      this.kind = Kind.WIDE_AND_DEEP;
      return hiddenUnits(java.util.Arrays.stream(hiddenUnits).boxed().toList());
    }

    public Builder hiddenUnits(List<Integer> hiddenUnits) {
      this.hiddenUnits = List.copyOf(hiddenUnits);
      return this;
    }

    public Builder dropoutRate(float dropoutRate) {
      this.dropoutRate = dropoutRate;
      return this;
    }

    public Builder embeddingDim(int embeddingDim) {
      this.embeddingDim = embeddingDim;
      return this;
    }

    public Builder learningRate(float learningRate) {
      this.learningRate = learningRate;
      return this;
    }

    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    public Builder epochs(int epochs) {
      this.epochs = epochs;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder optimizer(Optimizer optimizer) {
      this.optimizer = optimizer;
      return this;
    }

    public Builder intraOpThreads(int intraOpThreads) {
      this.intraOpThreads = intraOpThreads;
      return this;
    }

    public Builder interOpThreads(int interOpThreads) {
      this.interOpThreads = interOpThreads;
      return this;
    }

    /** Stops after this many steps (0 = run {@code epochs} epochs; > 0 ignores {@code epochs}). */
    public Builder maxSteps(int maxSteps) {
      this.maxSteps = maxSteps;
      return this;
    }

    /**
     * With eval data, stops once the eval loss has not improved for this many epochs and returns
     * the best epoch's weights (0 = off).
     */
    public Builder earlyStoppingPatience(int earlyStoppingPatience) {
      this.earlyStoppingPatience = earlyStoppingPatience;
      return this;
    }

    public ModelConfig build() {
      return new ModelConfig(
          kind,
          kind == Kind.LINEAR ? List.of() : hiddenUnits,
          dropoutRate,
          embeddingDim,
          learningRate,
          batchSize,
          epochs,
          seed,
          optimizer,
          intraOpThreads,
          interOpThreads,
          maxSteps,
          earlyStoppingPatience);
    }
  }
}
