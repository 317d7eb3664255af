package io.millrace.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.csv.CsvFormatReader;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureSpec;
import io.millrace.record.FeatureType;
import io.millrace.testing.CollectingSink;
import io.millrace.testing.SharedData;
import io.millrace.tfmd.CustomStatistic;
import io.millrace.tfmd.DatasetFeatureStatistics;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.tfmd.FeatureNameStatistics;
import io.millrace.tfmd.Histogram;
import io.millrace.tfmd.NumericStatistics;
import io.millrace.tfmd.StringStatistics;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Statistics of the taxi training data against values computed here, independently, from the CSV
 * text: exact counts, means, population standard deviations and distinct counts.
 */
class StatisticsAccumulatorTest {
  private static final Path TRAIN = SharedData.path("taxi/tutorial/train.csv");

  private static List<Example> examples;
  private static ExampleSchema schema;

  /** Column name to its raw cells, "" for empty. */
  private static Map<String, List<String>> columns;

  @BeforeAll
  static void read() throws IOException {
    CollectingSink sink = CollectingSink.read(new CsvFormatReader(FormatOptions.defaults()), TRAIN);
    assertEquals(List.of(), sink.deadLetters);
    examples = sink.examples;
    schema = examples.get(0).schema();
    columns = new HashMap<>();
    // The file has no quoted cells, so a plain split reads it independently of the CSV reader.
    List<String> lines = Files.readAllLines(TRAIN, StandardCharsets.UTF_8);
    String[] header = lines.get(0).split(",", -1);
    for (String h : header) {
      columns.put(h, new ArrayList<>());
    }
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split(",", -1);
      assertEquals(header.length, cells.length, line);
      for (int i = 0; i < header.length; i++) {
        columns.get(header[i]).add(cells[i]);
      }
    }
  }

  private static DatasetFeatureStatistics allExamples(StatisticsOptions options) {
    StatisticsAccumulator acc = StatisticsAccumulator.create(schema, options);
    examples.forEach(acc::add);
    DatasetFeatureStatisticsList list = acc.toProto();
    assertEquals(StatisticsAccumulator.ALL_EXAMPLES, list.getDatasets(0).getName());
    return list.getDatasets(0);
  }

  private static FeatureNameStatistics feature(DatasetFeatureStatistics stats, String name) {
    return stats.getFeaturesList().stream()
        .filter(f -> f.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static double[] numbers(String column) {
    return columns.get(column).stream()
        .filter(s -> !s.isEmpty())
        .mapToDouble(Double::parseDouble)
        .toArray();
  }

  @Test
  void countsMeansAndPopulationStdMatchTheRawCsv() {
    DatasetFeatureStatistics stats = allExamples(StatisticsOptions.defaults());
    assertEquals(10_000, stats.getNumExamples());
    assertEquals(columns.size(), stats.getFeaturesCount());
    for (String column :
        List.of(
            "fare", "trip_miles", "trip_seconds", "dropoff_census_tract", "trip_start_timestamp")) {
      double[] x = numbers(column);
      NumericStatistics num = feature(stats, column).getNumStats();
      double mean = Arrays.stream(x).sum() / x.length;
      double variance = Arrays.stream(x).map(v -> (v - mean) * (v - mean)).sum() / x.length;
      assertEquals(x.length, num.getCommonStats().getNumNonMissing(), column);
      assertEquals(10_000 - x.length, num.getCommonStats().getNumMissing(), column);
      assertEquals(mean, num.getMean(), Math.abs(mean) * 1e-12, column);
      assertEquals(Math.sqrt(variance), num.getStdDev(), Math.sqrt(variance) * 1e-9, column);
      assertEquals(Arrays.stream(x).min().orElseThrow(), num.getMin(), column);
      assertEquals(Arrays.stream(x).max().orElseThrow(), num.getMax(), column);
      assertEquals(Arrays.stream(x).filter(v -> v == 0).count(), num.getNumZeros(), column);
      assertMedianWithinRankError(x, num.getMedian(), column);
    }
  }

  private static void assertMedianWithinRankError(double[] x, double median, String column) {
    long below = Arrays.stream(x).filter(v -> v < median).count();
    long atOrBelow = Arrays.stream(x).filter(v -> v <= median).count();
    double tolerance = 0.01 * x.length;
    assertTrue(
        below <= x.length / 2.0 + tolerance && atOrBelow >= x.length / 2.0 - tolerance,
        column + " median " + median + " has rank " + below + ".." + atOrBelow);
  }

  @Test
  void stringFeaturesHaveExactDistinctCountsTopValuesAndLengths() {
    DatasetFeatureStatistics stats = allExamples(StatisticsOptions.defaults());
    for (String column : List.of("payment_type", "company")) {
      List<String> present = columns.get(column).stream().filter(s -> !s.isEmpty()).toList();
      Map<String, Long> counts =
          present.stream().collect(Collectors.groupingBy(s -> s, Collectors.counting()));
      FeatureNameStatistics f = feature(stats, column);
      assertEquals(FeatureNameStatistics.Type.STRING, f.getType());
      StringStatistics s = f.getStringStats();
      assertEquals(counts.size(), s.getUnique(), column);
      assertEquals(present.size(), s.getCommonStats().getNumNonMissing(), column);
      long topCount = counts.values().stream().mapToLong(Long::longValue).max().orElseThrow();
      assertEquals(topCount, s.getTopValues(0).getFrequency(), column);
      assertEquals(topCount, counts.get(s.getTopValues(0).getValue()), column);
      assertEquals(Math.min(20, counts.size()), s.getTopValuesCount(), column);
      assertEquals(counts.size(), s.getRankHistogram().getBucketsCount(), column);
      double avgLength =
          present.stream().mapToInt(v -> v.getBytes(StandardCharsets.UTF_8).length).sum()
              / (double) present.size();
      assertEquals(avgLength, s.getAvgLength(), 1e-4, column);
      assertEquals("exact", custom(f, CustomStatisticNames.UNIQUE_METHOD).getStr());
    }
  }

  @Test
  void integerFeaturesReportTheirDistinctCount() {
    DatasetFeatureStatistics stats = allExamples(StatisticsOptions.defaults());
    long hours =
        columns.get("trip_start_hour").stream().filter(s -> !s.isEmpty()).distinct().count();
    assertEquals(hours, (long) custom(feature(stats, "trip_start_hour"), "unique").getNum());
  }

  @Test
  void quantilesAreExactForFewDistinctValuesAndSketchedBeyond() {
    DatasetFeatureStatistics stats = allExamples(StatisticsOptions.defaults());
    double[] hours = numbers("trip_start_hour");
    Arrays.sort(hours);
    FeatureNameStatistics hour = feature(stats, "trip_start_hour");
    assertEquals(0, custom(hour, CustomStatisticNames.QUANTILES_RANK_ERROR).getNum());
    assertEquals(hours[(int) Math.ceil(hours.length / 2.0) - 1], hour.getNumStats().getMedian());
    long distinct = Arrays.stream(numbers("trip_start_timestamp")).distinct().count();
    assertTrue(distinct > NumericValues.EXACT_LIMIT);
    double error =
        custom(feature(stats, "trip_start_timestamp"), CustomStatisticNames.QUANTILES_RANK_ERROR)
            .getNum();
    assertTrue(error > 0 && error <= 0.01, "rank error " + error);
  }

  @Test
  void histogramsCoverEveryFiniteValue() {
    FeatureNameStatistics fare = feature(allExamples(StatisticsOptions.defaults()), "fare");
    Histogram standard = fare.getNumStats().getHistograms(0);
    Histogram quantiles = fare.getNumStats().getHistograms(1);
    assertEquals(Histogram.HistogramType.STANDARD, standard.getType());
    assertEquals(Histogram.HistogramType.QUANTILES, quantiles.getType());
    assertEquals(10, standard.getBucketsCount());
    double total = standard.getBucketsList().stream().mapToDouble(b -> b.getSampleCount()).sum();
    assertEquals(numbers("fare").length, total, 1e-6);
    assertEquals(fare.getNumStats().getMin(), standard.getBuckets(0).getLowValue());
    assertEquals(fare.getNumStats().getMax(), standard.getBuckets(9).getHighValue());
    // Equal-width counts from the sketch are within its rank error of the exact counts.
    double[] x = numbers("fare");
    for (Histogram.Bucket b : standard.getBucketsList()) {
      long exact =
          Arrays.stream(x)
              .filter(
                  v ->
                      v >= b.getLowValue() && (v < b.getHighValue() || b == standard.getBuckets(9)))
              .count();
      assertEquals(exact, b.getSampleCount(), 2 * 0.01 * x.length);
    }
  }

  @Test
  void partialResultsMergedThroughTheirSerializedFormEqualOnePass() throws IOException {
    StatisticsOptions options = StatisticsOptions.defaults().withSlice("payment_type");
    StatisticsAccumulator whole = StatisticsAccumulator.create(schema, options);
    examples.forEach(whole::add);

    StatisticsAccumulator merged = null;
    int parts = 7;
    for (int p = 0; p < parts; p++) {
      StatisticsAccumulator part = StatisticsAccumulator.create(schema, options);
      for (int i = p; i < examples.size(); i += parts) {
        part.add(examples.get(i));
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      part.write(new DataOutputStream(bytes));
      StatisticsAccumulator decoded =
          StatisticsAccumulator.read(
              new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), schema, options);
      if (merged == null) {
        merged = decoded;
      } else {
        merged.merge(decoded);
      }
    }
    DatasetFeatureStatisticsList a = whole.toProto();
    DatasetFeatureStatisticsList b = merged.toProto();
    assertEquals(a.getDatasetsCount(), b.getDatasetsCount());
    for (int d = 0; d < a.getDatasetsCount(); d++) {
      assertEquals(a.getDatasets(d).getName(), b.getDatasets(d).getName());
      assertEquals(a.getDatasets(d).getNumExamples(), b.getDatasets(d).getNumExamples());
      for (int f = 0; f < a.getDatasets(d).getFeaturesCount(); f++) {
        FeatureNameStatistics fa = a.getDatasets(d).getFeatures(f);
        FeatureNameStatistics fb = b.getDatasets(d).getFeatures(f);
        if (fa.hasStringStats()) {
          assertEquals(fa.getStringStats(), fb.getStringStats(), fa.getName());
        } else {
          NumericStatistics na = fa.getNumStats();
          NumericStatistics nb = fb.getNumStats();
          assertEquals(na.getCommonStats(), nb.getCommonStats(), fa.getName());
          assertEquals(na.getMean(), nb.getMean(), Math.abs(na.getMean()) * 1e-12 + 1e-12);
          assertEquals(na.getStdDev(), nb.getStdDev(), Math.abs(na.getStdDev()) * 1e-9 + 1e-12);
          assertEquals(na.getMin(), nb.getMin());
          assertEquals(na.getMax(), nb.getMax());
          assertEquals(na.getNumZeros(), nb.getNumZeros());
        }
      }
    }
  }

  @Test
  void slicesByFeatureValueCountTheirExamples() {
    StatisticsAccumulator acc =
        StatisticsAccumulator.create(
            schema, StatisticsOptions.defaults().withSlice("payment_type"));
    examples.forEach(acc::add);
    Map<String, Long> expected =
        columns.get("payment_type").stream()
            .filter(s -> !s.isEmpty())
            .collect(Collectors.groupingBy(s -> "payment_type_" + s, Collectors.counting()));
    Map<String, Long> actual = new HashMap<>();
    List<DatasetFeatureStatistics> datasets = acc.toProto().getDatasetsList();
    datasets.subList(1, datasets.size()).forEach(d -> actual.put(d.getName(), d.getNumExamples()));
    assertEquals(expected, actual);
  }

  @Test
  void weightedMeanAndCountsUseTheWeightFeature() {
    DatasetFeatureStatistics stats =
        allExamples(StatisticsOptions.defaults().withWeightFeature("trip_start_day"));
    List<String> fare = columns.get("fare");
    List<String> day = columns.get("trip_start_day");
    double weightSum = 0;
    double weighted = 0;
    double allWeights = 0;
    for (int i = 0; i < fare.size(); i++) {
      double w = day.get(i).isEmpty() ? 1 : Double.parseDouble(day.get(i));
      allWeights += w;
      if (!fare.get(i).isEmpty()) {
        weightSum += w;
        weighted += w * Double.parseDouble(fare.get(i));
      }
    }
    assertEquals(allWeights, stats.getWeightedNumExamples(), 1e-9);
    NumericStatistics num = feature(stats, "fare").getNumStats();
    assertEquals(weightSum, num.getCommonStats().getWeightedCommonStats().getNumNonMissing(), 1e-9);
    assertEquals(weighted / weightSum, num.getWeightedNumericStats().getMean(), 1e-9);
  }

  @Test
  void manyDistinctStringsSwitchToSketchesAndSayIt() {
    DatasetFeatureStatistics stats =
        allExamples(StatisticsOptions.defaults().withExactDistinctLimit(20));
    FeatureNameStatistics company = feature(stats, "company");
    long exact = columns.get("company").stream().filter(s -> !s.isEmpty()).distinct().count();
    assertTrue(exact > 20);
    assertEquals(exact, company.getStringStats().getUnique(), exact * 0.05);
    assertEquals("hll_sketch", custom(company, CustomStatisticNames.UNIQUE_METHOD).getStr());
    assertEquals(0, company.getStringStats().getTopValuesCount());
  }

  @Test
  void topValuesBeyondTheExactLimitComeFromASecondPassThatCountsThemExactly() {
    StatisticsOptions options =
        StatisticsOptions.defaults().withExactDistinctLimit(20).withSlice("payment_type");
    StatisticsAccumulator acc = StatisticsAccumulator.create(schema, options);
    examples.forEach(acc::add);
    DatasetFeatureStatisticsList onePass = acc.toProto();
    Set<ExactTopValues.Target> sketched = ExactTopValues.sketched(onePass);
    assertTrue(
        sketched.contains(new ExactTopValues.Target("All Examples", "company")), "" + sketched);
    Map<ExactTopValues.Target, Map<String, Long>> counts = new HashMap<>();
    ExactTopValues.Values values = new ExactTopValues.Values(schema, options, sketched);
    for (Example e : examples) {
      values.forEach(
          e,
          (target, value) ->
              counts
                  .computeIfAbsent(target, t -> new HashMap<>())
                  .merge(new String(value, StandardCharsets.UTF_8), 1L, Long::sum));
    }
    Map<ExactTopValues.Target, List<StringValues.ValueCount>> top = new HashMap<>();
    counts.forEach(
        (target, byValue) ->
            top.put(
                target,
                byValue.entrySet().stream()
                    .map(
                        v ->
                            new StringValues.ValueCount(
                                v.getKey().getBytes(StandardCharsets.UTF_8), v.getValue(), 0))
                    .toList()));
    DatasetFeatureStatisticsList twoPasses =
        ExactTopValues.withExactTopValues(onePass, top, options);

    // The exact statistics' top values and rank histograms, of every data set and feature.
    StatisticsAccumulator exactAcc =
        StatisticsAccumulator.create(schema, options.withExactDistinctLimit(1_000_000));
    examples.forEach(exactAcc::add);
    DatasetFeatureStatisticsList exact = exactAcc.toProto();
    assertEquals(exact.getDatasetsCount(), twoPasses.getDatasetsCount());
    for (int d = 0; d < exact.getDatasetsCount(); d++) {
      for (int f = 0; f < exact.getDatasets(d).getFeaturesCount(); f++) {
        FeatureNameStatistics a = exact.getDatasets(d).getFeatures(f);
        FeatureNameStatistics b = twoPasses.getDatasets(d).getFeatures(f);
        if (a.hasStringStats()) {
          assertEquals(
              a.getStringStats().getTopValuesList(),
              b.getStringStats().getTopValuesList(),
              a.getName());
          assertEquals(
              a.getStringStats().getRankHistogram(),
              b.getStringStats().getRankHistogram(),
              a.getName());
        }
      }
    }
  }

  @Test
  void specialValuesAndEmptyListsFollowTfdv() {
    ExampleSchema s =
        ExampleSchema.of(
            FeatureSpec.of("x", FeatureType.FLOAT), FeatureSpec.of("b", FeatureType.BYTES));
    StatisticsAccumulator acc = StatisticsAccumulator.create(s, StatisticsOptions.defaults());
    acc.add(
        s.newExample().setFloats(0, 1, Double.NaN).setBytes(1, new byte[] {(byte) 0xff}).build());
    acc.add(s.newExample().setFloats(0, Double.POSITIVE_INFINITY, 3).setBytes(1).build());
    acc.add(s.newExample().setFloats(0).setMissing(1).build());
    DatasetFeatureStatistics stats = acc.toProto().getDatasets(0);
    FeatureNameStatistics x = feature(stats, "x");
    assertEquals(3, x.getNumStats().getCommonStats().getNumNonMissing());
    assertEquals(0, x.getNumStats().getCommonStats().getMinNumValues());
    assertEquals(2, x.getNumStats().getCommonStats().getMaxNumValues());
    assertEquals(4, x.getNumStats().getCommonStats().getTotNumValues());
    assertEquals(2.0, x.getNumStats().getMean());
    assertEquals(Double.POSITIVE_INFINITY, x.getNumStats().getMax());
    assertEquals(1, x.getNumStats().getHistograms(0).getNumNan());
    assertEquals(1, custom(x, CustomStatisticNames.NUM_NAN).getNum());
    assertEquals(1, custom(x, CustomStatisticNames.NUM_POS_INF).getNum());
    FeatureNameStatistics b = feature(stats, "b");
    assertEquals(FeatureNameStatistics.Type.BYTES, b.getType());
    assertEquals(1, custom(b, CustomStatisticNames.NUM_INVALID_UTF8).getNum());
    assertEquals(2, b.getBytesStats().getCommonStats().getNumNonMissing());
    assertEquals(1, b.getBytesStats().getCommonStats().getNumMissing());
  }

  private static CustomStatistic custom(FeatureNameStatistics f, String name) {
    return f.getCustomStatsList().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(f.getName() + " has no custom stat " + name));
  }
}
