package io.millrace.stats;

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
  private double[] weights = new double[16];

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

  double weight(int i) {
    return weights[i];
  }

  void add(byte[] value, long count, double weight) {
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
        counts[i] += count;
        weights[i] += weight;
        return;
      }
      slot = (slot + 1) & mask;
    }
    if (size == keys.length) {
      int capacity = size * 2;
      keys = Arrays.copyOf(keys, capacity);
      hashes = Arrays.copyOf(hashes, capacity);
      counts = Arrays.copyOf(counts, capacity);
      weights = Arrays.copyOf(weights, capacity);
    }
    keys[size] = value;
    hashes[size] = hash;
    counts[size] = count;
    weights[size] = weight;
    slots[slot] = ++size;
    if (size * 2 > slots.length) {
      rehash(slots.length * 2);
    }
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
