package io.millrace.stats;

import java.util.Arrays;

/**
 * Exact counts of distinct double values (keyed by their bits), while there are few: an
 * open-addressing table probed once per value, several times cheaper than a quantile-sketch update.
 */
final class DoubleCounts {
  private long[] keys = new long[64];
  private long[] counts = new long[64];
  private boolean[] used = new boolean[64];
  private int size;

  int size() {
    return size;
  }

  void add(double value, long count) {
    long bits = Double.doubleToRawLongBits(value);
    int mask = keys.length - 1;
    int slot = mix(bits) & mask;
    while (used[slot]) {
      if (keys[slot] == bits) {
        counts[slot] += count;
        return;
      }
      slot = (slot + 1) & mask;
    }
    used[slot] = true;
    keys[slot] = bits;
    counts[slot] = count;
    if (++size * 2 > keys.length) {
      grow();
    }
  }

  private void grow() {
    long[] oldKeys = keys;
    long[] oldCounts = counts;
    boolean[] oldUsed = used;
    keys = new long[oldKeys.length * 2];
    counts = new long[oldKeys.length * 2];
    used = new boolean[oldKeys.length * 2];
    size = 0;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldUsed[i]) {
        add(Double.longBitsToDouble(oldKeys[i]), oldCounts[i]);
      }
    }
  }

  /**
   * MurmurHash3's 64-bit finalizer: whole numbers as doubles differ only in their high bits, which
   * a plain multiplication never moves down to the slot bits.
   */
  private static int mix(long bits) {
    long h = bits;
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return (int) h;
  }

  /** Calls {@code action} with each distinct value and its count, in no particular order. */
  void forEach(ValueAction action) {
    for (int i = 0; i < keys.length; i++) {
      if (used[i]) {
        action.accept(Double.longBitsToDouble(keys[i]), counts[i]);
      }
    }
  }

  interface ValueAction {
    void accept(double value, long count);
  }

  /** The distinct values in ascending order and, at each, the cumulative count up to it. */
  Sorted sorted() {
    double[] values = new double[size];
    int n = 0;
    for (int i = 0; i < keys.length; i++) {
      if (used[i]) {
        values[n++] = Double.longBitsToDouble(keys[i]);
      }
    }
    Arrays.sort(values);
    long[] cumulative = new long[size];
    long total = 0;
    for (int i = 0; i < size; i++) {
      total += count(values[i]);
      cumulative[i] = total;
    }
    return new Sorted(values, cumulative);
  }

  private long count(double value) {
    long bits = Double.doubleToRawLongBits(value);
    int mask = keys.length - 1;
    for (int slot = mix(bits) & mask; used[slot]; slot = (slot + 1) & mask) {
      if (keys[slot] == bits) {
        return counts[slot];
      }
    }
    return 0;
  }

  /** Exact order statistics of the counted values. */
  record Sorted(double[] values, long[] cumulative) {
    long total() {
      return cumulative.length == 0 ? 0 : cumulative[cumulative.length - 1];
    }

    /** The smallest value with at least {@code fraction} of all values at or below it. */
    double quantile(double fraction) {
      long rank = Math.max(1, (long) Math.ceil(fraction * total()));
      int i = Arrays.binarySearch(cumulative, rank);
      return values[i >= 0 ? i : -i - 1];
    }

    /** The number of values strictly below {@code point}. */
    long countBelow(double point) {
      int i = Arrays.binarySearch(values, point);
      int firstNotBelow = i >= 0 ? i : -i - 1;
      return firstNotBelow == 0 ? 0 : cumulative[firstNotBelow - 1];
    }
  }
}
