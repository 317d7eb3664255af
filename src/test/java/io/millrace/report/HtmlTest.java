package io.millrace.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.evaluate.Evaluation;
import io.millrace.evaluate.EvaluationConfig;
import io.millrace.evaluate.EvaluationReport;
import io.millrace.evaluate.ModelMetrics;
import io.millrace.evaluate.ModelValidation;
import io.millrace.stats.StatisticsAccumulator;
import io.millrace.tfmd.Anomalies;
import io.millrace.tfmd.AnomalyInfo;
import io.millrace.tfmd.CommonStatistics;
import io.millrace.tfmd.DatasetFeatureStatistics;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.tfmd.FeatureNameStatistics;
import io.millrace.tfmd.StringStatistics;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/**
 * One escaping for every HTML page Millrace writes: the statistics report and the evaluation report
 * escape a hostile feature name, value, split, slice and model name to the same text, which is safe
 * in XHTML content and attribute values. (The run report, in the pipelines module, is checked by
 * {@code RunReportEscapingTest} with the same strings.)
 */
class HtmlTest {
  /** Markup, both quotes, an ampersand, control characters, a lone surrogate, a valid pair. */
  static final String HOSTILE =
      "<script>alert('x')</script> \"q\" & bell\u0007nul\u0000del\u007fnel\u0085 lone\ud800"
          + " low\udc00 ffff\uffff pair\ud83d\ude95 tab\tline";

  static final String ESCAPED =
      "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &quot;q&quot; &amp;"
          + " bell\ufffdnul\ufffddel\ufffdnel\ufffd lone\ufffd low\ufffd ffff\ufffd"
          + " pair\ud83d\ude95 tab\tline";

  @Test
  void escapesMarkupQuotesAndReplacesWhatXmlForbids() {
    assertEquals(ESCAPED, Html.escape(HOSTILE));
    assertEquals("plain text, unchanged", Html.escape("plain text, unchanged"));
    assertEquals("", Html.escape(""));
    assertEquals("line\r\nbreaks\n", Html.escape("line\r\nbreaks\n"));
    assertEquals("\ufffd", Html.escape("\ud83d"), "a high surrogate at the end");
    assertEquals("&amp;amp;", Html.escape("&amp;"), "escaped text is escaped again");
  }

  @Test
  void statisticsReportEscapesFeatureNamesValuesSplitsAndSlicesThatWay() throws Exception {
    Map<String, DatasetFeatureStatisticsList> splits = new LinkedHashMap<>();
    splits.put(HOSTILE, statistics());
    String html =
        StatisticsReport.html(
            HOSTILE,
            splits,
            Anomalies.newBuilder()
                .putAnomalyInfo(
                    HOSTILE,
                    AnomalyInfo.newBuilder()
                        .setSeverity(AnomalyInfo.Severity.ERROR)
                        .setShortDescription(HOSTILE)
                        .setDescription(HOSTILE)
                        .build())
                .build());
    assertEscaped(html);
    // The title, the split in the header and the key numbers, the anomaly's feature and texts,
    // the card's name, the top value's tooltip, the slice's summary.
    assertTrue(occurrences(html, ESCAPED) >= 8, html);
  }

  @Test
  void evaluationReportEscapesModelNamesSlicesAndMetricsThatWay() throws Exception {
    Map<String, Map<String, Double>> slices = new LinkedHashMap<>();
    slices.put("", Map.of("example_count", 10.0, "accuracy", 0.5));
    slices.put(HOSTILE, Map.of("example_count", 4.0, "accuracy", 0.25));
    ModelMetrics metrics =
        new ModelMetrics("candidate", "MULTICLASS", 0, slices, Map.of(), List.of(HOSTILE));
    Evaluation.ModelRef model =
        new Evaluation.ModelRef(
            HOSTILE, HOSTILE, HOSTILE, HOSTILE, HOSTILE, Map.of(), List.of(0.9, 0.5), List.of());
    Evaluation evaluation =
        new Evaluation(
            Evaluation.LAYOUT,
            "2024-01-01T00:00:00Z",
            model,
            null,
            EvaluationConfig.defaults(),
            Map.of("candidate", metrics),
            new ModelValidation.Result(
                false,
                List.of(
                    new ModelValidation.Failure(HOSTILE, HOSTILE, 0.25, null, HOSTILE, HOSTILE)),
                List.of(new ModelValidation.Skipped(HOSTILE, "auc", "change", HOSTILE))),
            1.0);
    String html = EvaluationReport.html(evaluation);
    assertEscaped(html);
    // The title twice, the model's fields, the failure's slice, metric, threshold and message,
    // the slice row.
    assertTrue(occurrences(html, ESCAPED) >= 10, html);
  }

  /** No raw hostile text in the page, and it parses as XML (so it is well-formed XHTML). */
  static void assertEscaped(String html) throws Exception {
    assertFalse(html.contains("<script"), "an unescaped script tag");
    assertFalse(html.contains("'x'"), "an unescaped single quote");
    assertFalse(html.contains("\"q\""), "unescaped double quotes");
    for (char c : new char[] {'\u0000', '\u0007', '\u007f', '\u0085', '\uffff'}) {
      assertEquals(-1, html.indexOf(c), "character U+" + Integer.toHexString(c));
    }
    for (int i = 0; i < html.length(); i++) {
      char c = html.charAt(i);
      if (Character.isHighSurrogate(c)) {
        assertTrue(i + 1 < html.length() && Character.isLowSurrogate(html.charAt(++i)));
      } else {
        assertFalse(Character.isLowSurrogate(c), "a lone low surrogate at " + i);
      }
    }
    assertTrue(html.contains(ESCAPED));
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setNamespaceAware(true);
    factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    Document doc =
        factory
            .newDocumentBuilder()
            .parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));
    assertEquals(0, doc.getElementsByTagName("script").getLength());
  }

  static int occurrences(String text, String part) {
    int count = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + part.length())) {
      count++;
    }
    return count;
  }

  /** All Examples and one slice, each with a string feature whose top value is hostile. */
  private static DatasetFeatureStatisticsList statistics() {
    DatasetFeatureStatisticsList.Builder list = DatasetFeatureStatisticsList.newBuilder();
    for (String dataset : List.of(StatisticsAccumulator.ALL_EXAMPLES, HOSTILE)) {
      list.addDatasets(
          DatasetFeatureStatistics.newBuilder()
              .setName(dataset)
              .setNumExamples(3)
              .addFeatures(
                  FeatureNameStatistics.newBuilder()
                      .setName(HOSTILE)
                      .setType(FeatureNameStatistics.Type.STRING)
                      .setStringStats(
                          StringStatistics.newBuilder()
                              .setCommonStats(
                                  CommonStatistics.newBuilder()
                                      .setNumNonMissing(3)
                                      .setMinNumValues(1)
                                      .setMaxNumValues(1)
                                      .setAvgNumValues(1)
                                      .setTotNumValues(3))
                              .setUnique(1)
                              .setAvgLength(HOSTILE.length())
                              .addTopValues(
                                  StringStatistics.FreqAndValue.newBuilder()
                                      .setValue(HOSTILE)
                                      .setFrequency(3)))));
    }
    return list.build();
  }
}
