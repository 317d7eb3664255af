package io.millrace.accumulate;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Arrays;

/**
 * The exact sum of doubles and of products of two doubles: a fixed-point "superaccumulator"
 * (Kulisch) over 32-bit digits, rounded once when read. Floating-point sums depend on the order of
 * the additions, so a sum accumulated over bundles that a runner cut and merged in its own order
 * changes in its last bits from run to run; an exact sum is the same number whatever the order, and
 * its {@link #write serialized form} is canonical: equal sums give equal bytes.
 *
 * <p>Digits are signed longs holding 32-bit digits plus pending carries, so an addition touches
 * three digits and no carry propagates until {@link #normalize}. Only the window of digits that
 * values have reached is allocated: sums of counts or of values of one magnitude hold a few digits.
 * NaN and infinities are rejected: callers count them apart.
 *
 * <p>Hand-written rather than BigDecimal (an allocation and a rescale per addition: several times
 * slower than the floating-point sums the statistics benchmark measures) and no maintained Java
 * library offers an exact double accumulator.
 */
public final class ExactSum {
  private static final long DIGIT_MASK = 0xFFFF_FFFFL;

  /**
   * The exponent of the lowest bit: below the least significant bit of a product of two subnormals
   * (2^-2148), rounded down to a whole digit.
   */
  private static final int LOWEST_EXPONENT = -2176;

  /** Additions of at most 2^34 each before pending carries could overflow a long. */
  private static final int ADDITIONS_BEFORE_NORMALIZE = 1 << 28;

  private static final MathContext QUOTIENT_CONTEXT = new MathContext(40, RoundingMode.HALF_EVEN);

  /** digits[i] weighs 2^(32 (base + i) + LOWEST_EXPONENT). */
  private long[] digits = new long[0];

  private int base;
  private int pendingAdditions;

  public ExactSum() {}

  /** Adds {@code x} exactly. */
  public void add(double x) {
    long bits = Double.doubleToRawLongBits(x);
    int biased = (int) (bits >>> 52) & 0x7FF;
    if (biased == 0x7FF) {
      throw new IllegalArgumentException("not a finite number: " + x);
    }
    long mantissa = bits & 0x000F_FFFF_FFFF_FFFFL;
    if (mantissa == 0 && biased == 0) {
      return;
    }
    int exponent;
    if (biased == 0) {
      exponent = -1074;
    } else {
      mantissa |= 1L << 52;
      exponent = biased - 1075;
    }
    addMagnitude(mantissa, exponent, bits < 0);
  }

  /** Adds the exact product {@code a * b}, not its rounding to a double. */
  public void addProduct(double a, double b) {
    long bitsA = Double.doubleToRawLongBits(a);
    long bitsB = Double.doubleToRawLongBits(b);
    int biasedA = (int) (bitsA >>> 52) & 0x7FF;
    int biasedB = (int) (bitsB >>> 52) & 0x7FF;
    if (biasedA == 0x7FF || biasedB == 0x7FF) {
      throw new IllegalArgumentException("not a finite product: " + a + " * " + b);
    }
    long mantissaA = bitsA & 0x000F_FFFF_FFFF_FFFFL;
    long mantissaB = bitsB & 0x000F_FFFF_FFFF_FFFFL;
    if ((mantissaA == 0 && biasedA == 0) || (mantissaB == 0 && biasedB == 0)) {
      return;
    }
    int exponent = 0;
    if (biasedA == 0) {
      exponent += -1074;
    } else {
      mantissaA |= 1L << 52;
      exponent += biasedA - 1075;
    }
    if (biasedB == 0) {
      exponent += -1074;
    } else {
      mantissaB |= 1L << 52;
      exponent += biasedB - 1075;
    }
    boolean negative = (bitsA ^ bitsB) < 0;
    // The 106-bit product, as two parts of at most 62 bits.
    long low = mantissaA * mantissaB;
    long high = Math.multiplyHigh(mantissaA, mantissaB);
    addMagnitude(low & ((1L << 62) - 1), exponent, negative);
    addMagnitude((high << 2) | (low >>> 62), exponent + 62, negative);
  }

  /** Adds {@code other}'s sum to this one; {@code other} is not changed. */
  public void add(ExactSum other) {
    if (other.digits.length == 0) {
      return;
    }
    if (pendingAdditions >= ADDITIONS_BEFORE_NORMALIZE - 2) {
      normalize();
    }
    ensureWindow(other.base, other.base + other.digits.length);
    int offset = other.base - base;
    for (int i = 0; i < other.digits.length; i++) {
      // Each digit of other may hold pending carries: split it so one addition stays small.
      long d = other.digits[i];
      digits[offset + i] += d & DIGIT_MASK;
      digits[offset + i + 1] += d >> 32;
    }
    pendingAdditions += 2;
  }

  private void addMagnitude(long magnitude, int exponent, boolean negative) {
    if (magnitude == 0) {
      return;
    }
    int bit = exponent - LOWEST_EXPONENT;
    int index = bit >> 5;
    int shift = bit & 31;
    if (++pendingAdditions >= ADDITIONS_BEFORE_NORMALIZE) {
      normalize();
      pendingAdditions = 1;
    }
    ensureWindow(index, index + 3);
    long lowPart = (magnitude & DIGIT_MASK) << shift;
    long highPart = (magnitude >>> 32) << shift;
    int i = index - base;
    if (negative) {
      digits[i] -= lowPart & DIGIT_MASK;
      digits[i + 1] -= (lowPart >>> 32) + (highPart & DIGIT_MASK);
      digits[i + 2] -= highPart >>> 32;
    } else {
      digits[i] += lowPart & DIGIT_MASK;
      digits[i + 1] += (lowPart >>> 32) + (highPart & DIGIT_MASK);
      digits[i + 2] += highPart >>> 32;
    }
  }

