package io.millrace.validate;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/** Number and string formatting as TFDV's C++ (absl) writes it into anomaly descriptions. */
final class Texts {
  private Texts() {}

  /**
   * {@code absl::SixDigits}: six significant digits, trailing zeros dropped, exponent form below
   * 1e-4 and from 1e6 ({@code %g}). {@code absl::StrCat} formats doubles the same way.
   */
  static String sixDigits(double d) {
    if (Double.isNaN(d)) {
      return "nan";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf";
    }
    if (d == 0) {
      return (1 / d < 0) ? "-0" : "0";
    }
    BigDecimal rounded = new BigDecimal(d).round(new MathContext(6, RoundingMode.HALF_EVEN));
    int exponent = rounded.precision() - rounded.scale() - 1;
    if (exponent < -4 || exponent >= 6) {
      String mantissa = rounded.movePointLeft(exponent).stripTrailingZeros().toPlainString();
      int abs = Math.abs(exponent);
      return mantissa + "e" + (exponent < 0 ? "-" : "+") + (abs < 10 ? "0" : "") + abs;
    }
    return rounded.stripTrailingZeros().toPlainString();
  }

  /** A count: exact when integral (counts above a million are not rounded), else six digits. */
  static String count(double d) {
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      return Long.toString((long) d);
    }
    return sixDigits(d);
  }

  /** A fraction as a percentage with six significant digits, e.g. {@code 0.02%}. */
  static String percent(double fraction) {
    return sixDigits(100 * fraction) + "%";
  }

  /** TFDV's coarse percentage of unexpected string values: {@code <1%} or {@code ~x%}. */
  static String tfdvPercentage(double count, double total) {
    if (total == 0) {
      return "?";
    }
    double percent = 100 * count / total;
    return percent < 1.0 ? "<1%" : "~" + (int) Math.floor(percent) + "%";
  }

  /** {@code absl::Utf8SafeCEscape}: C escapes for ASCII specials, other UTF-8 kept as is. */
  static String cEscape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        case '"':
          out.append("\\\"");
          break;
        case '\'':
          out.append("\\'");
          break;
        case '\\':
          out.append("\\\\");
          break;
        default:
          if (c < 0x20 || c == 0x7f) {
            out.append('\\').append(String.format("%03o", (int) c));
          } else {
            out.append(c);
          }
      }
    }
    return out.toString();
  }

  /** A value quoted for Millrace's detail sentences. */
  static String quote(String value) {
    return "\"" + cEscape(value) + "\"";
  }

  /**
   * TFDV's serialized path of a top-level feature, the key of {@code anomaly_info}: the name
   * itself, or the name in single quotes (inner quotes doubled) when it holds {@code . ( ) '}.
   */
  static String serializedPath(String name) {
    boolean standard =
        !name.isEmpty()
            && (name.chars().noneMatch(c -> c == '.' || c == '(' || c == ')' || c == '\'')
                || (name.length() >= 2
                    && name.charAt(0) == '('
                    && name.charAt(name.length() - 1) == ')'
                    && name.substring(1, name.length() - 1)
                        .chars()
                        .noneMatch(c -> c == '(' || c == ')')));
    return standard ? name : "'" + name.replace("'", "''") + "'";
  }
}
