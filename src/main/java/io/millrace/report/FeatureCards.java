package io.millrace.report;

import static io.millrace.report.ReportFormat.common;
import static io.millrace.report.ReportFormat.compact;
import static io.millrace.report.ReportFormat.customNum;
import static io.millrace.report.ReportFormat.percent;
import static io.millrace.report.ReportFormat.totalValues;

import io.millrace.stats.CustomStatisticNames;
import io.millrace.tfmd.AnomalyInfo;
import io.millrace.tfmd.BytesStatistics;
import io.millrace.tfmd.DatasetFeatureStatistics;
import io.millrace.tfmd.FeatureNameStatistics;
import io.millrace.tfmd.NumericStatistics;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The feature cards of the statistics page: per feature its key numbers, a column per split, and
 * its {@link SvgCharts chart}.
 */
final class FeatureCards {
  private final StringBuilder out;
  private final List<String> splits;
  private final Map<String, AnomalyInfo> anomaliesByFeature;

  FeatureCards(
      StringBuilder out, List<String> splits, Map<String, AnomalyInfo> anomaliesByFeature) {
    this.out = out;
    this.splits = splits;
    this.anomaliesByFeature = anomaliesByFeature;
  }

  /**
   * Appends the card of one feature: its name and types, its anomaly, its key numbers per split and
   * its chart.
   *
   * @param id the card's element id, or null
   * @param datasets the data set in each split, null where a split lacks it
   * @param perSplit the feature in each split, null where a split lacks it
   */
  void write(
      String name,
      String id,
      List<DatasetFeatureStatistics> datasets,
      List<FeatureNameStatistics> perSplit) {
    AnomalyInfo anomaly = anomaliesByFeature.get(name);
    out.append("<div class=\"card").append(anomaly == null ? "" : " anom").append('"');
    if (id != null) {
      out.append(" id=\"").append(id).append('"');
    }
    out.append(">\n<h3><span class=\"name\">")
        .append(Html.escape(name))
        .append("</span> <span class=\"type\">")
        .append(Html.escape(types(perSplit)))
        .append("</span>");
    if (anomaly != null) {
      out.append(" <a class=\"badge\" href=\"#anomalies\">anomaly</a>");
    }
    out.append("</h3>\n");
    if (anomaly != null) {
      out.append("<p class=\"bad\">")
          .append(Html.escape(ReportFormat.shortDescription(anomaly)))
          .append("</p>\n");
    }
    keyNumbers(datasets, perSplit);
    SvgCharts.chart(out, splits, perSplit);
    out.append("</div>\n");
  }

  private static String types(List<FeatureNameStatistics> perSplit) {
    Set<String> types = new LinkedHashSet<>();
    for (FeatureNameStatistics f : perSplit) {
      if (f != null) {
        types.add(ReportFormat.typeName(f));
      }
    }
    return String.join(" / ", types);
  }

  private void keyNumbers(
      List<DatasetFeatureStatistics> datasets, List<FeatureNameStatistics> perSplit) {
    boolean numeric = perSplit.stream().anyMatch(f -> f != null && f.hasNumStats());
    boolean string = perSplit.stream().anyMatch(f -> f != null && f.hasStringStats());
    boolean bytes = perSplit.stream().anyMatch(f -> f != null && f.hasBytesStats());
    out.append("<table class=\"k\">\n<tr><th></th>");
    for (int s = 0; s < splits.size(); s++) {
      out.append("<th>")
          .append(ReportStyle.swatch(s))
          .append(Html.escape(splits.get(s)))
          .append("</th>");
    }
    out.append("</tr>\n");
    row(
        datasets,
        perSplit,
        "present",
        (d, f) -> percent(common(f).getNumNonMissing(), d.getNumExamples()),
        true);
    row(datasets, perSplit, "missing", (d, f) -> compact(common(f).getNumMissing()), true);
    if (perSplit.stream().anyMatch(f -> f != null && common(f).getMaxNumValues() > 1)) {
      row(
          datasets,
          perSplit,
          "values/example",
          (d, f) -> compact(common(f).getAvgNumValues()),
          true);
    }
    if (numeric) {
      row(datasets, perSplit, "mean", (d, f) -> center(f, 0), true);
      row(datasets, perSplit, "std dev", (d, f) -> numeric(f, NumericStatistics::getStdDev), true);
      row(
          datasets,
          perSplit,
          "zeros",
          (d, f) ->
              f.hasNumStats() && hasValues(f)
                  ? compact(f.getNumStats().getNumZeros())
                      + " ("
                      + percent(f.getNumStats().getNumZeros(), totalValues(f))
                      + ")"
                  : null,
          true);
      row(datasets, perSplit, "min", (d, f) -> center(f, 1), true);
      row(datasets, perSplit, "median", (d, f) -> center(f, 2), true);
      row(datasets, perSplit, "max", (d, f) -> center(f, 3), true);
      customRow(datasets, perSplit, "NaN", CustomStatisticNames.NUM_NAN);
      customRow(datasets, perSplit, "+inf", CustomStatisticNames.NUM_POS_INF);
      customRow(datasets, perSplit, "-inf", CustomStatisticNames.NUM_NEG_INF);
    }
    if (numeric || string || bytes) {
      row(datasets, perSplit, "unique", (d, f) -> ReportFormat.unique(f), false);
    }
    if (string) {
      topValueRow(perSplit);
      row(
          datasets,
          perSplit,
          "top freq",
          (d, f) -> {
            if (!f.hasStringStats() || f.getStringStats().getTopValuesCount() == 0) {
              return null;
            }
            double freq = f.getStringStats().getTopValues(0).getFrequency();
            return compact(freq) + " (" + percent(freq, totalValues(f)) + ")";
          },
          true);
      row(
          datasets,
          perSplit,
          "avg length",
          (d, f) ->
              f.hasStringStats() && hasValues(f)
                  ? compact(f.getStringStats().getAvgLength())
                  : null,
          true);
    }
    if (string || bytes) {
      customRow(datasets, perSplit, "invalid UTF-8", CustomStatisticNames.NUM_INVALID_UTF8);
    }
    if (bytes) {
      row(
          datasets,
          perSplit,
          "avg bytes",
          (d, f) -> bytes(f, BytesStatistics::getAvgNumBytes),
          true);
      row(
          datasets,
          perSplit,
          "min bytes",
          (d, f) -> bytes(f, BytesStatistics::getMinNumBytes),
          true);
      row(
          datasets,
          perSplit,
          "max bytes",
          (d, f) -> bytes(f, BytesStatistics::getMaxNumBytes),
          true);
    }
    out.append("</table>\n");
  }

