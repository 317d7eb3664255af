package io.millrace.train;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * A dense in-memory training set: a row-major float feature matrix, optional int64 categorical id
 * columns (each with a vocabulary size, ids in {@code [0, vocabularySize)}), and float labels: 0 or
 * 1 for {@link Task#BINARY} (the default), a class index in {@code [0, numClasses)} for {@link
 * Task#MULTICLASS}, any finite value for {@link Task#REGRESSION}. Arrays are not copied; callers
 * must not mutate them while training.
 */
public final class TrainingData {
  private final float[] features;
  private final int numFeatures;
  private final float[] labels;
  private final int numRows;
  private final List<long[]> idColumns;
  private final int[] vocabularySizes;
  private final Task task;
  private final int numClasses;
  private final int skippedRows;
  private int[] canonicalOrder;

  private TrainingData(Builder b) {
    this.features = b.features;
    this.numFeatures = b.numFeatures;
    this.labels = b.labels;
    this.numRows = b.labels.length;
    this.idColumns = List.copyOf(b.idColumns);
    this.vocabularySizes = b.vocabularySizes.stream().mapToInt(Integer::intValue).toArray();
    this.task = b.task;
    this.numClasses = b.numClasses;
    this.skippedRows = b.skippedRows;
  }

  /**
   * Starts a data set from a row-major feature matrix ({@code labels.length × numFeatures}) and
   * labels.
   */
  public static Builder builder(float[] features, int numFeatures, float[] labels) {
    return new Builder(features, numFeatures, labels);
  }

  public Task task() {
    return task;
  }

  /** 2 for BINARY, K for MULTICLASS, 1 for REGRESSION. */
  public int numClasses() {
    return numClasses;
  }

  /** The model's output width: K for MULTICLASS, else 1. */
  public int outputWidth() {
    return task == Task.MULTICLASS ? numClasses : 1;
  }

  /**
   * Source rows left out when this data set was built (e.g. a label outside the class vocabulary),
   * as reported by its builder.
   */
  public int skippedRows() {
    return skippedRows;
  }

  public int numRows() {
    return numRows;
  }

  public int numFeatures() {
    return numFeatures;
  }

  public int numIdColumns() {
    return idColumns.size();
  }

  public int vocabularySize(int column) {
    return vocabularySizes[column];
  }

  public float feature(int row, int column) {
    return features[row * numFeatures + column];
  }

  public long id(int column, int row) {
    return idColumns.get(column)[row];
  }

  public float label(int row) {
    return labels[row];
  }

  /**
   * The row order of one epoch: the rows in {@link #canonicalOrder() canonical order}, then a
   * Fisher–Yates shuffle driven only by {@code seed} and {@code epoch}, so the same rows and
   * arguments always give the same order, however the rows were laid out in the shards read.
   */
  public int[] epochOrder(long seed, int epoch) {
    int[] order = canonicalOrder().clone();
    SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
    for (int i = numRows - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
    return order;
  }

  /**
   * The rows ordered by their content (a 64-bit fingerprint of label, features and ids; equal
   * fingerprints by the content itself): the order depends only on the multiset of rows, not on the
   * order a runner wrote them in. Rows that compare equal are identical, so their relative order
   * does not matter. The array is shared: callers must not change it.
   */
  synchronized int[] canonicalOrder() {
    if (canonicalOrder == null) {
      long[] fingerprints = new long[numRows];
      for (int row = 0; row < numRows; row++) {
        fingerprints[row] = fingerprint(row);
      }
      canonicalOrder =
          IntStream.range(0, numRows)
              .boxed()
              .sorted(
                  Comparator.<Integer>comparingLong(row -> fingerprints[row])
                      .thenComparing(this::compareContent))
              .mapToInt(Integer::intValue)
              .toArray();
    }
    return canonicalOrder;
  }

  private long fingerprint(int row) {
    long h = 0x9E3779B97F4A7C15L ^ Float.floatToIntBits(labels[row]);
    for (int f = row * numFeatures, end = f + numFeatures; f < end; f++) {
      h = mix(h ^ Float.floatToIntBits(features[f]));
    }
    for (long[] ids : idColumns) {
      h = mix(h ^ ids[row]);
    }
    return mix(h);
  }

  /** MurmurHash3's 64-bit finalizer. */
  private static long mix(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }

  private int compareContent(int a, int b) {
    int c = Integer.compare(Float.floatToIntBits(labels[a]), Float.floatToIntBits(labels[b]));
    for (int f = 0; c == 0 && f < numFeatures; f++) {
      c =
          Integer.compare(
              Float.floatToIntBits(features[a * numFeatures + f]),
              Float.floatToIntBits(features[b * numFeatures + f]));
    }
    for (int i = 0; c == 0 && i < idColumns.size(); i++) {
      c = Long.compare(idColumns.get(i)[a], idColumns.get(i)[b]);
    }
    return c;
  }

  /** Copies rows {@code order[from..to)} into a new batch. */
  public Batch batch(int[] order, int from, int to) {
    int size = to - from;
    float[] x = new float[size * numFeatures];
    float[] y = new float[size];
    long[][] ids = new long[idColumns.size()][size];
    for (int i = 0; i < size; i++) {
      int row = order[from + i];
      System.arraycopy(features, row * numFeatures, x, i * numFeatures, numFeatures);
      y[i] = labels[row];
      for (int c = 0; c < ids.length; c++) {
        ids[c][i] = idColumns.get(c)[row];
      }
    }
    return new Batch(size, x, ids, y);
  }

  /** One mini-batch in feed form: features row-major {@code size × numFeatures}. */
  public record Batch(int size, float[] features, long[][] ids, float[] labels) {}

  /** Builder; validates shapes and id ranges on {@link #build()}. */
  public static final class Builder {
    private final float[] features;
    private final int numFeatures;
    private final float[] labels;
    private final List<long[]> idColumns = new ArrayList<>();
    private final List<Integer> vocabularySizes = new ArrayList<>();
    private Task task = Task.BINARY;
    private int numClasses = 2;
    private int skippedRows;

    private Builder(float[] features, int numFeatures, float[] labels) {
      this.features = Objects.requireNonNull(features, "features");
      this.labels = Objects.requireNonNull(labels, "labels");
      if (numFeatures <= 0) {
        throw new IllegalArgumentException("numFeatures must be positive: " + numFeatures);
      }
      if ((long) labels.length * numFeatures != features.length) {
        throw new IllegalArgumentException(
            "features has "
                + features.length
                + " values, expected "
                + labels.length
                + " × "
                + numFeatures);
      }
      this.numFeatures = numFeatures;
    }

    /** Adds a categorical column of ids in {@code [0, vocabularySize)}, one per row. */
    public Builder addIdColumn(long[] ids, int vocabularySize) {
      Objects.requireNonNull(ids, "ids");
      if (ids.length != labels.length) {
        throw new IllegalArgumentException(
            "id column has " + ids.length + " rows, expected " + labels.length);
      }
      if (vocabularySize <= 0) {
        throw new IllegalArgumentException("vocabularySize must be positive: " + vocabularySize);
      }
      for (long id : ids) {
        if (id < 0 || id >= vocabularySize) {
          throw new IllegalArgumentException(
              "id " + id + " out of range [0, " + vocabularySize + ")");
        }
      }
      idColumns.add(ids);
      vocabularySizes.add(vocabularySize);
      return this;
    }

    /**
     * Sets the task: BINARY (2 classes) or REGRESSION (1); MULTICLASS needs {@link #task(Task,
     * int)}.
     */
    public Builder task(Task task) {
      if (task == Task.MULTICLASS) {
        throw new IllegalArgumentException("MULTICLASS needs its number of classes");
      }
      return task(task, task == Task.BINARY ? 2 : 1);
    }

    /** Sets the task and its number of classes (BINARY 2, MULTICLASS K ≥ 2, REGRESSION 1). */
    public Builder task(Task task, int numClasses) {
      Objects.requireNonNull(task, "task");
      int expected = task == Task.BINARY ? 2 : task == Task.REGRESSION ? 1 : numClasses;
      if (numClasses != expected || numClasses < 1 || (task == Task.MULTICLASS && numClasses < 2)) {
        throw new IllegalArgumentException(task + " cannot have " + numClasses + " classes");
      }
      this.task = task;
      this.numClasses = numClasses;
      return this;
    }

    /** Records how many source rows were left out of this data set. */
    public Builder skippedRows(int skippedRows) {
      if (skippedRows < 0) {
        throw new IllegalArgumentException("skippedRows must be >= 0: " + skippedRows);
      }
      this.skippedRows = skippedRows;
      return this;
    }

    public TrainingData build() {
      if (labels.length == 0) {
        throw new IllegalArgumentException("no rows");
      }
      for (int row = 0; row < labels.length; row++) {
        float y = labels[row];
        boolean valid =
            switch (task) {
              case BINARY -> y == 0f || y == 1f;
              case MULTICLASS -> y >= 0 && y < numClasses && y == Math.rint(y);
              case REGRESSION -> Float.isFinite(y);
            };
        if (!valid) {
          throw new IllegalArgumentException(
              "row "
                  + row
                  + ": label "
                  + y
                  + " is not valid for "
                  + task
                  + " ("
                  + numClasses
                  + " classes)");
        }
      }
      return new TrainingData(this);
    }
  }
}
