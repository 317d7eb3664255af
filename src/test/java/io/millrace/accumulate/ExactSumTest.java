package io.millrace.accumulate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The exact sum against BigDecimal, and its independence of order, cuts and merges. */
class ExactSumTest {

  /** Values of every magnitude and sign, subnormals and exact cancellations included. */
  private static List<Double> awkwardValues(long seed, int count) {
    Random random = new Random(seed);
    List<Double> values = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      double value =
          switch (random.nextInt(6)) {
            case 0 -> random.nextGaussian() * 1e6 + 11.660797256156794;
            case 1 -> Math.scalb(random.nextDouble(), random.nextInt(2000) - 1000);
            case 2 -> Double.MIN_VALUE * random.nextInt(1000);
            case 3 -> random.nextBoolean() ? 1e300 : -1e300;
            case 4 -> -random.nextDouble();
            default -> (double) random.nextInt(100);
          };
      values.add(value);
    }
    return values;
  }

  private static byte[] bytes(ExactSum sum) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      sum.write(out);
    }
    return bytes.toByteArray();
  }

  private static ExactSum roundTrip(ExactSum sum) throws IOException {
    return ExactSum.read(new DataInputStream(new ByteArrayInputStream(bytes(sum))));
  }

  @Test
  void sumsAndProductsEqualBigDecimalArithmetic() {
    List<Double> values = awkwardValues(1, 5000);
    ExactSum sum = new ExactSum();
    ExactSum squares = new ExactSum();
    BigDecimal expected = BigDecimal.ZERO;
    BigDecimal expectedSquares = BigDecimal.ZERO;
    for (double v : values) {
      sum.add(v);
      squares.addProduct(v, v);
      expected = expected.add(new BigDecimal(v));
      expectedSquares = expectedSquares.add(new BigDecimal(v).multiply(new BigDecimal(v)));
    }
    assertEquals(0, expected.compareTo(sum.toBigDecimal()));
    assertEquals(0, expectedSquares.compareTo(squares.toBigDecimal()));
    assertEquals(expected.doubleValue(), sum.doubleValue());
  }

  @Test
  void anyOrderCutAndMergeGivesTheSameBytes() throws IOException {
    List<Double> values = awkwardValues(2, 3000);
    ExactSum onePass = new ExactSum();
    values.forEach(v -> onePass.addProduct(v, 3.0000000000000004));
    values.forEach(onePass::add);
    byte[] expected = bytes(onePass);
    Random random = new Random(3);
    for (int trial = 0; trial < 20; trial++) {
      List<Double> shuffled = new ArrayList<>(values);
      Collections.shuffle(shuffled, random);
      List<ExactSum> parts = new ArrayList<>();
      int at = 0;
      while (at < shuffled.size()) {
        int end = Math.min(shuffled.size(), at + random.nextInt(400));
        ExactSum part = new ExactSum();
        for (double v : shuffled.subList(at, end)) {
          part.add(v);
          part.addProduct(v, 3.0000000000000004);
        }
        parts.add(roundTrip(part));
        at = end;
      }
      // Merged as a random tree, not only left to right.
      while (parts.size() > 1) {
        ExactSum left = parts.remove(random.nextInt(parts.size()));
        ExactSum right = parts.remove(random.nextInt(parts.size()));
        byte[] rightBefore = bytes(right);
        left.add(right);
        assertArrayEquals(rightBefore, bytes(right), "a merged-in sum stays unchanged");
        parts.add(random.nextBoolean() ? left : roundTrip(left));
      }
      assertArrayEquals(expected, bytes(parts.get(0)));
      assertEquals(onePass, parts.get(0));
    }
  }

  @Test
  void cancellationToZeroAndNegativePowersOfTheDigitBaseAreCanonical() throws IOException {
    ExactSum zero = new ExactSum();
    zero.add(1e300);
    zero.add(0.1);
    zero.add(-1e300);
    zero.add(-0.1);
    assertArrayEquals(bytes(new ExactSum()), bytes(zero));
    assertEquals(0.0, zero.doubleValue());

    ExactSum minusPower = new ExactSum();
    minusPower.add(-Math.scalb(1.0, 64));
    ExactSum sameValue = new ExactSum();
    sameValue.add(Math.scalb(1.0, 64));
    sameValue.add(-Math.scalb(1.0, 65));
    assertArrayEquals(bytes(minusPower), bytes(sameValue));
    assertEquals(-Math.scalb(1.0, 64), roundTrip(sameValue).doubleValue());
  }

  @Test
  void manyAdditionsPropagateTheirCarries() {
    ExactSum sum = new ExactSum();
    double big = Math.scalb(1.0, 52) - 1;
    int n = (1 << 28) + 12345;
    for (int i = 0; i < n; i++) {
      sum.add(big);
    }
    assertEquals(
        0, new BigDecimal(big).multiply(BigDecimal.valueOf(n)).compareTo(sum.toBigDecimal()));
  }

  @Test
  void nanAndInfinityAreRefused() {
    ExactSum sum = new ExactSum();
    assertThrows(IllegalArgumentException.class, () -> sum.add(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> sum.addProduct(2, Double.NEGATIVE_INFINITY));
  }
}
