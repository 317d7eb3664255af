package io.millrace.report;

import static io.millrace.report.ReportFormat.compact;
import static io.millrace.report.ReportFormat.featureName;

import io.millrace.stats.StatisticsAccumulator;
import io.millrace.tfmd.Anomalies;
import io.millrace.tfmd.AnomalyInfo;
import io.millrace.tfmd.DatasetFeatureStatistics;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.tfmd.DriftSkewInfo;
import io.millrace.tfmd.FeatureNameStatistics;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Renders {@link StatisticsReport#html}: one self-contained, XHTML-compatible page of the splits'
 * statistics: a header, the anomalies, then per data set (All Examples, then the slices) its {@link
 * FeatureCards feature cards}. Every text that comes from the data goes through {@link
 * Html#escape}.
 */
final class HtmlReport {
  /** The most slices a report shows (the largest ones), to keep the page small. */
  static final int MAX_SLICES = 30;

  private final String title;
  private final List<String> splits = new ArrayList<>();
  private final List<Map<String, DatasetFeatureStatistics>> datasetsBySplit = new ArrayList<>();
  private final Anomalies anomalies;
  private final Map<String, AnomalyInfo> anomaliesByFeature;
  private final StringBuilder out = new StringBuilder(1 << 16);
  private final FeatureCards cards;

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
    this.cards = new FeatureCards(out, splits, anomaliesByFeature);
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
        .append(ReportStyle.css())
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
          .append(ReportStyle.swatch(s))
          .append(Html.escape(splits.get(s)))
          .append("</td><td class=\"n\">")
          .append(
              d == null ? ReportStyle.NONE : String.format(Locale.ROOT, "%,d", d.getNumExamples()))
          .append("</td><td class=\"n\">")
          .append(d == null ? ReportStyle.NONE : Integer.toString(d.getFeaturesCount()))
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
        .append(info.hasSeverity() ? Html.escape(info.getSeverity().name()) : ReportStyle.NONE)
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
        .append(m.hasThreshold() ? compact(m.getThreshold()) : ReportStyle.NONE)
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
          .append(
              d == null ? ReportStyle.NONE : String.format(Locale.ROOT, "%,d", d.getNumExamples()))
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
      cards.write(name, main ? mainCardIds.get(name) : null, datasets, perSplit);
    }
    out.append("</div>\n");
  }
}
