package io.millrace.stats;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * A HyperLogLog distinct-value count (Flajolet et al. 2007) whose state depends only on the set of
 * values added: 2^14 registers, each the largest rank seen among the values a fixed hash (FarmHash
 * Fingerprint64) sends to it, merged by taking each register's maximum. Adding in any order and
 * merging in any tree give the same registers, hence the same bytes and estimate (standard error
 * 1.04 / 128, about 0.8%).
 *
 * <p>Hand-written because Apache DataSketches' {@code HllSketch}, used before, keeps a history-
 * dependent estimator (HIP) and an out-of-order flag in its state, so its bytes and estimate
 * depended on how a runner bundled the values.
 */
final class HyperLogLog {
  static final int PRECISION = 14;
  private static final int REGISTERS = 1 << PRECISION;
  private static final HashFunction HASH = Hashing.farmHashFingerprint64();

  private final byte[] registers = new byte[REGISTERS];

  void add(byte[] value) {
    long hash = HASH.hashBytes(value).asLong();
    int register = (int) (hash >>> (64 - PRECISION));
    // The rank: leading zeros of the bits below the index, plus one; the sentinel bit caps it.
    int rank = Long.numberOfLeadingZeros((hash << PRECISION) | (1L << (PRECISION - 1))) + 1;
    if (rank > registers[register]) {
      registers[register] = (byte) rank;
    }
  }

  void merge(HyperLogLog other) {
    for (int i = 0; i < REGISTERS; i++) {
      if (other.registers[i] > registers[i]) {
        registers[i] = other.registers[i];
      }
    }
  }

  /** The estimate: the raw HyperLogLog estimate, or linear counting while registers are empty. */
  long estimate() {
    double inverseSum = 0;
    int empty = 0;
    for (byte rank : registers) {
      inverseSum += Math.scalb(1.0, -rank);
      if (rank == 0) {
        empty++;
      }
    }
    double m = REGISTERS;
    double raw = 0.7213 / (1 + 1.079 / m) * m * m / inverseSum;
    if (raw <= 2.5 * m && empty > 0) {
      return Math.round(m * Math.log(m / empty));
    }
    return Math.round(raw);
  }

  void write(DataOutput out) throws IOException {
    out.write(registers);
  }

  static HyperLogLog read(DataInput in) throws IOException {
    HyperLogLog sketch = new HyperLogLog();
    in.readFully(sketch.registers);
    for (byte rank : sketch.registers) {
      if (rank < 0 || rank > 64 - PRECISION + 1) {
        throw new IOException("corrupt distinct-value sketch: a register of rank " + rank);
      }
    }
    return sketch;
  }
}
