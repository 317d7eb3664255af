package io.millrace.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;

/**
 * A name no HTML page may show raw, and the one escaped form every page must show instead: the same
 * text in the statistics, evaluation and run reports.
 */
public final class HostileText {
  /** Markup, both quotes, an ampersand, control characters, a valid surrogate pair. */
  public static final String HOSTILE_IN_A_FILE =
      "<script>alert('x')</script> \"q\" & bell\u0007nul\u0000del\u007fnel\u0085 ffff\uffff"
          + " pair\ud83d\ude95 tab\tline";

  /** {@link #HOSTILE_IN_A_FILE} escaped for XHTML content and attributes. */
  public static final String ESCAPED_IN_A_FILE =
      "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &quot;q&quot; &amp;"
          + " bell\ufffdnul\ufffddel\ufffdnel\ufffd ffff\ufffd pair\ud83d\ude95 tab\tline";

  /** The same with lone surrogates, which a string may hold but no UTF-8 file can. */
  public static final String HOSTILE = HOSTILE_IN_A_FILE + " lone\ud800 low\udc00";

  /** {@link #HOSTILE} escaped for XHTML content and attributes. */
  public static final String ESCAPED = ESCAPED_IN_A_FILE + " lone\ufffd low\ufffd";

  private HostileText() {}

  /** No raw hostile text in the page; {@link #ESCAPED} at least {@code times} times. */
  public static void assertEscaped(String html, int times) {
    assertEscaped(html, ESCAPED, times);
  }

  /** No raw hostile text in the page; the escaped form at least {@code times} times. */
  public static void assertEscaped(String html, String escaped, int times) {
    assertFalse(html.contains("<script"), "an unescaped script tag");
    assertFalse(html.contains("'x'"), "an unescaped single quote");
    assertFalse(html.contains("\"q\""), "unescaped double quotes");
    for (char c : new char[] {'\u0000', '\u0007', '\u007f', '\u0085', '\uffff'}) {
      assertEquals(-1, html.indexOf(c), "character U+" + Integer.toHexString(c));
    }
    for (int i = 0; i < html.length(); i++) {
      char c = html.charAt(i);
      if (Character.isHighSurrogate(c)) {
        assertTrue(
            i + 1 < html.length() && Character.isLowSurrogate(html.charAt(++i)),
            "a lone high surrogate at " + i);
      } else {
        assertFalse(Character.isLowSurrogate(c), "a lone low surrogate at " + i);
      }
    }
    int count = 0;
    for (int i = html.indexOf(escaped); i >= 0; i = html.indexOf(escaped, i + 1)) {
      count++;
    }
    assertTrue(count >= times, "the escaped text " + count + " times, expected " + times);
  }

  /** Parses an XHTML page as XML: proof that it is well-formed. */
  public static Document parseXhtml(String html) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setNamespaceAware(true);
    factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    return factory
        .newDocumentBuilder()
        .parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));
  }
}
