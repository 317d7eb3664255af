package io.millrace.stats;

import io.millrace.accumulate.WeightSum;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * Presence and valency of one feature: how many examples have it, and how many values each has. The
 * distribution of value counts is kept exactly (it has few distinct values), so its quantiles are
 * exact and merging is addition.
 */
final class Presence {
  private static final int DENSE = 16;

  long numNonMissing;
  long numMissing;
  long totNumValues;
  final WeightSum weightedNonMissing = new WeightSum();
  final WeightSum weightedMissing = new WeightSum();
  final WeightSum weightedTotNumValues = new WeightSum();
  private final long[] valencyCounts = new long[DENSE];
  private TreeMap<Long, Long> largeValencyCounts;

  void addMissing(double weight) {
    numMissing++;
    weightedMissing.add(weight, 1);
  }

  void addPresent(int valueCount, double weight) {
    numNonMissing++;
    totNumValues += valueCount;
    weightedNonMissing.add(weight, 1);
    weightedTotNumValues.add(weight, valueCount);
    if (valueCount < DENSE) {
      valencyCounts[valueCount]++;
    } else {
      addLarge(valueCount, 1);
    }
  }

  private void addLarge(long valency, long count) {
    if (largeValencyCounts == null) {
      largeValencyCounts = new TreeMap<>();
    }
    largeValencyCounts.merge(valency, count, Long::sum);
  }

  void merge(Presence other) {
    numNonMissing += other.numNonMissing;
    numMissing += other.numMissing;
    totNumValues += other.totNumValues;
    weightedNonMissing.add(other.weightedNonMissing);
    weightedMissing.add(other.weightedMissing);
    weightedTotNumValues.add(other.weightedTotNumValues);
    for (int i = 0; i < DENSE; i++) {
      valencyCounts[i] += other.valencyCounts[i];
    }
    if (other.largeValencyCounts != null) {
      other.largeValencyCounts.forEach(this::addLarge);
    }
  }

  long minNumValues() {
    for (int i = 0; i < DENSE; i++) {
      if (valencyCounts[i] > 0) {
        return i;
      }
    }
    return largeValencyCounts == null ? 0 : largeValencyCounts.firstKey();
  }

  long maxNumValues() {
    if (largeValencyCounts != null) {
      return largeValencyCounts.lastKey();
    }
    for (int i = DENSE - 1; i >= 0; i--) {
      if (valencyCounts[i] > 0) {
        return i;
      }
    }
    return 0;
  }

  /**
   * The number of values at each of {@code fractions} of the examples that have the feature: the
   * smallest valency whose cumulative count reaches {@code ceil(fraction * numNonMissing)}.
   */
  long[] valencyQuantiles(double[] fractions) {
    long[] result = new long[fractions.length];
    TreeMap<Long, Long> all = new TreeMap<>();
    for (int i = 0; i < DENSE; i++) {
      if (valencyCounts[i] > 0) {
        all.put((long) i, valencyCounts[i]);
      }
    }
    if (largeValencyCounts != null) {
      all.putAll(largeValencyCounts);
    }
    for (int q = 0; q < fractions.length; q++) {
      long rank = Math.max(1, (long) Math.ceil(fractions[q] * numNonMissing));
      long cumulative = 0;
      for (Map.Entry<Long, Long> e : all.entrySet()) {
        cumulative += e.getValue();
        result[q] = e.getKey();
        if (cumulative >= rank) {
          break;
        }
      }
    }
    return result;
  }

  void write(DataOutput out) throws IOException {
    out.writeLong(numNonMissing);
    out.writeLong(numMissing);
    out.writeLong(totNumValues);
    weightedNonMissing.write(out);
    weightedMissing.write(out);
    weightedTotNumValues.write(out);
    for (long c : valencyCounts) {
      out.writeLong(c);
    }
    int large = largeValencyCounts == null ? 0 : largeValencyCounts.size();
    out.writeInt(large);
    if (large > 0) {
      for (Map.Entry<Long, Long> e : largeValencyCounts.entrySet()) {
        out.writeLong(e.getKey());
        out.writeLong(e.getValue());
      }
    }
  }

  static Presence read(DataInput in) throws IOException {
    Presence p = new Presence();
    p.numNonMissing = in.readLong();
    p.numMissing = in.readLong();
    p.totNumValues = in.readLong();
    p.weightedNonMissing.add(WeightSum.read(in));
    p.weightedMissing.add(WeightSum.read(in));
    p.weightedTotNumValues.add(WeightSum.read(in));
    for (int i = 0; i < DENSE; i++) {
      p.valencyCounts[i] = in.readLong();
    }
    int large = in.readInt();
    for (int i = 0; i < large; i++) {
      p.addLarge(in.readLong(), in.readLong());
    }
    return p;
  }
}