  /** Makes digits [from, to) addressable, with one digit of headroom for carries above. */
  private void ensureWindow(int from, int to) {
    int top = base + digits.length;
    if (digits.length > 0 && from >= base && to < top) {
      return;
    }
    int newBase = digits.length == 0 ? from : Math.min(base, from);
    int newTop = Math.max(digits.length == 0 ? 0 : top, to + 1);
    long[] grown = new long[newTop - newBase];
    if (digits.length > 0) {
      System.arraycopy(digits, 0, grown, base - newBase, digits.length);
    }
    digits = grown;
    base = newBase;
  }

  /**
   * Propagates pending carries so that every digit but the top one is in [0, 2^32) and the top one
   * is 0 or -1 (the sign), then trims digits that carry no information: one value, one form.
   */
  private void normalize() {
    pendingAdditions = 0;
    if (digits.length == 0) {
      return;
    }
    long carry = 0;
    for (int i = 0; i < digits.length; i++) {
      long d = digits[i] + carry;
      digits[i] = d & DIGIT_MASK;
      carry = d >> 32;
    }
    // carry is the sign extension or more digits: grow until it is 0 or -1.
    while (carry != 0 && carry != -1) {
      digits = Arrays.copyOf(digits, digits.length + 1);
      digits[digits.length - 1] = carry & DIGIT_MASK;
      carry >>= 32;
    }
    long fill = carry == 0 ? 0 : DIGIT_MASK;
    int low = 0;
    while (low < digits.length && digits[low] == 0) {
      low++;
    }
    int high = digits.length;
    while (high > low && digits[high - 1] == fill) {
      high--;
    }
    if (low == digits.length && carry == 0) {
      digits = new long[0];
      base = 0;
      return;
    }
    // Digits [low, high) and the sign as one more digit on top.
    long[] canonical = new long[high - low + 1];
    System.arraycopy(digits, low, canonical, 0, high - low);
    canonical[canonical.length - 1] = carry;
    base += low;
    digits = canonical;
  }

  public boolean isZero() {
    normalize();
    return digits.length == 0;
  }

  /** The exact sum. */
  public BigDecimal toBigDecimal() {
    normalize();
    if (digits.length == 0) {
      return BigDecimal.ZERO;
    }
    byte[] bigEndian = new byte[4 * digits.length];
    for (int i = 0; i < digits.length; i++) {
      int at = 4 * (digits.length - 1 - i);
      long d = digits[i];
      bigEndian[at] = (byte) (d >>> 24);
      bigEndian[at + 1] = (byte) (d >>> 16);
      bigEndian[at + 2] = (byte) (d >>> 8);
      bigEndian[at + 3] = (byte) d;
    }
    BigInteger unscaled = new BigInteger(bigEndian);
    int exponent = 32 * base + LOWEST_EXPONENT;
    if (exponent >= 0) {
      return new BigDecimal(unscaled.shiftLeft(exponent));
    }
    // 2^-k = 5^k / 10^k, exactly.
    return new BigDecimal(unscaled.multiply(BigInteger.valueOf(5).pow(-exponent)), -exponent);
  }

  /** The sum rounded once to the nearest double (infinite beyond the double range). */
  public double doubleValue() {
    return digits.length == 0 ? 0 : toBigDecimal().doubleValue();
  }

  /** The exact sum divided by {@code divisor}, rounded to a double; NaN when the divisor is 0. */
  public double dividedBy(BigDecimal divisor) {
    if (divisor.signum() == 0) {
      return Double.NaN;
    }
    return toBigDecimal().divide(divisor, QUOTIENT_CONTEXT).doubleValue();
  }

  /** This sum divided by {@code divisor}, both exact, rounded to a double; NaN when it is 0. */
  public double dividedBy(ExactSum divisor) {
    return divisor.isZero() ? Double.NaN : dividedBy(divisor.toBigDecimal());
  }

  /** Writes the canonical form: equal sums write equal bytes. */
  public void write(DataOutput out) throws IOException {
    normalize();
    out.writeInt(digits.length);
    if (digits.length == 0) {
      return;
    }
    out.writeInt(base);
    for (int i = 0; i < digits.length - 1; i++) {
      out.writeInt((int) digits[i]);
    }
    out.writeBoolean(digits[digits.length - 1] < 0);
  }

  public static ExactSum read(DataInput in) throws IOException {
    ExactSum sum = new ExactSum();
    int length = in.readInt();
    if (length < 0 || length > 1 << 16) {
      throw new IOException("corrupt exact sum: " + length + " digits");
    }
    if (length == 0) {
      return sum;
    }
    sum.base = in.readInt();
    sum.digits = new long[length];
    for (int i = 0; i < length - 1; i++) {
      sum.digits[i] = in.readInt() & DIGIT_MASK;
    }
    sum.digits[length - 1] = in.readBoolean() ? -1 : 0;
    return sum;
  }

  public ExactSum copy() {
    ExactSum copy = new ExactSum();
    copy.digits = digits.clone();
    copy.base = base;
    copy.pendingAdditions = pendingAdditions;
    return copy;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ExactSum other)) {
      return false;
    }
    normalize();
    other.normalize();
    return base == other.base && Arrays.equals(digits, other.digits);
  }

  @Override
  public int hashCode() {
    normalize();
    return 31 * base + Arrays.hashCode(digits);
  }

  @Override
  public String toString() {
    return toBigDecimal().toPlainString();
  }
}
