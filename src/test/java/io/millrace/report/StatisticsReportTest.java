package io.millrace.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.LocalSourceFile;
import io.millrace.ingest.csv.CsvFormatReader;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.stats.StatisticsAccumulator;
import io.millrace.stats.StatisticsOptions;
import io.millrace.testing.CollectingSink;
import io.millrace.testing.SharedData;
import io.millrace.tfmd.Anomalies;
import io.millrace.tfmd.AnomalyInfo;
import io.millrace.tfmd.DatasetFeatureStatistics;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.tfmd.FeatureNameStatistics;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class StatisticsReportTest {
  private static final Path TRAIN = SharedData.path("taxi/tutorial/train.csv");
  private static final Path EVAL = SharedData.path("taxi/tutorial/eval.csv");

  private static ExampleSchema schema;
  private static List<Example> trainExamples;
  private static List<Example> evalExamples;

  /** Taxi train and eval statistics, without slices. */
  private static DatasetFeatureStatisticsList train;

  private static DatasetFeatureStatisticsList eval;

  /** The same, sliced by payment type. */
  private static DatasetFeatureStatisticsList trainSliced;

  private static DatasetFeatureStatisticsList evalSliced;

  @TempDir Path dir;

  @BeforeAll
  static void computeTaxiStatistics() throws IOException {
    CsvFormatReader reader = new CsvFormatReader(FormatOptions.defaults());
    // One schema for both splits, inferred from the training data, as a pipeline would.
    schema = reader.inferSchema(List.of(new LocalSourceFile(TRAIN)));
    trainExamples = read(reader, TRAIN);
    evalExamples = read(reader, EVAL);
    StatisticsOptions sliced = StatisticsOptions.defaults().withSlice("payment_type");
    train = statistics(trainExamples, StatisticsOptions.defaults());
    eval = statistics(evalExamples, StatisticsOptions.defaults());
    trainSliced = statistics(trainExamples, sliced);
    evalSliced = statistics(evalExamples, sliced);
  }

  private static List<Example> read(CsvFormatReader reader, Path file) {
    CollectingSink sink = new CollectingSink();
    reader.read(new LocalSourceFile(file), schema, sink);
    assertEquals(List.of(), sink.deadLetters);
    return sink.examples;
  }

  private static DatasetFeatureStatisticsList statistics(
      List<Example> examples, StatisticsOptions options) {
    StatisticsAccumulator stats = StatisticsAccumulator.create(examples.get(0).schema(), options);
    examples.forEach(stats::add);
    return stats.toProto();
  }

  /** Statistics of a CSV text, through the same reader and accumulator as real data. */
  private DatasetFeatureStatisticsList csvStatistics(String name, String csv) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, csv, StandardCharsets.UTF_8);
    CollectingSink sink = CollectingSink.read(new CsvFormatReader(FormatOptions.defaults()), file);
    assertEquals(List.of(), sink.deadLetters);
    return statistics(sink.examples, StatisticsOptions.defaults());
  }

  private static Map<String, DatasetFeatureStatisticsList> splits(Object... nameThenStatistics) {
    Map<String, DatasetFeatureStatisticsList> splits = new LinkedHashMap<>();
    for (int i = 0; i < nameThenStatistics.length; i += 2) {
      splits.put(
          (String) nameThenStatistics[i], (DatasetFeatureStatisticsList) nameThenStatistics[i + 1]);
    }
    return splits;
  }

  private static Anomalies companyAnomaly(String shortDescription, String description) {
    return Anomalies.newBuilder()
        .putAnomalyInfo(
            "company",
            AnomalyInfo.newBuilder()
                .setSeverity(AnomalyInfo.Severity.ERROR)
                .setShortDescription(shortDescription)
                .setDescription(description)
                .addReason(
                    AnomalyInfo.Reason.newBuilder()
                        .setType(AnomalyInfo.Type.ENUM_TYPE_UNEXPECTED_STRING_VALUES)
                        .setShortDescription(shortDescription)
                        .setDescription(description))
                .build())
        .build();
  }

  private static int count(String text, String part) {
    int count = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + part.length())) {
      count++;
    }
    return count;
  }

  // ---------------------------------------------------------------------------------------------
  // Summary table

  @Test
  void summaryTableOfTaxiTrainListsEveryFeatureAndTheExampleCount() {
    DatasetFeatureStatistics all = train.getDatasets(0);
    assertEquals(10_000, all.getNumExamples());
    String table = StatisticsReport.summaryTable(all);

    assertTrue(
        table.startsWith("Statistics of \"All Examples\": 10000 examples, 18 features\n"), table);
    List<String> lines = table.lines().collect(Collectors.toList());
    for (int i = 0; i < schema.size(); i++) {
      String name = schema.name(i);
      assertEquals(
          1,
          lines.stream().filter(l -> l.startsWith("  " + name + " ")).count(),
          name + " has a row in\n" + table);
    }

    FeatureNameStatistics fare = feature(all, "fare");
    String fareRow = row(lines, "fare");
    assertTrue(fareRow.contains(" FLOAT "), fareRow);
    assertTrue(fareRow.contains(" " + ReportFormat.compact(fare.getNumStats().getMean()) + " "));
    assertTrue(fareRow.contains(" " + ReportFormat.compact(fare.getNumStats().getMax()) + " "));
    String paymentRow = row(lines, "payment_type");
    String topPayment = feature(all, "payment_type").getStringStats().getTopValues(0).getValue();
    assertTrue(paymentRow.contains(" STRING "), paymentRow);
    assertTrue(paymentRow.contains(" " + topPayment + " "), paymentRow);
    // Columns line up: the rows of a table are as wide as its header.
    assertTableAligned(lines, "Numeric features");
    assertTableAligned(lines, "String features");
  }

  private static FeatureNameStatistics feature(DatasetFeatureStatistics d, String name) {
    return d.getFeaturesList().stream()
        .filter(f -> f.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static String row(List<String> lines, String feature) {
    return lines.stream().filter(l -> l.startsWith("  " + feature + " ")).findFirst().orElseThrow();
  }

  private static void assertTableAligned(List<String> lines, String title) {
    int start = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith(title + " (")) {
        start = i + 1;
      }
    }
    assertTrue(start > 0, title);
    int header = lines.get(start).length();
    for (int i = start + 1; i < lines.size() && !lines.get(i).isEmpty(); i++) {
      assertEquals(header, lines.get(i).length(), lines.get(i));
    }
  }

  @Test
  void summaryTableFlagsFeaturesWithAnomalies() {
    String table =
        StatisticsReport.summaryTable(
            train.getDatasets(0),
            companyAnomaly(
                "Unexpected string values", "Examples contain values not in the schema"));
    List<String> lines = table.lines().collect(Collectors.toList());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("! company ")), table);
    assertFalse(lines.stream().anyMatch(l -> l.startsWith("! fare ")), table);
    assertTrue(table.contains("Anomalies (1)\n  ! company: Unexpected string values\n"), table);
    assertTrue(
        StatisticsReport.summaryTable(train.getDatasets(0), Anomalies.getDefaultInstance())
            .endsWith("\nNo anomalies.\n"));
  }

  @Test
  void summaryTableMarksSketchedUniqueCountsAndNeutralizesControlCharacters() {
    DatasetFeatureStatisticsList sketched =
        statistics(trainExamples, StatisticsOptions.defaults().withExactDistinctLimit(10));
    List<String> lines =
        StatisticsReport.summaryTable(sketched.getDatasets(0)).lines().collect(Collectors.toList());
    // 'company' has more distinct values than the limit of 10, 'payment_type' fewer.
    assertTrue(row(lines, "company").matches(".* ~\\d+ .*"), row(lines, "company"));
    assertFalse(row(lines, "payment_type").contains("~"), row(lines, "payment_type"));

    String table =
        StatisticsReport.summaryTable(
            DatasetFeatureStatistics.newBuilder()
                .setName("evil\u001b[31m")
                .addFeatures(FeatureNameStatistics.newBuilder().setName("x\u001b]0;pwned\u0007"))
                .build());
    assertFalse(table.contains("\u001b"), table);
    assertFalse(table.contains("\u0007"), table);
  }

  // ---------------------------------------------------------------------------------------------
  // HTML

  @Test
  void htmlHasACardWithAChartPerFeature() throws Exception {
    String html = StatisticsReport.html("Taxi", splits("train", train), null);
    assertEquals(schema.size(), count(html, "<svg"));
    assertTrue(html.contains("<h1>Taxi</h1>"));
    assertFalse(html.contains("<script"), "no scripts");
    String withoutNamespaces =
        html.replace("http://www.w3.org/1999/xhtml", "").replace("http://www.w3.org/2000/svg", "");
    for (String fetch : List.of("http:", "https:", "src=", "url(", "@import", "<link")) {
      assertFalse(withoutNamespaces.contains(fetch), "nothing fetched: " + fetch);
    }
    Document doc = parse(html);
    for (int i = 0; i < schema.size(); i++) {
      Element card = card(doc, schema.name(i));
      assertNotNull(card, schema.name(i));
      assertEquals(1, card.getElementsByTagName("svg").getLength());
    }
    // Numeric features get histogram bars with their bucket bounds on hover; string ones bars.
    Element fare = card(doc, "fare");
    NodeList bars = fare.getElementsByTagName("rect");
    assertTrue(bars.getLength() > 0);
    String hover = bars.item(0).getTextContent();
    assertTrue(hover.matches("train: \\[[-0-9.e]+, [-0-9.ek]+\\): .*"), hover);
    Element payment = card(doc, "payment_type");
    assertTrue(payment.getElementsByTagName("rect").getLength() > 0);
    assertTrue(payment.getTextContent().contains("Cash"));
    assertTrue(html.length() < 200_000, "small: " + html.length());
  }

  @Test
  void htmlEscapesUserData() throws Exception {
    String csv =
        "\"name<i>x</i>\",comment,score\n"
            + "1,<script>alert(1)</script>,1.5\n"
            + "2,<script>alert(1)</script>,2\n"
            + "3,\"a & b \"\"quoted\"\" 'single'\",3\n"
            + "4,bell\u0007here,4\n";
    DatasetFeatureStatisticsList stats = csvStatistics("evil.csv", csv);
    String html =
        StatisticsReport.html(
            "Report of <script>",
            splits("tr<ain>", stats),
            Anomalies.newBuilder()
                .putAnomalyInfo(
                    "comment",
                    AnomalyInfo.newBuilder()
                        .setShortDescription("Bad <b>value</b>")
                        .setDescription("Value <script>alert(2)</script> & more")
                        .build())
                .build());
    assertFalse(html.contains("<script"), "no unescaped script tag");
    assertFalse(html.contains("<i>x</i>"));
    assertFalse(html.contains("<ain>"));
    assertFalse(html.contains("\u0007"));
    assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assertTrue(html.contains("name&lt;i&gt;x&lt;/i&gt;"));
    assertTrue(html.contains("a &amp; b &quot;quoted&quot; &#39;single&#39;"));
    assertTrue(html.contains("Value &lt;script&gt;alert(2)&lt;/script&gt; &amp; more"));

    Document doc = parse(html);
    for (String tag : List.of("script", "b", "i", "ain")) {
      assertEquals(0, doc.getElementsByTagName(tag).getLength(), tag);
    }
    Element comment = card(doc, "comment");
    assertTrue(comment.getTextContent().contains("<script>alert(1)</script>"));
    assertNotNull(card(doc, "name<i>x</i>"));
  }

  @Test
  void htmlShowsAnomaliesFirst() throws Exception {
    Anomalies anomalies =
        companyAnomaly(
            "Unexpected string values",
            "Examples contain values missing from the schema: Acme Taxi (<1%).");
    String html = StatisticsReport.html("Taxi", splits("eval", eval), anomalies);
    int section = html.indexOf("<section id=\"anomalies\"");
    assertTrue(section > 0);
    assertTrue(section < html.indexOf("class=\"card"), "anomalies before the features");
    assertTrue(
        html.contains("Examples contain values missing from the schema: Acme Taxi (&lt;1%)."));
    assertTrue(html.contains("<td>ERROR</td><td>Unexpected string values</td>"));

    Document doc = parse(html);
    Element company = card(doc, "company");
    assertTrue(company.getAttribute("class").contains("anom"));
    assertFalse(card(doc, "fare").getAttribute("class").contains("anom"));
    // The anomalies table links to the card.
    assertTrue(html.contains("<a href=\"#" + company.getAttribute("id") + "\">company</a>"));

    String none =
        StatisticsReport.html("Taxi", splits("eval", eval), Anomalies.getDefaultInstance());
    assertTrue(none.contains("No anomalies found."));
    assertFalse(StatisticsReport.html("Taxi", splits("eval", eval), null).contains("Anomalies"));
  }

  @Test
  void htmlShowsTwoSplitsSideBySideInOneChartPerFeature() throws Exception {
    String html = StatisticsReport.html("Taxi", splits("train", train, "eval", eval), null);
    // One chart per feature for both splits, not one per split.
    assertEquals(schema.size(), count(html, "<svg"));
    assertTrue(html.contains("10,000"), "train examples in the header");
    assertTrue(
        html.contains(String.format("%,d", eval.getDatasets(0).getNumExamples())),
        "eval examples in the header");

    Document doc = parse(html);
    for (String feature : List.of("fare", "trip_miles", "payment_type", "company")) {
      Element card = card(doc, feature);
      NodeList rects = card.getElementsByTagName("rect");
      boolean trainBar = false;
      boolean evalBar = false;
      for (int i = 0; i < rects.getLength(); i++) {
        Element rect = (Element) rects.item(i);
        trainBar |= rect.getAttribute("class").equals("f0");
        evalBar |= rect.getAttribute("class").equals("f1");
        if (rect.getAttribute("class").equals("f1")) {
          assertTrue(rect.getTextContent().startsWith("eval: "), rect.getTextContent());
        }
      }
      assertTrue(trainBar && evalBar, feature + ": bars of both splits in one chart");
      // A column per split in the key numbers.
      Element numbers = (Element) card.getElementsByTagName("table").item(0);
      String head = numbers.getElementsByTagName("tr").item(0).getTextContent();
      assertEquals("traineval", head);
    }
    // Numeric features: a quantiles line per split under the histogram.
    assertEquals(2, card(doc, "fare").getElementsByTagName("g").getLength());
  }

  @Test
  void htmlCollapsesSlicesAfterAllExamplesAndIsWellFormed() throws Exception {
    String html =
        StatisticsReport.html(
            "Taxi by payment type",
            splits("train", trainSliced, "eval", evalSliced),
            companyAnomaly("Unexpected string values", "Examples contain values not in schema"));
    Document doc = parse(html);
    assertEquals("html", doc.getDocumentElement().getLocalName());
    int slices = trainSliced.getDatasetsCount() - 1;
    assertTrue(slices > 2);
    NodeList details = doc.getElementsByTagName("details");
    assertTrue(details.getLength() >= slices, "each train slice collapsed");
    for (int i = 0; i < details.getLength(); i++) {
      assertFalse(((Element) details.item(i)).hasAttribute("open"));
    }
    assertTrue(html.indexOf("<h2>All Examples") < html.indexOf("<details>"));
    assertTrue(html.contains("<summary>payment_type_Cash <span class=\"counts\">train: "));
    // Every card has its chart, All Examples and slices alike.
    NodeList svgs = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "svg");
    assertEquals(
        count(html, "<div class=\"card\"") + count(html, "<div class=\"card anom\""),
        svgs.getLength());
    assertTrue(html.length() < 2_000_000, "size " + html.length());
  }

  @Test
  void htmlChartsAtMostTwentyTopValues() throws Exception {
    StringBuilder a = new StringBuilder("v\n");
    StringBuilder b = new StringBuilder("v\n");
    for (int i = 0; i < 40; i++) {
      for (int n = 0; n <= i % 3; n++) {
        a.append("a").append(i).append('\n');
        b.append("b").append(i).append('\n');
      }
    }
    String html =
        StatisticsReport.html(
            "values",
            splits(
                "a",
                csvStatistics("a.csv", a.toString()),
                "b",
                csvStatistics("b.csv", b.toString())),
            null);
    Element card = card(parse(html), "v");
    NodeList labels = card.getElementsByTagName("text");
    assertEquals(TopValuesChart.MAX_TOP_VALUES, labels.getLength());
  }

  @Test
  void writeHtmlReplacesTheFileAtomically() throws IOException {
    Path file = dir.resolve("reports").resolve("stats.html");
    Map<String, DatasetFeatureStatisticsList> splits =
        splits("train", trainSliced, "eval", evalSliced);
    StatisticsReport.writeHtml(file, "first", splits("train", train), null);
    StatisticsReport.writeHtml(file, "Taxi", splits, null);
    assertEquals(
        StatisticsReport.html("Taxi", splits, null),
        Files.readString(file, StandardCharsets.UTF_8));
    try (Stream<Path> files = Files.list(file.getParent())) {
      assertEquals(List.of(file), files.collect(Collectors.toList()), "no temporary files left");
    }

    // -Dmillrace.report.sample=/tmp/report-sample.html writes a sample report to look at.
    String sample = System.getProperty("millrace.report.sample");
    if (sample != null) {
      StatisticsReport.writeHtml(
          Paths.get(sample),
          "Chicago taxi: train vs eval (sample anomaly added by the test)",
          splits,
          companyAnomaly(
              "Unexpected string values (sample)",
              "A made-up anomaly, to show how the report presents one: examples contain values"
                  + " missing from the schema."));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /** Parses the page as XML: proof that it is well-formed XHTML. */
  private static Document parse(String html) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setNamespaceAware(true);
    factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    factory.setExpandEntityReferences(false);
    DocumentBuilder builder = factory.newDocumentBuilder();
    return builder.parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));
  }

  /** The (first) card of a feature, by the text of its name. */
  private static Element card(Document doc, String feature) {
    NodeList divs = doc.getElementsByTagName("div");
    for (int i = 0; i < divs.getLength(); i++) {
      Element div = (Element) divs.item(i);
      if (!div.getAttribute("class").startsWith("card")
          || div.getAttribute("class").equals("cards")) {
        continue;
      }
      NodeList spans = div.getElementsByTagName("span");
      for (int j = 0; j < spans.getLength(); j++) {
        Element span = (Element) spans.item(j);
        if (span.getAttribute("class").equals("name") && span.getTextContent().equals(feature)) {
          return div;
        }
      }
    }
    return null;
  }
}
