package io.millrace.report;

import static io.millrace.report.ReportFormat.common;
import static io.millrace.report.ReportFormat.compact;
import static io.millrace.report.ReportFormat.customNum;
import static io.millrace.report.ReportFormat.featureName;
import static io.millrace.report.ReportFormat.percent;
import static io.millrace.report.ReportFormat.totalValues;
import static io.millrace.report.ReportFormat.truncate;

import io.millrace.stats.CustomStatisticNames;
import io.millrace.stats.StatisticsAccumulator;
import io.millrace.tfmd.Anomalies;
import io.millrace.tfmd.AnomalyInfo;
import io.millrace.tfmd.BytesStatistics;
import io.millrace.tfmd.DatasetFeatureStatistics;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.tfmd.DriftSkewInfo;
import io.millrace.tfmd.FeatureNameStatistics;
import io.millrace.tfmd.Histogram;
import io.millrace.tfmd.NumericStatistics;
import io.millrace.tfmd.StringStatistics;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Renders {@link StatisticsReport#html}: one self-contained, XHTML-compatible page. Every text that
 * comes from the data goes through {@link Html#escape}.
 */
final class HtmlReport {
  /** The most values a string feature's chart shows. */
  static final int MAX_TOP_VALUES = 20;

  /** The most slices a report shows (the largest ones), to keep the page small. */
  static final int MAX_SLICES = 30;

  /** Colors of the splits, in order; more splits reuse them. */
  private static final String[] COLORS = {
    "#1a73e8", "#e8710a", "#188038", "#a142f4", "#d01884", "#12b5cb"
  };

  private static final String NONE = "\u2013";
  private static final String SVG_NS = "http://www.w3.org/2000/svg";

  // Chart geometry, in pixels.
  private static final int CHART_WIDTH = 420;
  private static final int PLOT_LEFT = 50;
  private static final int PLOT_RIGHT = CHART_WIDTH - 10;
  private static final int PLOT_TOP = 8;
  private static final int PLOT_HEIGHT = 100;
  private static final int LABEL_WIDTH = 136;

  private final String title;
  private final List<String> splits = new ArrayList<>();
  private final List<Map<String, DatasetFeatureStatistics>> datasetsBySplit = new ArrayList<>();
  private final Anomalies anomalies;
  private final Map<String, AnomalyInfo> anomaliesByFeature;
  private final StringBuilder out = new StringBuilder(1 << 16);

  /** The ids of the cards of the main data set, by feature name: where anomalies link to. */
  private final Map<String, String> mainCardIds = new LinkedHashMap<>();

  HtmlReport(
      String title, Map<String, DatasetFeatureStatisticsList> statsBySplit, Anomalies anomalies) {
    this.title = title;
    for (Map.Entry<String, DatasetFeatureStatisticsList> e : statsBySplit.entrySet()) {
      splits.add(e.getKey());
      Map<String, DatasetFeatureStatistics> byName = new LinkedHashMap<>();
      for (DatasetFeatureStatistics d : e.getValue().getDatasetsList()) {
        byName.putIfAbsent(d.getName(), d);
      }
      datasetsBySplit.add(byName);
    }
    this.anomalies = anomalies;
    this.anomaliesByFeature = ReportFormat.anomaliesByFeature(anomalies);
  }

  String render() {
    List<String> datasets = datasetNames();
    String main = datasets.isEmpty() ? null : datasets.get(0);
    if (main != null) {
      List<String> features = featureNames(main);
      for (int i = 0; i < features.size(); i++) {
        mainCardIds.put(features.get(i), "feature-" + i);
      }
    }

    out.append("<!DOCTYPE html>\n")
        .append("<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n")
        .append("<meta charset=\"utf-8\"/>\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n")
        .append("<title>")
        .append(Html.escape(title))
        .append("</title>\n<style>\n")
        .append(css())
        .append("</style>\n</head>\n<body>\n");
    header(main);
    anomalies();
    if (main == null) {
      out.append("<p class=\"note\">No statistics.</p>\n");
    } else {
      out.append("<section class=\"dataset\">\n<h2>")
          .append(Html.escape(main))
          .append(" <span class=\"counts\">")
          .append(exampleCounts(main))
          .append("</span></h2>\n");
      cards(main, true);
      out.append("</section>\n");
      slices(datasets.subList(1, datasets.size()));
    }
    out.append("</body>\n</html>\n");
    return out.toString();
  }

  // ---------------------------------------------------------------------------------------------
  // Page structure

  private void header(String main) {
    out.append("<header>\n<h1>").append(Html.escape(title)).append("</h1>\n");
    out.append("<table class=\"list\">\n<tr><th>split</th><th>examples</th><th>features</th>")
        .append("<th>slices</th></tr>\n");
    for (int s = 0; s < splits.size(); s++) {
      DatasetFeatureStatistics d = main == null ? null : datasetsBySplit.get(s).get(main);
      out.append("<tr><td>")
          .append(swatch(s))
          .append(Html.escape(splits.get(s)))
          .append("</td><td class=\"n\">")
          .append(d == null ? NONE : String.format(Locale.ROOT, "%,d", d.getNumExamples()))
          .append("</td><td class=\"n\">")
          .append(d == null ? NONE : Integer.toString(d.getFeaturesCount()))
          .append("</td><td class=\"n\">")
          .append(Math.max(0, datasetsBySplit.get(s).size() - 1))
          .append("</td></tr>\n");
    }
    out.append("</table>\n</header>\n");
  }

  private void anomalies() {
    if (anomalies == null) {
      return;
    }
    int count = anomaliesByFeature.size() + (anomalies.hasDatasetAnomalyInfo() ? 1 : 0);
    out.append("<section id=\"anomalies\" class=\"anomalies\">\n<h2>Anomalies (")
        .append(count)
        .append(")</h2>\n");
    if (anomalies.getDataMissing()) {
      out.append("<p class=\"bad\">Data missing: there were no examples to validate.</p>\n");
    }
    if (count == 0) {
      out.append("<p class=\"ok\">No anomalies found.</p>\n");
    } else {
      out.append("<table class=\"list\">\n<tr><th>feature</th><th>severity</th>")
          .append("<th>short description</th><th>description</th></tr>\n");
      if (anomalies.hasDatasetAnomalyInfo()) {
        anomalyRow(null, anomalies.getDatasetAnomalyInfo());
      }
      for (Map.Entry<String, AnomalyInfo> e : anomaliesByFeature.entrySet()) {
        anomalyRow(e.getKey(), e.getValue());
      }
      out.append("</table>\n");
    }
    driftSkew();
    out.append("</section>\n");
  }

  private void anomalyRow(String feature, AnomalyInfo info) {
    out.append("<tr><td>");
    if (feature == null) {
      out.append("<i>(data set)</i>");
    } else if (mainCardIds.containsKey(feature)) {
      out.append("<a href=\"#")
          .append(mainCardIds.get(feature))
          .append("\">")
          .append(Html.escape(feature))
          .append("</a>");
    } else {
      out.append(Html.escape(feature));
    }
    out.append("</td><td>")
        .append(info.hasSeverity() ? Html.escape(info.getSeverity().name()) : NONE)
        .append("</td><td>")
        .append(Html.escape(ReportFormat.shortDescription(info)))
        .append("</td><td>")
        .append(Html.escape(ReportFormat.description(info)));
    if (info.getReasonCount() > 1) {
      out.append("<ul>");
      for (AnomalyInfo.Reason r : info.getReasonList()) {
        out.append("<li>")
            .append(Html.escape(r.getShortDescription()))
            .append(r.getShortDescription().isEmpty() || r.getDescription().isEmpty() ? "" : ": ")
            .append(Html.escape(r.getDescription()))
            .append("</li>");
      }
      out.append("</ul>");
    }
    out.append("</td></tr>\n");
  }

  private void driftSkew() {
    if (anomalies.getDriftSkewInfoCount() == 0) {
      return;
    }
    out.append("<h3>Drift and skew</h3>\n<table class=\"list\">\n<tr><th>feature</th>")
        .append("<th>kind</th><th>measure</th><th>value</th><th>threshold</th></tr>\n");
    for (DriftSkewInfo info : anomalies.getDriftSkewInfoList()) {
      String feature = ReportFormat.pathName(info.getPath());
      for (DriftSkewInfo.Measurement m : info.getDriftMeasurementsList()) {
        measurementRow(feature, "drift", m);
      }
      for (DriftSkewInfo.Measurement m : info.getSkewMeasurementsList()) {
        measurementRow(feature, "skew", m);
      }
    }
    out.append("</table>\n");
  }

  private void measurementRow(String feature, String kind, DriftSkewInfo.Measurement m) {
    boolean over = m.hasThreshold() && m.getValue() > m.getThreshold();
    out.append(over ? "<tr class=\"bad\"><td>" : "<tr><td>")
        .append(Html.escape(feature))
        .append("</td><td>")
        .append(kind)
        .append("</td><td>")
        .append(Html.escape(m.getType().name()))
        .append("</td><td class=\"n\">")
        .append(compact(m.getValue()))
        .append("</td><td class=\"n\">")
        .append(m.hasThreshold() ? compact(m.getThreshold()) : NONE)
        .append("</td></tr>\n");
  }

  private void slices(List<String> names) {
    if (names.isEmpty()) {
      return;
    }
    List<String> shown = new ArrayList<>(names);
    if (shown.size() > MAX_SLICES) {
      List<String> largest = new ArrayList<>(names);
      largest.sort(Comparator.comparingLong(this::totalExamples).reversed());
      Set<String> keep = new LinkedHashSet<>(largest.subList(0, MAX_SLICES));
      shown.retainAll(keep);
    }
    out.append("<section class=\"slices\">\n<h2>Slices (").append(names.size()).append(")</h2>\n");
    if (shown.size() < names.size()) {
      out.append("<p class=\"note\">The ")
          .append(shown.size())
          .append(" largest slices; ")
          .append(names.size() - shown.size())
          .append(" smaller ones are not shown.</p>\n");
    }
    for (String name : shown) {
      out.append("<details>\n<summary>")
          .append(Html.escape(name))
          .append(" <span class=\"counts\">")
          .append(exampleCounts(name))
          .append("</span></summary>\n");
      cards(name, false);
      out.append("</details>\n");
    }
    out.append("</section>\n");
  }

  private long totalExamples(String dataset) {
    long total = 0;
    for (Map<String, DatasetFeatureStatistics> bySplit : datasetsBySplit) {
      DatasetFeatureStatistics d = bySplit.get(dataset);
      total += d == null ? 0 : d.getNumExamples();
    }
    return total;
  }

  private String exampleCounts(String dataset) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < splits.size(); i++) {
      DatasetFeatureStatistics d = datasetsBySplit.get(i).get(dataset);
      if (i > 0) {
        s.append(" \u00b7 ");
      }
      s.append(Html.escape(splits.get(i)))
          .append(": ")
          .append(d == null ? NONE : String.format(Locale.ROOT, "%,d", d.getNumExamples()))
          .append(d != null && d.getNumExamples() == 1 ? " example" : " examples");
    }
    return s.toString();
  }

  /** All Examples (or the first data set seen) first, then the others in order of appearance. */
  private List<String> datasetNames() {
    Set<String> names = new LinkedHashSet<>();
    for (Map<String, DatasetFeatureStatistics> bySplit : datasetsBySplit) {
      if (bySplit.containsKey(StatisticsAccumulator.ALL_EXAMPLES)) {
        names.add(StatisticsAccumulator.ALL_EXAMPLES);
      }
    }
    for (Map<String, DatasetFeatureStatistics> bySplit : datasetsBySplit) {
      names.addAll(bySplit.keySet());
    }
    return new ArrayList<>(names);
  }

  private List<String> featureNames(String dataset) {
    Set<String> names = new LinkedHashSet<>();
    for (Map<String, DatasetFeatureStatistics> bySplit : datasetsBySplit) {
      DatasetFeatureStatistics d = bySplit.get(dataset);
      if (d != null) {
        for (FeatureNameStatistics f : d.getFeaturesList()) {
          names.add(featureName(f));
        }
      }
    }
    return new ArrayList<>(names);
  }

  // ---------------------------------------------------------------------------------------------
  // Feature cards

  private void cards(String dataset, boolean main) {
    List<DatasetFeatureStatistics> datasets = new ArrayList<>();
    List<Map<String, FeatureNameStatistics>> features = new ArrayList<>();
    for (Map<String, DatasetFeatureStatistics> bySplit : datasetsBySplit) {
      DatasetFeatureStatistics d = bySplit.get(dataset);
      datasets.add(d);
      Map<String, FeatureNameStatistics> byName = new LinkedHashMap<>();
      if (d != null) {
        for (FeatureNameStatistics f : d.getFeaturesList()) {
          byName.putIfAbsent(featureName(f), f);
        }
      }
      features.add(byName);
    }
    out.append("<div class=\"cards\">\n");
    for (String name : featureNames(dataset)) {
      List<FeatureNameStatistics> perSplit = new ArrayList<>();
      for (Map<String, FeatureNameStatistics> byName : features) {
        perSplit.add(byName.get(name));
      }
      card(name, main ? mainCardIds.get(name) : null, datasets, perSplit);
    }
    out.append("</div>\n");
  }

  private void card(
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
    chart(perSplit);
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
      out.append("<th>").append(swatch(s)).append(Html.escape(splits.get(s))).append("</th>");
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
      out.append("<td>").append(text == null ? NONE : Html.escape(text)).append("</td>");
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
        out.append("<td>").append(NONE).append("</td>");
      } else {
        String value = f.getStringStats().getTopValues(0).getValue();
        out.append("<td title=\"")
            .append(Html.escape(value))
            .append("\">")
            .append(Html.escape(displayValue(value, 20)))
            .append("</td>");
      }
    }
    out.append("</tr>\n");
  }

  // ---------------------------------------------------------------------------------------------
  // Charts

  private void chart(List<FeatureNameStatistics> perSplit) {
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
      numericChart(perSplit);
    } else if (strings) {
      stringChart(perSplit);
    } else {
      svgOpen(CHART_WIDTH, 24);
      out.append("<text x=\"4\" y=\"16\">no values to chart</text>");
      out.append("</svg>\n");
    }
  }

  private void svgOpen(int width, int height) {
    svgOpen(width, height, null);
  }

  private void svgOpen(int width, int height, String cssClass) {
    out.append("<svg xmlns=\"").append(SVG_NS).append('"');
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

  /**
   * The STANDARD histograms of the splits on one value axis, as shares of each split's values when
   * there are several splits (so that splits of different sizes compare), and below them each
   * split's quantiles as a line with a tick per quantile and a dot at the median.
   *
   * <p>Splits whose histograms have the same buckets get their bars side by side within each
   * bucket. Otherwise (each split's equal-width buckets span its own range) each bar spans its
   * whole bucket, translucent and overlapping: halving the buckets would misplace the values.
   */
  private void numericChart(List<FeatureNameStatistics> perSplit) {
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
    svgOpen(CHART_WIDTH, height, sideBySide ? null : "o");
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
    text(PLOT_LEFT - 3, PLOT_TOP + 8, "end", shares ? percent(max, 1) : compact(max));
    text(PLOT_LEFT - 3, axis, "end", "0");
    String[] axisLabels = axisLabels(lo, (lo + hi) / 2, hi);
    text(PLOT_LEFT, axis + 12, "start", axisLabels[0]);
    text((PLOT_LEFT + PLOT_RIGHT) / 2.0, axis + 12, "middle", axisLabels[1]);
    text(PLOT_RIGHT, axis + 12, "end", axisLabels[2]);

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
            .append(s % COLORS.length)
            .append("\" x=\"")
            .append(coord(x0 + slotIndex * slot + gap))
            .append("\" y=\"")
            .append(coord(axis - h))
            .append("\" width=\"")
            .append(coord(Math.max(slot - 2 * gap, 1)))
            .append("\" height=\"")
            .append(coord(h))
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
            .append(coord(x.at(bounds[i])))
            .append(' ')
            .append(coord(y - 3))
            .append("v6");
      }
      int c = s % COLORS.length;
      out.append("<g><title>")
          .append(tip)
          .append("</title><path class=\"l")
          .append(c)
          .append("\" d=\"M")
          .append(coord(x.at(bounds[0])))
          .append(' ')
          .append(coord(y))
          .append("H")
          .append(coord(x.at(bounds[bounds.length - 1])))
          .append(ticks)
          .append("\"/>");
      FeatureNameStatistics f = perSplit.get(s);
      double median = f.getNumStats().getMedian();
      if (Double.isFinite(median)) {
        out.append("<circle class=\"f")
            .append(c)
            .append("\" cx=\"")
            .append(coord(x.at(median)))
            .append("\" cy=\"")
            .append(coord(y))
            .append("\" r=\"2.5\"/>");
      }
      out.append("</g>");
    }
    if (strips > 0) {
      text(PLOT_LEFT - 3, stripTop + 3, "end", "quantiles");
    }
    out.append("</svg>\n");
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

  /**
   * The top values of the splits as horizontal bars: the first split's top values, then others', at
   * most {@link #MAX_TOP_VALUES}; bar lengths are shares of each split's values.
   */
  private void stringChart(List<FeatureNameStatistics> perSplit) {
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
    double barSpace = CHART_WIDTH - barLeft - (single ? 44 : 8);
    svgOpen(CHART_WIDTH, height);
    int row = 0;
    for (String label : labels) {
      double top = 3 + row * rowHeight;
      out.append("<text x=\"")
          .append(LABEL_WIDTH)
          .append("\" y=\"")
          .append(coord(top + rowHeight / 2.0 + 3))
          .append("\" text-anchor=\"end\"><title>")
          .append(Html.escape(label))
          .append("</title>")
          .append(Html.escape(displayValue(label, 20)))
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
            .append(s % COLORS.length)
            .append("\" x=\"")
            .append(coord(barLeft))
            .append("\" y=\"")
            .append(coord(y))
            .append("\" width=\"")
            .append(coord(width))
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
          text(barLeft + width + 3, y + barHeight - 2, "start", compact(freq));
        }
      }
      row++;
    }
    out.append("</svg>\n");
  }

  private void text(double x, double y, String anchor, String text) {
    out.append("<text x=\"").append(coord(x)).append("\" y=\"").append(coord(y)).append('"');
    if (!anchor.equals("start")) {
      out.append(" text-anchor=\"").append(anchor).append('"');
    }
    out.append('>').append(Html.escape(text)).append("</text>");
  }

  /** Maps values to x pixels of the plot. */
  private static final class Scale {
    private final double lo;
    private final double hi;

    Scale(double lo, double hi) {
      this.lo = lo;
      this.hi = hi;
    }

    double at(double v) {
      if (!Double.isFinite(v)) {
        v = v > 0 ? hi : lo;
      }
      double clamped = Math.max(lo, Math.min(hi, v));
      return PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * (clamped - lo) / (hi - lo);
    }
  }

  /** A pixel coordinate with at most one decimal. */
  static String coord(double v) {
    long tenths = Math.round(v * 10);
    return tenths % 10 == 0
        ? Long.toString(tenths / 10)
        : (tenths < 0 && tenths > -10 ? "-" : "") + (tenths / 10) + "." + Math.abs(tenths % 10);
  }

  // ---------------------------------------------------------------------------------------------
  // Text

  /** A value as shown in a chart or table: cut to {@code max} characters, empty made visible. */
  private static String displayValue(String value, int max) {
    return value.isEmpty() ? "\"\"" : truncate(value, max);
  }

  private static String swatch(int split) {
    return "<span class=\"sw w" + (split % COLORS.length) + "\"></span>";
  }

  private static String css() {
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
