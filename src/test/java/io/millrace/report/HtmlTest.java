package io.millrace.report;

import static io.millrace.testing.HostileText.ESCAPED;
import static io.millrace.testing.HostileText.HOSTILE;
import static io.millrace.testing.HostileText.assertEscaped;
import static io.millrace.testing.HostileText.parseXhtml;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One escaping for every HTML page Millrace writes: the statistics report and the evaluation report
 * escape a hostile feature name, value, split, slice and model name to the same text, which is safe
 * in XHTML content and attribute values. (The run report, in the pipelines module, is checked by
 * {@code RunReportEscapingTest} with the same strings.)
 */
class HtmlTest {
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
    assertEscaped(html, 8);
    assertEquals(0, parseXhtml(html).getElementsByTagName("script").getLength());
    // The title, the split in the header and the key numbers, the anomaly's feature and texts,
    // the card's name, the top value's tooltip, the slice's summary.
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
    assertEscaped(html, 10);
    assertEquals(0, parseXhtml(html).getElementsByTagName("script").getLength());
    // The title twice, the model's fields, the failure's slice, metric, threshold and message,
    // the slice row.
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
