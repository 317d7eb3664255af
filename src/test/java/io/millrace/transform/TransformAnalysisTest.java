package io.millrace.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.csv.CsvFormatReader;
import io.millrace.record.Example;
import io.millrace.testing.CollectingSink;
import io.millrace.testing.MergeLaws;
import io.millrace.testing.SharedData;
import io.millrace.transform.TransformSpec.VocabularyOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The transform analyzers as a mergeable accumulation, on the real penguins records. */
class TransformAnalysisTest {
  private static final TransformSpec SPEC =
      TransformSpec.builder()
          .zScore("bill_length_z", "bill_length_mm")
          .scaleTo01("bill_depth_01", "bill_depth_mm")
          .bucketize("flipper_bucket", "flipper_length_mm", 4)
          .log1p("mass_log", "body_mass_g")
          .clip("mass_clipped", "body_mass_g", 3000, 5000)
          .passthrough("year", "year")
          .vocabulary("island_id", "island", VocabularyOptions.defaults().withNumOovBuckets(1))
          .vocabulary("sex_id", "sex", VocabularyOptions.defaults().withTopK(1))
          .hashStrings("species_hash", "species", 8)
          .expression("heavy", "body_mass_g > 4000")
          .build();

  @Test
  void recordsCutInRandomPartsAndMergedFitTheOnePassTransform() throws IOException {
    List<Example> records =
        CollectingSink.read(
                new CsvFormatReader(FormatOptions.defaults().withMissingValues(Set.of("NA"))),
                SharedData.path("penguins/penguins.csv"))
            .examples;
    TransformAnalysis analysis = new TransformAnalysis(SPEC, records.get(0).schema(), "penguins");
    MergeLaws.assertPartsMergeToOnePass(
        analysis, records, 11, TransformAnalysisTest::assertSameFit);
  }

  @Test
  void taxiRecordsInAnyOrderCutAndMergedAnyWayFitByteIdenticalConstants() throws IOException {
    List<Example> records =
        CollectingSink.read(
                new CsvFormatReader(FormatOptions.defaults()),
                SharedData.path("taxi/simple/data.csv"))
            .examples;
    TransformSpec spec =
        TransformSpec.builder()
            .zScore("fare_z", "fare")
            .zScore("timestamp_z", "trip_start_timestamp")
            .scaleTo01("latitude_01", "pickup_latitude")
            .bucketize("longitude_bucket", "pickup_longitude", 10)
            .bucketize("miles_bucket", "trip_miles", 20)
            .vocabulary("company_id", "company", VocabularyOptions.defaults())
            .build();
    TransformAnalysis analysis = new TransformAnalysis(spec, records.get(0).schema(), "taxi");
    MergeLaws.assertAnyCutAndMergeOrderGivesIdenticalBytes(
        analysis, records, 19, 6, TransformAnalysisTest::fittedBytes);
  }

  /** The fitted constants and vocabularies, as bytes. */
  private static byte[] fittedBytes(FittedTransform fit) {
    try {
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      bytes.write(fit.fingerprint().getBytes(StandardCharsets.UTF_8));
      bytes.write(
          new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(fit.fitted()));
      for (int i = 0; i < fit.fitted().size(); i++) {
        for (byte[] term : fit.vocabulary(i)) {
          bytes.write(term);
          bytes.write('\n');
        }
      }
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static void assertSameFit(FittedTransform expected, FittedTransform actual) {
    assertEquals(expected.inputSchema(), actual.inputSchema());
    assertEquals(expected.outputSchema(), actual.outputSchema());
    assertEquals(expected.dataFingerprint(), actual.dataFingerprint());
    assertEquals(expected.fitted().size(), actual.fitted().size());
    for (int i = 0; i < expected.fitted().size(); i++) {
      FittedTransform.Fitted e = expected.fitted().get(i);
      FittedTransform.Fitted a = actual.fitted().get(i);
      String step = e.output();
      assertEquals(e.output(), a.output());
      assertEquals(e.kind(), a.kind(), step);
      assertEquals(e.outputType(), a.outputType(), step);
      assertClose(e.mean(), a.mean(), step + " mean");
      assertClose(e.std(), a.std(), step + " std");
      assertEquals(e.min(), a.min(), step + " min");
      assertEquals(e.max(), a.max(), step + " max");
      assertClose(e.fill(), a.fill(), step + " fill");
      assertArrayEquals(e.boundaries(), a.boundaries(), step + " boundaries");
      assertEquals(e.vocabularySize(), a.vocabularySize(), step);
      assertEquals(text(expected.vocabulary(i)), text(actual.vocabulary(i)), step);
    }
  }

  private static void assertClose(Double expected, Double actual, String what) {
    if (expected == null || actual == null) {
      assertEquals(expected, actual, what);
    } else {
      assertEquals(expected, actual, 1e-12 * Math.max(1, Math.abs(expected)), what);
    }
  }

  private static List<String> text(List<byte[]> values) {
    return values.stream().map(v -> new String(v, StandardCharsets.UTF_8)).toList();
  }
}
