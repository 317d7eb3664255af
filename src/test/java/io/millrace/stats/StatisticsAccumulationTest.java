package io.millrace.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.csv.CsvFormatReader;
import io.millrace.record.Example;
import io.millrace.testing.CollectingSink;
import io.millrace.testing.MergeLaws;
import io.millrace.testing.ProtoAssert;
import io.millrace.testing.SharedData;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The statistics as a mergeable accumulation, on the real penguins records. */
class StatisticsAccumulationTest {

  private static List<Example> penguins() throws IOException {
    CollectingSink sink =
        CollectingSink.read(
            new CsvFormatReader(FormatOptions.defaults().withMissingValues(Set.of("NA"))),
            SharedData.path("penguins/penguins.csv"));
    assertEquals(344, sink.examples.size());
    return sink.examples;
  }

  @Test
  void recordsCutInRandomPartsAndMergedGiveTheOnePassStatistics() throws IOException {
    List<Example> records = penguins();
    StatisticsAccumulation accumulation =
        new StatisticsAccumulation(
            records.get(0).schema(),
            StatisticsOptions.defaults()
                .withSlice("species")
                .withSlice("island", "sex")
                .withWeightFeature("year"));
    MergeLaws.assertPartsMergeToOnePass(
        accumulation,
        records,
        7,
        (onePass, merged) -> ProtoAssert.assertEqualsWithin(onePass, merged, 1e-12));
  }

  @Test
  void taxiRecordsInAnyOrderCutAndMergedAnyWayGiveByteIdenticalStatistics() throws IOException {
    List<Example> records =
        CollectingSink.read(
                new CsvFormatReader(FormatOptions.defaults()),
                SharedData.path("taxi/simple/data.csv"))
            .examples;
    // Timestamps, coordinates and fares have thousands of distinct values: the quantiles leave
    // exact counting for buckets, at the default accuracy and at a coarse one.
    for (StatisticsOptions options :
        List.of(
            StatisticsOptions.defaults().withSlice("payment_type").withWeightFeature("trip_miles"),
            StatisticsOptions.defaults().withQuantilesSketchK(20))) {
      MergeLaws.assertAnyCutAndMergeOrderGivesIdenticalBytes(
          new StatisticsAccumulation(records.get(0).schema(), options),
          records,
          17,
          6,
          statistics -> statistics.toByteArray());
    }
  }

  @Test
  void aSliceFeatureTheSchemaLacksIsRefusedAtConstruction() throws IOException {
    List<Example> records = penguins();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new StatisticsAccumulation(
                    records.get(0).schema(), StatisticsOptions.defaults().withSlice("colour")));
    assertEquals(true, e.getMessage().contains("colour"), e.getMessage());
  }
}
