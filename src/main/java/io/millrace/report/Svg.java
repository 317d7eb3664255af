package io.millrace.report;

/**
 * Writes inline SVG into a page: the {@code svg} element and text labels, every coordinate in
 * pixels with at most one decimal. Text goes through {@link Html#escape}.
 */
final class Svg {
  private static final String NS = "http://www.w3.org/2000/svg";

  private final StringBuilder out;

  Svg(StringBuilder out) {
    this.out = out;
  }

  void open(int width, int height) {
    open(width, height, null);
  }

  /** Opens an {@code svg} element of this size, with a CSS class unless null. */
  void open(int width, int height, String cssClass) {
    out.append("<svg xmlns=\"").append(NS).append('"');
    if (cssClass != null) {
      out.append(" class=\"").append(cssClass).append('"');
    }
    out.append(" width=\"")
        .append(width)
        .append("\" height=\"")
        .append(height)
        .append("\" viewBox=\"0 0 ")
        .append(width)
        .append(' ')
        .append(height)
        .append("\">");
  }

  void close() {
    out.append("</svg>\n");
  }

  /** A label at (x, y), anchored at its start, middle or end. */
  void text(double x, double y, String anchor, String text) {
    out.append("<text x=\"").append(coord(x)).append("\" y=\"").append(coord(y)).append('"');
    if (!anchor.equals("start")) {
      out.append(" text-anchor=\"").append(anchor).append('"');
    }
    out.append('>').append(Html.escape(text)).append("</text>");
  }

  /** A pixel coordinate with at most one decimal. */
  static String coord(double v) {
    long tenths = Math.round(v * 10);
    return tenths % 10 == 0
        ? Long.toString(tenths / 10)
        : (tenths < 0 && tenths > -10 ? "-" : "") + (tenths / 10) + "." + Math.abs(tenths % 10);
  }
}
