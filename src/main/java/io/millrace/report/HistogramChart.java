package io.millrace.report;

import static io.millrace.report.ReportFormat.compact;
import static io.millrace.report.ReportFormat.percent;

import io.millrace.tfmd.FeatureNameStatistics;
import io.millrace.tfmd.Histogram;
import java.util.ArrayList;
import java.util.List;

/** The chart of a numeric feature: histograms of the splits on one value axis, and quantiles. */
final class HistogramChart {
  // Geometry, in pixels.
  private static final int PLOT_LEFT = 50;
  private static final int PLOT_RIGHT = SvgCharts.WIDTH - 10;
  private static final int PLOT_TOP = 8;
  private static final int PLOT_HEIGHT = 100;

  private HistogramChart() {}

  /**
   * The STANDARD histograms of the splits on one value axis, as shares of each split's values when
   * there are several splits (so that splits of different sizes compare), and below them each
   * split's quantiles as a line with a tick per quantile and a dot at the median.
   *
   * <p>Splits whose histograms have the same buckets get their bars side by side within each
   * bucket. Otherwise (each split's equal-width buckets span its own range) each bar spans its
   * whole bucket, translucent and overlapping: halving the buckets would misplace the values.
   */
  static void render(StringBuilder out, List<String> splits, List<FeatureNameStatistics> perSplit) {
    Svg svg = new Svg(out);
    int n = perSplit.size();
    Histogram[] standard = new Histogram[n];
    Histogram[] quantiles = new Histogram[n];
    double[] totals = new double[n];
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    int strips = 0;
    for (int s = 0; s < n; s++) {
      FeatureNameStatistics f = perSplit.get(s);
      if (f == null || !f.hasNumStats()) {
        continue;
      }
      standard[s] = ReportFormat.histogram(f.getNumStats(), Histogram.HistogramType.STANDARD);
      quantiles[s] = ReportFormat.histogram(f.getNumStats(), Histogram.HistogramType.QUANTILES);
      for (Histogram h : new Histogram[] {standard[s], quantiles[s]}) {
        if (h == null) {
          continue;
        }
        for (Histogram.Bucket b : h.getBucketsList()) {
          for (double v : new double[] {b.getLowValue(), b.getHighValue()}) {
            if (Double.isFinite(v)) {
              lo = Math.min(lo, v);
              hi = Math.max(hi, v);
            }
          }
        }
      }
      if (standard[s] != null) {
        for (Histogram.Bucket b : standard[s].getBucketsList()) {
          totals[s] += b.getSampleCount();
        }
      }
      if (quantiles[s] != null) {
        strips++;
      }
    }
    if (!(lo <= hi)) {
      lo = 0;
      hi = 1;
    } else if (lo == hi) {
      lo -= 0.5;
      hi += 0.5;
    }
    boolean shares = n > 1;
    double max = 0;
    for (int s = 0; s < n; s++) {
      if (standard[s] != null) {
        for (Histogram.Bucket b : standard[s].getBucketsList()) {
          max = Math.max(max, height(b, totals[s], shares));
        }
      }
    }
    List<Integer> drawn = new ArrayList<>();
    for (int s = 0; s < n; s++) {
      if (standard[s] != null) {
        drawn.add(s);
      }
    }
    boolean sideBySide = sameBuckets(standard);
    int axis = PLOT_TOP + PLOT_HEIGHT;
    int stripTop = axis + 22;
    int height = stripTop + strips * 10 + 4;
    svg.open(SvgCharts.WIDTH, height, sideBySide ? null : "o");
    Scale x = new Scale(lo, hi);

    // Axes and their labels.
    out.append("<path class=\"ax\" d=\"M")
        .append(PLOT_LEFT)
        .append(' ')
        .append(PLOT_TOP)
        .append("V")
        .append(axis)
        .append("H")
        .append(PLOT_RIGHT)
        .append("\"/>");
    svg.text(PLOT_LEFT - 3, PLOT_TOP + 8, "end", shares ? percent(max, 1) : compact(max));
    svg.text(PLOT_LEFT - 3, axis, "end", "0");
    String[] axisLabels = axisLabels(lo, (lo + hi) / 2, hi);
    svg.text(PLOT_LEFT, axis + 12, "start", axisLabels[0]);
    svg.text((PLOT_LEFT + PLOT_RIGHT) / 2.0, axis + 12, "middle", axisLabels[1]);
    svg.text(PLOT_RIGHT, axis + 12, "end", axisLabels[2]);

    int k = sideBySide ? drawn.size() : 1;
    for (int d = 0; d < drawn.size(); d++) {
      int s = drawn.get(d);
      int slotIndex = sideBySide ? d : 0;
      List<Histogram.Bucket> buckets = standard[s].getBucketsList();
      for (int i = 0; i < buckets.size(); i++) {
        Histogram.Bucket b = buckets.get(i);
        if (!(b.getSampleCount() > 0)) {
          continue;
        }
        double x0 = x.at(b.getLowValue());
        double x1 = x.at(b.getHighValue());
        if (x1 - x0 < 3 * k) {
          double middle = (x0 + x1) / 2;
          x0 = middle - 1.5 * k;
          x1 = middle + 1.5 * k;
        }
        double slot = (x1 - x0) / k;
        double gap = slot > 4 ? 0.5 : 0;
        double h = max > 0 ? PLOT_HEIGHT * height(b, totals[s], shares) / max : 0;
        h = Math.max(h, 1);
        boolean last = i == buckets.size() - 1;
        out.append("<rect class=\"f")
            .append(ReportStyle.color(s))
            .append("\" x=\"")
            .append(Svg.coord(x0 + slotIndex * slot + gap))
            .append("\" y=\"")
            .append(Svg.coord(axis - h))
            .append("\" width=\"")
            .append(Svg.coord(Math.max(slot - 2 * gap, 1)))
            .append("\" height=\"")
            .append(Svg.coord(h))
            .append("\"><title>")
            .append(Html.escape(splits.get(s)))
            .append(": [")
            .append(compact(b.getLowValue(), 6))
            .append(", ")
            .append(compact(b.getHighValue(), 6))
            .append(last ? "]: " : "): ")
            .append(compact(b.getSampleCount()))
            .append(" (")
            .append(Html.escape(percent(b.getSampleCount(), totals[s])))
            .append(")</title></rect>");
      }
    }

    // Quantiles: one line per split.
    int strip = 0;
    for (int s = 0; s < n; s++) {
      if (quantiles[s] == null) {
        continue;
      }
      double y = stripTop + strip * 10;
      strip++;
      List<Histogram.Bucket> buckets = quantiles[s].getBucketsList();
      double[] bounds = new double[buckets.size() + 1];
      bounds[0] = buckets.get(0).getLowValue();
      for (int i = 0; i < buckets.size(); i++) {
        bounds[i + 1] = buckets.get(i).getHighValue();
      }
      StringBuilder tip = new StringBuilder(Html.escape(splits.get(s))).append(" quantiles:");
      StringBuilder ticks = new StringBuilder();
      for (int i = 0; i < bounds.length; i++) {
        double q = 100.0 * i / buckets.size();
        tip.append(i == 0 ? " " : ", ")
            .append(q == Math.rint(q) ? Long.toString((long) q) : compact(q, 3))
            .append("%: ")
            .append(compact(bounds[i], 6));
        ticks
            .append('M')
            .append(Svg.coord(x.at(bounds[i])))
            .append(' ')
            .append(Svg.coord(y - 3))
            .append("v6");
      }
      int c = ReportStyle.color(s);
      out.append("<g><title>")
          .append(tip)
          .append("</title><path class=\"l")
          .append(c)
          .append("\" d=\"M")
          .append(Svg.coord(x.at(bounds[0])))
          .append(' ')
          .append(Svg.coord(y))
          .append("H")
          .append(Svg.coord(x.at(bounds[bounds.length - 1])))
          .append(ticks)
          .append("\"/>");
      FeatureNameStatistics f = perSplit.get(s);
      double median = f.getNumStats().getMedian();
      if (Double.isFinite(median)) {
        out.append("<circle class=\"f")
            .append(c)
            .append("\" cx=\"")
            .append(Svg.coord(x.at(median)))
            .append("\" cy=\"")
            .append(Svg.coord(y))
            .append("\" r=\"2.5\"/>");
      }
      out.append("</g>");
    }
    if (strips > 0) {
      svg.text(PLOT_LEFT - 3, stripTop + 3, "end", "quantiles");
    }
    svg.close();
  }

