package io.millrace.ingest.csv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class NumbersTest {
  @Test
  void theFastPathGivesExactlyTheDoubleOfParseDouble() {
    Random random = new Random(7);
    for (int i = 0; i < 500_000; i++) {
      String s = randomDecimal(random);
      assertEquals(
          Double.doubleToRawLongBits(Double.parseDouble(s)),
          Double.doubleToRawLongBits(Numbers.parseStrictDecimal(s)),
          s);
    }
    for (String s :
        new String[] {
          "0",
          "-0",
          "+0.0",
          "1.",
          ".5",
          "-.5",
          "007.250",
          "41.920451512",
          "-87.679954768",
          "17031320400",
          "123456789012345",
          "1234567890123456789",
          "0.1",
          "2.2250738585072014e-308",
          "1e22",
          "1E-5",
          "NaN",
          "-inf",
          "Infinity",
          "99999999999999999999999.5"
        }) {
      double expected =
          s.equalsIgnoreCase("-inf") ? Double.NEGATIVE_INFINITY : Double.parseDouble(s);
      assertEquals(
          Double.doubleToRawLongBits(expected),
          Double.doubleToRawLongBits(Numbers.parseStrictDecimal(s)),
          s);
    }
  }

  @Test
  void rejectsWhatIsNotAPlainDecimal() {
    for (String s : new String[] {"", "-", ".", "-.", "1.2.3", "7f", "2d", "0x1p3", "1e", "1,5"}) {
      assertThrows(NumberFormatException.class, () -> Numbers.parseStrictDecimal(s), s);
    }
  }

  private static String randomDecimal(Random random) {
    StringBuilder b = new StringBuilder();
    if (random.nextInt(4) == 0) {
      b.append('-');
    }
    int whole = random.nextInt(8);
    for (int i = 0; i < whole; i++) {
      b.append((char) ('0' + random.nextInt(10)));
    }
    if (whole == 0 || random.nextBoolean()) {
      b.append('.');
      int fraction = 1 + random.nextInt(random.nextInt(5) == 0 ? 24 : 10);
      for (int i = 0; i < fraction; i++) {
        b.append((char) ('0' + random.nextInt(10)));
      }
    }
    return b.toString();
  }
}
