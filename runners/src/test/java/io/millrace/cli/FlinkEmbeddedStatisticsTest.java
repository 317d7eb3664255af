package io.millrace.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.millrace.stage.StatisticsJob;
import io.millrace.testing.SharedData;
import io.millrace.tfmd.DatasetFeatureStatistics;
import io.millrace.tfmd.FeatureNameStatistics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code millrace stats} on embedded Flink gives the DirectRunner's statistics. */
class FlinkEmbeddedStatisticsTest {
  @TempDir Path dir;

  @Test
  void flinkEmbeddedComputesTheDirectRunnersStatisticsOfTfRecordSplits() throws IOException {
    Path taxi = SharedData.path("taxi/tfrecord");
    String[] input = {
      "--input-split", "train=" + taxi.resolve("train") + "/*.gz",
      "--input-split", "eval=" + taxi.resolve("eval") + "/*.gz",
      "--slice", "payment_type"
    };
    MillraceCliTest.Run direct = MillraceCliTest.run(args("direct", input));
    assertEquals(0, direct.exit(), direct.err());
    MillraceCliTest.Run flink =
        MillraceCliTest.run(
            args("flink", input, "--runner", "FlinkRunner", "--flinkMaster", "[local]"));
    assertEquals(0, flink.exit(), flink.err());

    StatisticsJob.Result a = StatisticsJob.Result.open(dir.resolve("direct"));
    StatisticsJob.Result b = StatisticsJob.Result.open(dir.resolve("flink"));
    assertEquals("FlinkRunner", b.manifest().runner());
    assertEquals(9_909, a.manifest().splits().get(0).examples());
    assertEquals(5_091, a.manifest().splits().get(1).examples());
    for (String split : a.statistics().keySet()) {
      var da = a.statistics().get(split);
      var db = b.statistics().get(split);
      assertEquals(da.getDatasetsCount(), db.getDatasetsCount());
      for (int d = 0; d < da.getDatasetsCount(); d++) {
        assertExactPartsEqual(da.getDatasets(d), db.getDatasets(d));
      }
    }
  }

  /**
   * A string feature beyond the exact distinct limit (fertility rows as one string each: 5,875
   * distinct in 31,831 rows, more than the frequent-items sketch holds) gets the same statistics
   * bytes on embedded Flink with parallelism 2 as on the DirectRunner with 1: its top values are
   * counted exactly in a second pass, not estimated by an order-dependent sketch.
   */
  @Test
  void topValuesBeyondTheExactLimitAreTheSameBytesOnFlinkAndTheDirectRunner() throws IOException {
    List<String> lines = Files.readAllLines(SharedData.path("fertility/fertility.csv"));
    Path in = Files.createDirectories(dir.resolve("rows"));
    for (int f = 0; f < 3; f++) {
      StringBuilder csv = new StringBuilder("row,gender1\n");
      for (int i = 8 + 8 * f; i < lines.size(); i += 24) {
        String[] fields = lines.get(i).replace("\"", "").split(",");
        csv.append(String.join("|", fields)).append(',').append(fields[1]).append('\n');
      }
      Files.writeString(in.resolve("rows-" + f + ".csv"), csv);
    }
    String[] input = {
      "--input-split", "train=" + in.resolve("rows-*.csv"),
      "--exact-distinct-limit", "500",
      "--slice", "gender1"
    };
    MillraceCliTest.Run direct = MillraceCliTest.run(args("direct", input, "--parallelism", "1"));
    assertEquals(0, direct.exit(), direct.err());
    MillraceCliTest.Run flink =
        MillraceCliTest.run(
            args(
                "flink",
                input,
                "--runner",
                "FlinkRunner",
                "--flinkMaster",
                "[local]",
                "--parallelism",
                "2"));
    assertEquals(0, flink.exit(), flink.err());
    StatisticsJob.Result a = StatisticsJob.Result.open(dir.resolve("direct"));
    FeatureNameStatistics row = a.statistics().get("train").getDatasets(0).getFeatures(0);
    assertEquals("row", row.getName());
    assertEquals("hll_sketch", row.getCustomStats(0).getStr());
    assertEquals("no|male|male|31|no|no|no|0", row.getStringStats().getTopValues(0).getValue());
    assertEquals(237, row.getStringStats().getTopValues(0).getFrequency());
    for (String split : a.statistics().keySet()) {
      assertArrayEquals(
          Files.readAllBytes(dir.resolve("direct").resolve(split).resolve("stats.pb")),
          Files.readAllBytes(dir.resolve("flink").resolve(split).resolve("stats.pb")),
          split);
    }
  }

  /**
   * Everything but the sketch-based quantities (median, histograms), which are approximate and
   * depend on how the runner bundled the data, must be equal; means up to rounding.
   */
  private static void assertExactPartsEqual(
      DatasetFeatureStatistics a, DatasetFeatureStatistics b) {
    assertEquals(a.getName(), b.getName());
    assertEquals(a.getNumExamples(), b.getNumExamples());
    for (int f = 0; f < a.getFeaturesCount(); f++) {
      FeatureNameStatistics fa = a.getFeatures(f);
      FeatureNameStatistics fb = b.getFeatures(f);
      assertEquals(fa.getName(), fb.getName());
      if (fa.hasStringStats()) {
        assertEquals(fa.getStringStats(), fb.getStringStats(), fa.getName());
      } else if (fa.hasNumStats()) {
        var na = fa.getNumStats();
        var nb = fb.getNumStats();
        assertEquals(na.getCommonStats(), nb.getCommonStats(), fa.getName());
        assertEquals(na.getMin(), nb.getMin(), fa.getName());
        assertEquals(na.getMax(), nb.getMax(), fa.getName());
        assertEquals(na.getNumZeros(), nb.getNumZeros(), fa.getName());
        assertEquals(na.getMean(), nb.getMean(), 1e-9 * Math.abs(na.getMean()), fa.getName());
        assertEquals(na.getStdDev(), nb.getStdDev(), 1e-9 * na.getStdDev(), fa.getName());
      }
    }
  }

  private String[] args(String name, String[] input, String... runner) {
    String[] base = {"stats", "--output", dir.resolve(name).toString()};
    String[] all = new String[base.length + input.length + runner.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(input, 0, all, base.length, input.length);
    System.arraycopy(runner, 0, all, base.length + input.length, runner.length);
    return all;
  }
}
