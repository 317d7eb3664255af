package io.millrace.transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureSpec;
import io.millrace.record.FeatureType;
import io.millrace.stats.CustomStatisticNames;
import io.millrace.stats.StatisticsOptions;
import io.millrace.testing.SharedData;
import io.millrace.testing.TestPipelineExtension;
import io.millrace.tfmd.DatasetFeatureStatistics;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.tfmd.FeatureNameStatistics;
import io.millrace.tfmd.RankHistogram;
import io.millrace.tfmd.StringStatistics;
import io.millrace.transforms.coders.ExampleCoder;
import io.millrace.transforms.io.ExampleFiles;
import io.millrace.transforms.io.InputSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Top values of a string feature with more distinct values than the exact limit: rows of the
 * fertility census sample as one string each, sliced by gender. A frequent-items sketch gave
 * estimates whose values and order depended on how the runner cut the data; the statistics now hold
 * the exact counts in a fixed order.
 */
@ExtendWith(TestPipelineExtension.class)
class ExactTopValuesTest {
  private static final StatisticsOptions OPTIONS =
      StatisticsOptions.defaults().withExactDistinctLimit(500).withSlice("gender1");
  private static final ExampleSchema SCHEMA =
      ExampleSchema.of(
          FeatureSpec.of("row", FeatureType.BYTES), FeatureSpec.of("gender1", FeatureType.BYTES));
  private static final List<String> DATASETS =
      List.of("All Examples", "gender1_female", "gender1_male");

  private static List<String[]> rows;

  @TempDir Path dir;

  @BeforeAll
  static void readRows() throws IOException {
    rows = new ArrayList<>();
    List<String> lines = Files.readAllLines(SharedData.path("fertility/fertility.csv"));
    // Every eighth row: 31,831 rows, 5,875 distinct, more than the sketch holds (3,072).
    for (int i = 8; i < lines.size(); i += 8) {
      String line = lines.get(i);
      String[] fields = line.replace("\"", "").split(",");
      rows.add(new String[] {String.join("|", fields), fields[1]});
    }
  }

  /** The most frequent rows of a data set, counted here: count descending, then bytes ascending. */
  private static List<Map.Entry<String, Long>> expectedTop(String dataset) {
    Map<String, Long> counts =
        rows.stream()
            .filter(r -> dataset.equals("All Examples") || dataset.equals("gender1_" + r[1]))
            .collect(Collectors.groupingBy(r -> r[0], TreeMap::new, Collectors.counting()));
    assertTrue(counts.size() > 500, dataset + " must be beyond the exact limit: " + counts.size());
    Comparator<Map.Entry<String, Long>> order =
        Comparator.comparingLong((Map.Entry<String, Long> e) -> -e.getValue())
            .thenComparing(
                e -> e.getKey().getBytes(StandardCharsets.UTF_8), Arrays::compareUnsigned);
    return counts.entrySet().stream()
        .sorted(order)
        .limit(Math.max(OPTIONS.topK(), OPTIONS.rankHistogramBuckets()))
        .toList();
  }

  private static void assertExactTopValues(DatasetFeatureStatisticsList stats) {
    assertEquals(DATASETS, stats.getDatasetsList().stream().map(d -> d.getName()).toList());
    for (DatasetFeatureStatistics dataset : stats.getDatasetsList()) {
      FeatureNameStatistics row =
          dataset.getFeaturesList().stream()
              .filter(f -> f.getName().equals("row"))
              .findFirst()
              .orElseThrow();
      assertEquals(
          "hll_sketch",
          row.getCustomStatsList().stream()
              .filter(c -> c.getName().equals(CustomStatisticNames.UNIQUE_METHOD))
              .findFirst()
              .orElseThrow()
              .getStr());
      List<Map.Entry<String, Long>> expected = expectedTop(dataset.getName());
      StringStatistics strings = row.getStringStats();
      List<String> actualTop = new ArrayList<>();
      for (StringStatistics.FreqAndValue v : strings.getTopValuesList()) {
        actualTop.add(v.getValue() + "=" + (long) v.getFrequency());
      }
      assertSameList(
          expected.subList(0, OPTIONS.topK()).stream()
              .map(e -> e.getKey() + "=" + e.getValue())
              .toList(),
          actualTop,
          dataset.getName() + " top values");
      List<String> actualRanks = new ArrayList<>();
      for (RankHistogram.Bucket b : strings.getRankHistogram().getBucketsList()) {
        actualRanks.add(b.getLowRank() + ":" + b.getLabel() + "=" + (long) b.getSampleCount());
      }
      List<String> expectedRanks = new ArrayList<>();
      for (int i = 0; i < OPTIONS.rankHistogramBuckets(); i++) {
        expectedRanks.add(i + ":" + expected.get(i).getKey() + "=" + expected.get(i).getValue());
      }
      assertSameList(expectedRanks, actualRanks, dataset.getName() + " rank histogram");
    }
  }

  /** Names the first difference: the lists are a thousand entries long. */
  private static void assertSameList(List<String> expected, List<String> actual, String what) {
    for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
      assertEquals(expected.get(i), actual.get(i), what + ", entry " + i);
    }
    assertEquals(expected.size(), actual.size(), what + ": entries");
  }

  @Test
  void topValuesOfExamplesBeyondTheExactLimitAreExactCounts(TestPipeline pipeline) {
    List<Example> examples = new ArrayList<>();
    for (String[] r : rows) {
      examples.add(SCHEMA.newExample().setString(0, r[0]).setString(1, r[1]).build());
    }
    PCollection<DatasetFeatureStatisticsList> stats =
        pipeline
            .apply(Create.of(examples).withCoder(ExampleCoder.of(SCHEMA)))
            .apply(GenerateStatistics.create().withOptions(OPTIONS));
    PAssert.thatSingleton(stats)
        .satisfies(
            s -> {
              assertExactTopValues(s);
              return null;
            });
    pipeline.run().waitUntilFinish();
  }

  @Test
  void topValuesOfFilesBeyondTheExactLimitAreExactCounts(TestPipeline pipeline) throws IOException {
    // Three files, so that the parts are read and counted apart.
    Path in = Files.createDirectories(dir.resolve("in"));
    for (int f = 0; f < 3; f++) {
      StringBuilder csv = new StringBuilder("row,gender1\n");
      for (int i = f; i < rows.size(); i += 3) {
        csv.append(rows.get(i)[0]).append(',').append(rows.get(i)[1]).append('\n');
      }
      Files.writeString(in.resolve("rows-" + f + ".csv"), csv);
    }
    ExampleFiles files =
        ExampleFiles.of(
            InputSpec.ofSplits(Map.of("train", in.resolve("rows-*.csv").toString()))
                .resolve("all"));
    PCollection<KV<String, DatasetFeatureStatisticsList>> stats =
        pipeline.apply(GenerateStatistics.fromFiles(files).withOptions(OPTIONS)).statistics();
    PAssert.that(stats)
        .satisfies(
            splits -> {
              int seen = 0;
              for (KV<String, DatasetFeatureStatisticsList> split : splits) {
                assertEquals("train", split.getKey());
                assertExactTopValues(split.getValue());
                seen++;
              }
              assertEquals(1, seen);
              return null;
            });
    pipeline.run().waitUntilFinish();
  }
}
