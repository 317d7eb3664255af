package io.millrace.ingest.csv;

/**
 * Strict number syntax for CSV cells. {@link Double#parseDouble} alone also accepts hexadecimal
 * floats and suffixes such as {@code 1d} or {@code 2f}, which would turn codes like {@code 7f} into
 * numbers.
 */
final class Numbers {
  private Numbers() {}

  /** An optional sign and 1 to 18 digits, or 19 digits within the range of a long. */
  static boolean isInteger(String s) {
    int start = s.startsWith("-") || s.startsWith("+") ? 1 : 0;
    int digits = s.length() - start;
    if (digits < 1 || digits > 19) {
      return false;
    }
    for (int i = start; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    if (digits == 19) {
      try {
        Long.parseLong(s);
      } catch (NumberFormatException e) {
        return false;
      }
    }
    return true;
  }

  /**
   * Decimal notation with optional sign, fraction and exponent ({@code -1.5e3}, {@code .5}, {@code
   * 2.}), or NaN/Infinity spelled as {@code nan}, {@code inf} or {@code infinity} in any case.
   */
  static boolean isDecimal(String s) {
    int i = 0;
    int n = s.length();
    if (i < n && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
      i++;
    }
    if (i < n && !isDigit(s.charAt(i)) && s.charAt(i) != '.') {
      return isSpecial(s.substring(i));
    }
    int mantissaDigits = 0;
    while (i < n && isDigit(s.charAt(i))) {
      i++;
      mantissaDigits++;
    }
    if (i < n && s.charAt(i) == '.') {
      i++;
      while (i < n && isDigit(s.charAt(i))) {
        i++;
        mantissaDigits++;
      }
    }
    if (mantissaDigits == 0) {
      return false;
    }
    if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      i++;
      if (i < n && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
        i++;
      }
      int exponentDigits = 0;
      while (i < n && isDigit(s.charAt(i))) {
        i++;
        exponentDigits++;
      }
      if (exponentDigits == 0) {
        return false;
      }
    }
    return i == n;
  }

  private static final double[] POWERS_OF_TEN = new double[23];

  static {
    POWERS_OF_TEN[0] = 1;
    for (int i = 1; i < POWERS_OF_TEN.length; i++) {
      POWERS_OF_TEN[i] = POWERS_OF_TEN[i - 1] * 10;
    }
  }

  /**
   * Parses a decimal cell, the same value as {@link Double#parseDouble}, or throws {@link
   * NumberFormatException} for what {@link #isDecimal} rejects.
   *
   * <p>Plain decimals with at most 15 significant digits and 22 fraction digits (nearly every CSV
   * number) take Clinger's fast path: the digits as an exact integer divided by an exact power of
   * ten, one correctly rounded division, so the same double as the general algorithm at a fraction
   * of its cost. Everything else goes through {@link #isDecimal} and {@code parseDouble}.
   */
  static double parseStrictDecimal(String s) {
    int n = s.length();
    int i = 0;
    boolean negative = false;
    if (n > 0 && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
      negative = s.charAt(0) == '-';
      i = 1;
    }
    long mantissa = 0;
    int significant = 0;
    int fractionDigits = -1;
    boolean sawDigit = false;
    for (; i < n; i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        sawDigit = true;
        if (mantissa != 0 || c != '0') {
          significant++;
        }
        mantissa = mantissa * 10 + (c - '0');
        if (fractionDigits >= 0) {
          fractionDigits++;
        }
        if (significant > 15) {
          return general(s);
        }
      } else if (c == '.' && fractionDigits < 0) {
        fractionDigits = 0;
      } else {
        return general(s);
      }
    }
    if (!sawDigit || fractionDigits > 22) {
      return general(s);
    }
    double value = fractionDigits <= 0 ? mantissa : mantissa / POWERS_OF_TEN[fractionDigits];
    return negative ? -value : value;
  }

  private static double general(String s) {
    if (!isDecimal(s)) {
      throw new NumberFormatException(s);
    }
    return parseDecimal(s);
  }

  /** Parses what {@link #isDecimal} accepts. */
  static double parseDecimal(String s) {
    boolean negative = s.startsWith("-");
    int start = negative || s.startsWith("+") ? 1 : 0;
    if (start < s.length() && Character.isLetter(s.charAt(start))) {
      if (s.substring(start).equalsIgnoreCase("nan")) {
        return Double.NaN;
      }
      return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    return Double.parseDouble(s);
  }

  private static boolean isSpecial(String s) {
    return s.equalsIgnoreCase("nan") || s.equalsIgnoreCase("inf") || s.equalsIgnoreCase("infinity");
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
