package io.millrace.report;

/**
 * The one HTML escaping of every page Millrace writes (statistics, evaluation and run reports), so
 * that a feature name, value, split, slice or model name reads the same and is equally safe on
 * each.
 */
public final class Html {
  private Html() {}

  /**
   * Text escaped for XHTML content and for attribute values in either quote: {@code & < > " '}
   * become entities; characters XML does not allow (control characters other than tab, line feed
   * and carriage return, C1 controls, U+FFFE, U+FFFF, lone surrogates) become U+FFFD, so that the
   * page stays well-formed XML whatever the data holds.
   */
  public static String escape(String s) {
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      String replacement;
      switch (c) {
        case '&':
          replacement = "&amp;";
          break;
        case '<':
          replacement = "&lt;";
          break;
        case '>':
          replacement = "&gt;";
          break;
        case '"':
          replacement = "&quot;";
          break;
        case '\'':
          replacement = "&#39;";
          break;
        default:
          replacement = null;
          if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r')
              || (c >= 0x7f && c <= 0x9f)
              || c == 0xfffe
              || c == 0xffff) {
            replacement = "\ufffd";
          } else if (Character.isHighSurrogate(c)) {
            if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
              if (b != null) {
                b.append(c).append(s.charAt(i + 1));
              }
              i++;
              continue;
            }
            replacement = "\ufffd";
          } else if (Character.isLowSurrogate(c)) {
            replacement = "\ufffd";
          }
      }
      if (replacement != null && b == null) {
        b = new StringBuilder(s.length() + 16).append(s, 0, i);
      }
      if (b != null) {
        if (replacement != null) {
          b.append(replacement);
        } else {
          b.append(c);
        }
      }
    }
    return b == null ? s : b.toString();
  }
}
