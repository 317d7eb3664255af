package io.millrace.accumulate;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.math.BigDecimal;

/**
 * A sum of weights times whole multiplicities (examples, values), independent of the order of
 * additions: multiplicities of weight 1 (the usual case, no weight feature) are counted in a long;
 * the others go to an {@link ExactSum}, allocated when the first one comes. Read, it is rounded
 * once.
 */
public final class WeightSum {
  private long unitWeighted;
  private ExactSum otherWeighted;

  /** Adds {@code weight * multiplicity}. */
  public void add(double weight, long multiplicity) {
    if (weight == 1.0) {
      unitWeighted += multiplicity;
    } else {
      if (otherWeighted == null) {
        otherWeighted = new ExactSum();
      }
      otherWeighted.addProduct(weight, multiplicity);
    }
  }

  /** Adds {@code other}'s sum; {@code other} is not changed. */
  public void add(WeightSum other) {
    unitWeighted += other.unitWeighted;
    if (other.otherWeighted != null) {
      if (otherWeighted == null) {
        otherWeighted = new ExactSum();
      }
      otherWeighted.add(other.otherWeighted);
    }
  }

  public double doubleValue() {
    if (otherWeighted == null) {
      return unitWeighted;
    }
    return BigDecimal.valueOf(unitWeighted).add(otherWeighted.toBigDecimal()).doubleValue();
  }

  public void write(DataOutput out) throws IOException {
    out.writeLong(unitWeighted);
    boolean others = otherWeighted != null && !otherWeighted.isZero();
    out.writeBoolean(others);
    if (others) {
      otherWeighted.write(out);
    }
  }

  public static WeightSum read(DataInput in) throws IOException {
    WeightSum sum = new WeightSum();
    sum.unitWeighted = in.readLong();
    if (in.readBoolean()) {
      sum.otherWeighted = ExactSum.read(in);
    }
    return sum;
  }
}
