package io.millrace.report;

/**
 * The statistics page's look: its CSS, and the colors of the splits, which the tables' swatches and
 * the charts' bars and lines share.
 */
final class ReportStyle {
  /** Colors of the splits, in order; more splits reuse them. */
  private static final String[] COLORS = {
    "#1a73e8", "#e8710a", "#188038", "#a142f4", "#d01884", "#12b5cb"
  };

  /** Shown where a split has no value. */
  static final String NONE = "\u2013";

  private ReportStyle() {}

  /** The color of a split: the N of the CSS classes fN (fill), lN (stroke) and wN (swatch). */
  static int color(int split) {
    return split % COLORS.length;
  }

  /** A small square in the split's color, before its name. */
  static String swatch(int split) {
    return "<span class=\"sw w" + color(split) + "\"></span>";
  }

  static String css() {
    StringBuilder css =
        new StringBuilder(
            "body{font:14px/1.4 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;"
                + "margin:0 24px 48px;color:#202124;background:#f8f9fa}\n"
                + "h1{font-size:22px;margin:20px 0 8px}\n"
                + "h2{font-size:18px;margin:24px 0 8px}\n"
                + "h3{font-size:15px;margin:0 0 6px}\n"
                + ".counts{font-size:13px;font-weight:normal;color:#5f6368;margin-left:8px}\n"
                + "table.list{border-collapse:collapse;background:#fff;font-size:13px}\n"
                + "table.list th,table.list td{border:1px solid #dadce0;padding:3px 8px;"
                + "text-align:left;vertical-align:top}\n"
                + "td.n{text-align:right}\n"
                + ".anomalies table.list{max-width:1200px}\n"
                + ".bad{color:#c5221f}\n.ok{color:#188038}\n.note{color:#5f6368}\n"
                + ".cards{display:flex;flex-wrap:wrap;gap:12px;margin:8px 0 16px}\n"
                + ".card{background:#fff;border:1px solid #dadce0;border-radius:6px;"
                + "padding:10px 12px;width:424px;overflow:hidden}\n"
                + ".card.anom{border-color:#c5221f;box-shadow:0 0 0 1px #c5221f}\n"
                + ".card p{margin:0 0 6px;font-size:13px}\n"
                + ".name{overflow-wrap:anywhere}\n"
                + ".type{font-size:11px;font-weight:normal;color:#5f6368;"
                + "border:1px solid #dadce0;border-radius:3px;padding:0 4px}\n"
                + ".badge{font-size:11px;font-weight:normal;color:#fff;background:#c5221f;"
                + "border-radius:3px;padding:1px 5px;text-decoration:none}\n"
                + "table.k{border-collapse:collapse;font-size:12px;margin-bottom:6px}\n"
                + "table.k th,table.k td{padding:1px 10px 1px 0;text-align:right;"
                + "font-variant-numeric:tabular-nums;max-width:150px;overflow:hidden;"
                + "text-overflow:ellipsis;white-space:nowrap}\n"
                + "table.k th:first-child{text-align:left;font-weight:normal;color:#5f6368}\n"
                + ".sw{display:inline-block;width:10px;height:10px;border-radius:2px;"
                + "margin-right:4px;vertical-align:-1px}\n"
                + "details{background:#fff;border:1px solid #dadce0;border-radius:6px;"
                + "padding:6px 10px;margin:6px 0}\n"
                + "details .cards{margin-bottom:4px}\n"
                + "details .card{background:#f8f9fa}\n"
                + "summary{cursor:pointer;font-weight:500}\n"
                + "svg{display:block}\n"
                + "svg text{font:10px sans-serif;fill:#5f6368}\n"
                + "svg path{fill:none;stroke-width:1.5}\n"
                + "svg path.ax{stroke:#9aa0a6;stroke-width:1}\n"
                + "svg rect:hover{opacity:.7}\n"
                + "svg.o rect{fill-opacity:.5}\n");
    for (int i = 0; i < COLORS.length; i++) {
      css.append(".f")
          .append(i)
          .append("{fill:")
          .append(COLORS[i])
          .append("}.l")
          .append(i)
          .append("{stroke:")
          .append(COLORS[i])
          .append("}.w")
          .append(i)
          .append("{background:")
          .append(COLORS[i])
          .append("}\n");
    }
    return css.toString();
  }
}
