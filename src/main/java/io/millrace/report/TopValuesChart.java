package io.millrace.report;

import static io.millrace.report.ReportFormat.compact;
import static io.millrace.report.ReportFormat.percent;
import static io.millrace.report.ReportFormat.totalValues;

import io.millrace.tfmd.FeatureNameStatistics;
import io.millrace.tfmd.StringStatistics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The chart of a string feature: its most frequent values in each split, as horizontal bars. */
final class TopValuesChart {
  /** The most values a chart shows. */
  static final int MAX_TOP_VALUES = 20;

  /** The width of the value labels left of the bars, in pixels. */
  private static final int LABEL_WIDTH = 136;

  private TopValuesChart() {}

  /**
   * The top values of the splits as horizontal bars: the first split's top values, then others', at
   * most {@link #MAX_TOP_VALUES}; bar lengths are shares of each split's values.
   */
  static void render(StringBuilder out, List<String> splits, List<FeatureNameStatistics> perSplit) {
    Svg svg = new Svg(out);
    int n = perSplit.size();
    List<Map<String, Double>> frequencies = new ArrayList<>();
    double[] totals = new double[n];
    Set<String> labels = new LinkedHashSet<>();
    for (int s = 0; s < n; s++) {
      Map<String, Double> byValue = new LinkedHashMap<>();
      FeatureNameStatistics f = perSplit.get(s);
      if (f != null && f.hasStringStats()) {
        double sum = 0;
        for (StringStatistics.FreqAndValue v : f.getStringStats().getTopValuesList()) {
          byValue.putIfAbsent(v.getValue(), v.getFrequency());
          sum += v.getFrequency();
        }
        totals[s] = Math.max(totalValues(f), sum);
      }
      frequencies.add(byValue);
    }
    for (Map<String, Double> byValue : frequencies) {
      for (String value : byValue.keySet()) {
        if (labels.size() < MAX_TOP_VALUES) {
          labels.add(value);
        }
      }
    }
    double max = 0;
    for (String label : labels) {
      for (int s = 0; s < n; s++) {
        Double freq = frequencies.get(s).get(label);
        if (freq != null && totals[s] > 0) {
          max = Math.max(max, freq / totals[s]);
        }
      }
    }
    boolean single = n == 1;
    int barHeight = single ? 11 : 7;
    int rowHeight = single ? 15 : n * barHeight + 5;
    int height = labels.size() * rowHeight + 6;
    double barLeft = LABEL_WIDTH + 4;
    double barSpace = SvgCharts.WIDTH - barLeft - (single ? 44 : 8);
    svg.open(SvgCharts.WIDTH, height);
    int row = 0;
    for (String label : labels) {
      double top = 3 + row * rowHeight;
      out.append("<text x=\"")
          .append(LABEL_WIDTH)
          .append("\" y=\"")
          .append(Svg.coord(top + rowHeight / 2.0 + 3))
          .append("\" text-anchor=\"end\"><title>")
          .append(Html.escape(label))
          .append("</title>")
          .append(Html.escape(ReportFormat.displayValue(label, 20)))
          .append("</text>");
      for (int s = 0; s < n; s++) {
        Double freq = frequencies.get(s).get(label);
        if (freq == null || !(totals[s] > 0)) {
          continue;
        }
        double share = freq / totals[s];
        double width = max > 0 ? Math.max(1, barSpace * share / max) : 1;
        double y = top + s * barHeight + 1;
        out.append("<rect class=\"f")
            .append(ReportStyle.color(s))
            .append("\" x=\"")
            .append(Svg.coord(barLeft))
            .append("\" y=\"")
            .append(Svg.coord(y))
            .append("\" width=\"")
            .append(Svg.coord(width))
            .append("\" height=\"")
            .append(barHeight - 1)
            .append("\"><title>")
            .append(Html.escape(splits.get(s)))
            .append(": ")
            .append(compact(freq))
            .append(" (")
            .append(Html.escape(percent(freq, totals[s])))
            .append(")</title></rect>");
        if (single) {
          svg.text(barLeft + width + 3, y + barHeight - 2, "start", compact(freq));
        }
      }
      row++;
    }
    svg.close();
  }
}