  /** Whether all the histograms present have the same buckets (within rounding). */
  private static boolean sameBuckets(Histogram[] histograms) {
    Histogram first = null;
    for (Histogram h : histograms) {
      if (h == null) {
        continue;
      }
      if (first == null) {
        first = h;
        continue;
      }
      if (h.getBucketsCount() != first.getBucketsCount()) {
        return false;
      }
      for (int i = 0; i < h.getBucketsCount(); i++) {
        Histogram.Bucket a = first.getBuckets(i);
        Histogram.Bucket b = h.getBuckets(i);
        if (!close(a.getLowValue(), b.getLowValue())
            || !close(a.getHighValue(), b.getHighValue())) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean close(double a, double b) {
    return a == b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
  }

  /**
   * Labels for axis values, with as many significant digits as it takes to tell them apart (a
   * narrow range of large values, like census tracts, needs more than 4).
   */
  static String[] axisLabels(double... values) {
    int digits = ReportFormat.distinguishingDigits(values);
    String[] labels = new String[values.length];
    for (int i = 0; i < values.length; i++) {
      labels[i] = compact(values[i], digits);
    }
    return labels;
  }

  private static double height(Histogram.Bucket b, double total, boolean shares) {
    if (!shares) {
      return b.getSampleCount();
    }
    return total > 0 ? b.getSampleCount() / total : 0;
  }

  /** Maps values to x pixels of the plot. */
  private record Scale(double lo, double hi) {
    double at(double v) {
      if (!Double.isFinite(v)) {
        v = v > 0 ? hi : lo;
      }
      double clamped = Math.max(lo, Math.min(hi, v));
      return PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * (clamped - lo) / (hi - lo);
    }
  }
}