  private static boolean hasValues(FeatureNameStatistics f) {
    return common(f).getNumNonMissing() > 0;
  }

  /** The mean, min, median or max of {@link ReportFormat#centers}. */
  private static String center(FeatureNameStatistics f, int which) {
    return f.hasNumStats() && hasValues(f) ? ReportFormat.centers(f.getNumStats())[which] : null;
  }

  private static String numeric(FeatureNameStatistics f, Function<NumericStatistics, Double> get) {
    return f.hasNumStats() && hasValues(f) ? compact(get.apply(f.getNumStats())) : null;
  }

  private static String bytes(FeatureNameStatistics f, Function<BytesStatistics, Float> get) {
    return f.hasBytesStats() && hasValues(f) ? compact(get.apply(f.getBytesStats())) : null;
  }

  private interface Cell {
    /** The text of a cell (not yet escaped), or null when it does not apply. */
    String text(DatasetFeatureStatistics dataset, FeatureNameStatistics feature);
  }

  private void row(
      List<DatasetFeatureStatistics> datasets,
      List<FeatureNameStatistics> perSplit,
      String label,
      Cell cell,
      boolean always) {
    String[] texts = new String[perSplit.size()];
    boolean any = false;
    for (int s = 0; s < texts.length; s++) {
      FeatureNameStatistics f = perSplit.get(s);
      texts[s] = f == null ? null : cell.text(datasets.get(s), f);
      any |= texts[s] != null;
    }
    if (!any && !always) {
      return;
    }
    out.append("<tr><th>").append(label).append("</th>");
    for (String text : texts) {
      out.append("<td>")
          .append(text == null ? ReportStyle.NONE : Html.escape(text))
          .append("</td>");
    }
    out.append("</tr>\n");
  }

  /** A row for a count kept as a custom statistic, shown only when some split has any. */
  private void customRow(
      List<DatasetFeatureStatistics> datasets,
      List<FeatureNameStatistics> perSplit,
      String label,
      String name) {
    boolean any = false;
    for (FeatureNameStatistics f : perSplit) {
      any |= f != null && customNum(f, name) > 0;
    }
    if (any) {
      row(
          datasets,
          perSplit,
          label,
          (d, f) -> {
            double n = customNum(f, name);
            return Double.isNaN(n) ? null : compact(n);
          },
          true);
    }
  }

  private void topValueRow(List<FeatureNameStatistics> perSplit) {
    out.append("<tr><th>top</th>");
    for (FeatureNameStatistics f : perSplit) {
      if (f == null || !f.hasStringStats() || f.getStringStats().getTopValuesCount() == 0) {
        out.append("<td>").append(ReportStyle.NONE).append("</td>");
      } else {
        String value = f.getStringStats().getTopValues(0).getValue();
        out.append("<td title=\"")
            .append(Html.escape(value))
            .append("\">")
            .append(Html.escape(ReportFormat.displayValue(value, 20)))
            .append("</td>");
      }
    }
    out.append("</tr>\n");
  }
}
