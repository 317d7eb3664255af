package io.millrace.stats;

import io.millrace.accumulate.ExactSum;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Arrays;

/**
 * Exact counts (and optional weights) of distinct byte strings. An open-addressing table keyed by
 * content: counting a value allocates nothing unless the value is new, which matters when every
 * string value of millions of records passes through it.
 *
 * <p>Keys are held by reference: callers pass arrays they will not modify.
 */
final class ByteStringCounts {
  private static final int EMPTY = 0;

  private byte[][] keys = new byte[16][];
  private int[] hashes = new int[16];
  private long[] counts = new long[16];

  /**
   * Occurrences whose weight was not 1, and the exact sum of their weights (null while there are
   * none): a weight is then the same number whatever the order the occurrences came in, and the
   * usual unweighted case costs nothing more.
   */
  private long[] otherWeightCounts = new long[16];

  private ExactSum[] otherWeights = new ExactSum[16];

  /** Index into the dense arrays plus one; {@link #EMPTY} marks a free slot. */
  private int[] slots = new int[32];

  private int size;

  int size() {
    return size;
  }

  byte[] key(int i) {
    return keys[i];
  }

  long count(int i) {
    return counts[i];
  }

  /** The sum of the weights of value {@code i}'s occurrences, rounded once. */
  double weight(int i) {
    if (otherWeights[i] == null) {
      return counts[i];
    }
    return BigDecimal.valueOf(counts[i] - otherWeightCounts[i])
        .add(otherWeights[i].toBigDecimal())
        .doubleValue();
  }

  /** Counts one occurrence of {@code value} of weight {@code weight}. */
  void add(byte[] value, double weight) {
    int i = indexOf(value);
    counts[i]++;
    if (weight != 1.0) {
      addOtherWeights(i, 1, weight);
    }
  }

  /** Adds {@code other}'s counts and weights of its value {@code j}. */
  void add(ByteStringCounts other, int j) {
    int i = indexOf(other.keys[j]);
    counts[i] += other.counts[j];
    if (other.otherWeights[j] != null) {
      if (otherWeights[i] == null) {
        otherWeights[i] = new ExactSum();
      }
      otherWeightCounts[i] += other.otherWeightCounts[j];
      otherWeights[i].add(other.otherWeights[j]);
    }
  }

  private void addOtherWeights(int i, long count, double weight) {
    if (otherWeights[i] == null) {
      otherWeights[i] = new ExactSum();
    }
    otherWeightCounts[i] += count;
    otherWeights[i].add(weight);
  }

  /** The indexes of the values in ascending unsigned byte order. */
  int[] sortedIndexes() {
    return java.util.stream.IntStream.range(0, size)
        .boxed()
        .sorted((a, b) -> Arrays.compareUnsigned(keys[a], keys[b]))
        .mapToInt(Integer::intValue)
        .toArray();
  }

  void write(int i, DataOutput out) throws IOException {
    out.writeInt(keys[i].length);
    out.write(keys[i]);
    out.writeLong(counts[i]);
    out.writeLong(otherWeightCounts[i]);
    if (otherWeights[i] != null) {
      otherWeights[i].write(out);
    }
  }

  void readEntry(DataInput in) throws IOException {
    byte[] key = new byte[in.readInt()];
    in.readFully(key);
    int i = indexOf(key);
    counts[i] += in.readLong();
    long others = in.readLong();
    if (others > 0) {
      otherWeightCounts[i] += others;
      if (otherWeights[i] == null) {
        otherWeights[i] = new ExactSum();
      }
      otherWeights[i].add(ExactSum.read(in));
    }
  }

  /** The index of {@code value}, added with count 0 if new. */
  private int indexOf(byte[] value) {
    int hash = hash(value);
    int mask = slots.length - 1;
    int slot = hash & mask;
    while (true) {
      int entry = slots[slot];
      if (entry == EMPTY) {
        break;
      }
      int i = entry - 1;
      if (hashes[i] == hash && Arrays.equals(keys[i], value)) {
        return i;
      }
      slot = (slot + 1) & mask;
    }
    if (size == keys.length) {
      int capacity = size * 2;
      keys = Arrays.copyOf(keys, capacity);
      hashes = Arrays.copyOf(hashes, capacity);
      counts = Arrays.copyOf(counts, capacity);
      otherWeightCounts = Arrays.copyOf(otherWeightCounts, capacity);
      otherWeights = Arrays.copyOf(otherWeights, capacity);
    }
    int index = size;
    keys[index] = value;
    hashes[index] = hash;
    slots[slot] = ++size;
    if (size * 2 > slots.length) {
      rehash(slots.length * 2);
    }
    return index;
  }

  private void rehash(int capacity) {
    slots = new int[capacity];
    int mask = capacity - 1;
    for (int i = 0; i < size; i++) {
      int slot = hashes[i] & mask;
      while (slots[slot] != EMPTY) {
        slot = (slot + 1) & mask;
      }
      slots[slot] = i + 1;
    }
  }

  private static int hash(byte[] value) {
    int h = 0x9747b28c;
    for (byte b : value) {
      h = 31 * h + b;
    }
    // Spread the bits: linear probing on the low bits of 31-polynomial hashes clusters badly.
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    return h;
  }
}
