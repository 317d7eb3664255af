package io.millrace.stats;

import com.google.common.base.Utf8;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The values of one bytes/string feature: lengths, UTF-8 validity, and the distinct values with
 * their counts. Counts are exact until more than {@code exactLimit} distinct values are seen; then
 * the feature switches for good to a {@link HyperLogLog} for the number of distinct values, whose
 * state depends only on the set of values (so the distinct count is reproducible whatever the
 * bundling), and keeps no values: its most frequent ones are counted exactly by a second pass
 * ({@link ExactTopValues}). A frequent-items sketch kept them before; its state, and so its answer,
 * depended on the order of updates and merges. Every state here depends only on the multiset of
 * values, so equal data gives equal bytes however it was cut and merged.
 */
public final class StringValues {
  private final int exactLimit;

  long numValues;
  long totalBytes;
  long minBytes = Long.MAX_VALUE;
  long maxBytes;
  long numInvalidUtf8;

  private ByteStringCounts exact = new ByteStringCounts();
  private HyperLogLog distinct;

  public StringValues(int exactLimit) {
    this.exactLimit = exactLimit;
  }

  public void add(byte[] value, double weight) {
    numValues++;
    int length = value.length;
    totalBytes += length;
    if (length < minBytes) {
      minBytes = length;
    }
    if (length > maxBytes) {
      maxBytes = length;
    }
    if (!Utf8.isWellFormed(value)) {
      numInvalidUtf8++;
    }
    if (exact != null) {
      exact.add(value, weight);
      if (exact.size() > exactLimit) {
        switchToSketches();
      }
    } else {
      distinct.add(value);
    }
  }

  private void switchToSketches() {
    distinct = new HyperLogLog();
    for (int i = 0; i < exact.size(); i++) {
      distinct.add(exact.key(i));
    }
    exact = null;
  }

  public boolean isExact() {
    return exact != null;
  }

  /** The number of distinct values: exact, or an HLL estimate when {@link #isExact()} is false. */
  public long unique() {
    return exact != null ? exact.size() : distinct.estimate();
  }

  /** A value with its count and (when exact) the sum of its examples' weights. */
  public record ValueCount(byte[] value, double count, double weight) {}

  /** Count descending, then value bytes ascending: an order that depends only on the counts. */
  public static final Comparator<ValueCount> MOST_FREQUENT_FIRST =
      Comparator.comparingDouble((ValueCount v) -> -v.count())
          .thenComparing(ValueCount::value, Arrays::compareUnsigned);

  /**
   * The {@code limit} most frequent values, by count descending and then by value bytes ascending
   * so that the order is deterministic; none once counts are not {@link #isExact()} (then {@link
   * ExactTopValues} gives them from a second pass).
   */
  public List<ValueCount> top(int limit) {
    if (exact == null) {
      return List.of();
    }
    List<ValueCount> all = new ArrayList<>();
    for (int i = 0; i < exact.size(); i++) {
      all.add(new ValueCount(exact.key(i), exact.count(i), exact.weight(i)));
    }
    return all.stream().sorted(MOST_FREQUENT_FIRST).limit(limit).toList();
  }

  /** The top values by weight; available only while counts are exact. */
  public List<ValueCount> topByWeight(int limit) {
    if (exact == null) {
      return List.of();
    }
    List<ValueCount> all = new ArrayList<>();
    for (int i = 0; i < exact.size(); i++) {
      all.add(new ValueCount(exact.key(i), exact.count(i), exact.weight(i)));
    }
    Comparator<ValueCount> order =
        Comparator.comparingDouble((ValueCount v) -> -v.weight())
            .thenComparing(ValueCount::value, Arrays::compareUnsigned);
    return all.stream().sorted(order).limit(limit).toList();
  }

  public void merge(StringValues o) {
    numValues += o.numValues;
    totalBytes += o.totalBytes;
    minBytes = Math.min(minBytes, o.minBytes);
    maxBytes = Math.max(maxBytes, o.maxBytes);
    numInvalidUtf8 += o.numInvalidUtf8;
    if (exact != null && o.exact != null) {
      for (int i = 0; i < o.exact.size(); i++) {
        exact.add(o.exact, i);
      }
      if (exact.size() > exactLimit) {
        switchToSketches();
      }
      return;
    }
    if (exact != null) {
      switchToSketches();
    }
    if (o.exact != null) {
      for (int i = 0; i < o.exact.size(); i++) {
        distinct.add(o.exact.key(i));
      }
    } else {
      distinct.merge(o.distinct);
    }
  }

  public void write(DataOutput out) throws IOException {
    out.writeLong(numValues);
    out.writeLong(totalBytes);
    out.writeLong(minBytes);
    out.writeLong(maxBytes);
    out.writeLong(numInvalidUtf8);
    out.writeBoolean(exact != null);
    if (exact != null) {
      out.writeInt(exact.size());
      // In the values' byte order: equal states write equal bytes.
      for (int i : exact.sortedIndexes()) {
        exact.write(i, out);
      }
    } else {
      distinct.write(out);
    }
  }

  public static StringValues read(DataInput in, int exactLimit) throws IOException {
    StringValues v = new StringValues(exactLimit);
    v.numValues = in.readLong();
    v.totalBytes = in.readLong();
    v.minBytes = in.readLong();
    v.maxBytes = in.readLong();
    v.numInvalidUtf8 = in.readLong();
    if (in.readBoolean()) {
      int size = in.readInt();
      for (int i = 0; i < size; i++) {
        v.exact.readEntry(in);
      }
    } else {
      v.exact = null;
      v.distinct = HyperLogLog.read(in);
    }
    return v;
  }
}
