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
