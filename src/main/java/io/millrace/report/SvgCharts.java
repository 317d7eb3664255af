package io.millrace.report;

import io.millrace.tfmd.FeatureNameStatistics;
import io.millrace.tfmd.Histogram;
import java.util.List;

/**
 * The chart of a feature's card, all splits in one: a {@link HistogramChart} for a numeric feature,
 * a {@link TopValuesChart} for a string one, a note when there is nothing to chart.
 */
final class SvgCharts {
  /** The width of every chart, in pixels. */
  static final int WIDTH = 420;

  private SvgCharts() {}

  /**
   * Appends the feature's chart to the page.
   *
   * @param splits the split names, in the order of {@code perSplit}
   * @param perSplit the feature's statistics in each split, null where a split lacks it
   */
  static void chart(StringBuilder out, List<String> splits, List<FeatureNameStatistics> perSplit) {
    boolean numeric = false;
    boolean strings = false;
    for (FeatureNameStatistics f : perSplit) {
      if (f != null && f.hasNumStats()) {
        numeric |=
            ReportFormat.histogram(f.getNumStats(), Histogram.HistogramType.STANDARD) != null;
      }
      if (f != null && f.hasStringStats()) {
        strings |= f.getStringStats().getTopValuesCount() > 0;
      }
    }
    if (numeric) {
      HistogramChart.render(out, splits, perSplit);
    } else if (strings) {
      TopValuesChart.render(out, splits, perSplit);
    } else {
      Svg svg = new Svg(out);
      svg.open(WIDTH, 24);
      out.append("<text x=\"4\" y=\"16\">no values to chart</text>");
      svg.close();
    }
  }
}
