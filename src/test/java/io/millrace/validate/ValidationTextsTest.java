package io.millrace.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Numbers and names as TFDV's C++ prints them into descriptions and keys. */
class ValidationTextsTest {
  @Test
  void sixSignificantDigitsAsAbsl() {
    assertEquals("0.0123457", Texts.sixDigits(0.0123456789));
    assertEquals("0.01", Texts.sixDigits(0.01));
    assertEquals("100", Texts.sixDigits(100));
    assertEquals("700.07", Texts.sixDigits(700.07f));
    assertEquals("1e-05", Texts.sixDigits(0.00001));
    assertEquals("0.0001", Texts.sixDigits(0.0001));
    assertEquals("1.23457e+06", Texts.sixDigits(1234567));
    assertEquals("999999", Texts.sixDigits(999999));
    assertEquals("1e+06", Texts.sixDigits(999999.7));
    assertEquals("-3", Texts.sixDigits(-3.0));
    assertEquals("0", Texts.sixDigits(0));
    assertEquals("inf", Texts.sixDigits(Double.POSITIVE_INFINITY));
  }

  @Test
  void tfdvPercentagesAndEscapes() {
    assertEquals("<1%", Texts.tfdvPercentage(1, 5000));
    assertEquals("~10%", Texts.tfdvPercentage(1, 10));
    assertEquals("~33%", Texts.tfdvPercentage(1, 3));
    assertEquals("a\\\"b\\n", Texts.cEscape("a\"b\n"));
    assertEquals("Zürich", Texts.cEscape("Zürich"));
    assertEquals("1234567", Texts.count(1234567));
    assertEquals("0.02%", Texts.percent(0.0002));
  }

  @Test
  void serializedPathsAsTfdv() {
    assertEquals("fare", Texts.serializedPath("fare"));
    assertEquals("'a.b'", Texts.serializedPath("a.b"));
    assertEquals("'it''s'", Texts.serializedPath("it's"));
    assertEquals("(ext)", Texts.serializedPath("(ext)"));
  }
}
