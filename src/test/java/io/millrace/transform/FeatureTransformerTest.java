package io.millrace.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.hash.Hashing;
import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.csv.CsvFormatReader;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.testing.CollectingSink;
import io.millrace.testing.SharedData;
import io.millrace.transform.TransformSpec.VocabularyOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The taxi preprocessing of TFX's example, fitted on the training CSV: constants and vocabularies
 * against values computed here from the CSV text, and the runtime on eval and serving records.
 */
class FeatureTransformerTest {
  static final TransformSpec TAXI =
      TransformSpec.builder()
          .zScore("fare_z", "fare")
          .zScore("trip_miles_z", "trip_miles")
          .zScore("trip_seconds_z", "trip_seconds")
          .vocabulary(
              "payment_type_id", "payment_type", VocabularyOptions.defaults().withNumOovBuckets(10))
          .vocabulary("company_id", "company", VocabularyOptions.defaults().withNumOovBuckets(10))
          .bucketize("pickup_latitude_bucket", "pickup_latitude", 10)
          .bucketize("pickup_longitude_bucket", "pickup_longitude", 10)
          .bucketize("dropoff_latitude_bucket", "dropoff_latitude", 10)
          .bucketize("dropoff_longitude_bucket", "dropoff_longitude", 10)
          .hashedCross("hour_x_day", "trip_start_hour", "trip_start_day", 100)
          .expression("big_tipper", "tips > 0.2 * fare")
          .build();

  private static List<Example> train;
  private static List<String> header;
  private static List<String[]> rows;
  private static FittedTransform fitted;

  @TempDir Path dir;

  static List<Example> read(String file) throws IOException {
    CollectingSink sink =
        CollectingSink.read(
            new CsvFormatReader(FormatOptions.defaults()),
            SharedData.path("taxi/tutorial/" + file));
    assertEquals(List.of(), sink.deadLetters);
    return sink.examples;
  }

  @BeforeAll
  static void fit() throws IOException {
    train = read("train.csv");
    TransformAnalyzer analyzer = TransformAnalyzer.create(TAXI, train.get(0).schema());
    train.forEach(analyzer::add);
    fitted = analyzer.fit("taxi-train");
    List<String> lines =
        Files.readAllLines(SharedData.path("taxi/tutorial/train.csv"), StandardCharsets.UTF_8);
    header = List.of(lines.get(0).split(","));
    rows = new ArrayList<>();
    lines.subList(1, lines.size()).forEach(l -> rows.add(l.split(",", -1)));
  }

  private static List<String> column(String name) {
    int c = header.indexOf(name);
    return rows.stream().map(r -> r[c]).toList();
  }

  private static FittedTransform.Fitted step(String output) {
    return fitted.fitted().stream()
        .filter(f -> f.output().equals(output))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void zScoreConstantsAreTheTrainingMeanAndPopulationStd() {
    for (String feature : List.of("fare", "trip_miles", "trip_seconds")) {
      double[] x =
          column(feature).stream()
              .filter(s -> !s.isEmpty())
              .mapToDouble(Double::parseDouble)
              .toArray();
      double mean = Arrays.stream(x).sum() / x.length;
      double std = Math.sqrt(Arrays.stream(x).map(v -> (v - mean) * (v - mean)).sum() / x.length);
      FittedTransform.Fitted f = step(feature + "_z");
      assertEquals(mean, f.mean(), Math.abs(mean) * 1e-12, feature);
      assertEquals(std, f.std(), std * 1e-9, feature);
    }
  }

  @Test
  void vocabulariesAreByFrequencyThenValueBytesDescendingWithoutTheEmptyString() {
    for (String feature : List.of("payment_type", "company")) {
      Map<String, Long> counts =
          column(feature).stream()
              .filter(s -> !s.isEmpty())
              .collect(Collectors.groupingBy(s -> s, Collectors.counting()));
      List<String> expected =
          counts.keySet().stream()
              .sorted(
                  Comparator.comparing((String v) -> -counts.get(v))
                      .thenComparing(
                          (a, b) ->
                              Arrays.compareUnsigned(
                                  b.getBytes(StandardCharsets.UTF_8),
                                  a.getBytes(StandardCharsets.UTF_8))))
              .toList();
      int index = fitted.fitted().indexOf(step(feature + "_id"));
      List<String> actual =
          fitted.vocabulary(index).stream()
              .map(b -> new String(b, StandardCharsets.UTF_8))
              .toList();
      assertEquals(expected, actual, feature);
    }
  }

  @Test
  void evalValuesNeverSeenInTrainingGoToOutOfVocabularyBuckets() throws IOException {
    FeatureTransformer transformer = fitted.transformer();
    int vocabulary = step("payment_type_id").vocabularySize();
    ExampleSchema out = transformer.outputSchema();
    int id = out.indexOf("payment_type_id");
    int paymentType = -1;
    boolean sawUnseen = false;
    for (Example raw : read("eval.csv")) {
      paymentType = raw.schema().indexOf("payment_type");
      String value = new String(raw.bytes(paymentType)[0], StandardCharsets.UTF_8);
      long got = transformer.apply(raw).int64s(id)[0];
      if (value.equals("Prcard")) {
        sawUnseen = true;
        long hash =
            Long.remainderUnsigned(
                Hashing.farmHashFingerprint64()
                    .hashBytes(value.getBytes(StandardCharsets.UTF_8))
                    .asLong(),
                10);
        assertEquals(vocabulary + hash, got);
      } else {
        assertTrue(got >= 0 && got < vocabulary, value + " -> " + got);
      }
    }
    assertTrue(sawUnseen, "eval has the unseen payment type Prcard");
  }

  @Test
  void theLabelIsTheExpressionAndBucketsCoverTheRange() {
    FeatureTransformer transformer = fitted.transformer();
    ExampleSchema out = transformer.outputSchema();
    List<String> tips = column("tips");
    List<String> fare = column("fare");
    Map<Long, Integer> buckets = new HashMap<>();
    for (int i = 0; i < train.size(); i++) {
      Example t = transformer.apply(train.get(i));
      double tip = Double.parseDouble(tips.get(i));
      double f = Double.parseDouble(fare.get(i));
      assertEquals(tip > 0.2 * f ? 1L : 0L, t.int64s(out.indexOf("big_tipper"))[0]);
      buckets.merge(t.int64s(out.indexOf("pickup_latitude_bucket"))[0], 1, Integer::sum);
    }
    long maxBucket = buckets.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
    assertTrue(maxBucket <= 9 && buckets.size() > 5, buckets.toString());
  }

  @Test
  void servingRecordsWithoutTheLabelOrWithMissingValuesGetDefaults() throws IOException {
    FeatureTransformer transformer = fitted.transformer();
    List<Example> serving = read("serving.csv");
    assertEquals(-1, serving.get(0).schema().indexOf("tips"));
    ExampleSchema out = transformer.outputSchema();
    for (Example raw : serving) {
      Example t = transformer.apply(raw);
      assertEquals(0L, t.int64s(out.indexOf("big_tipper"))[0]);
    }
    // A record with nothing at all: every output defined, no exception.
    ExampleSchema schema = train.get(0).schema();
    Example.Builder empty = schema.newExample();
    for (int f = 0; f < schema.size(); f++) {
      empty.setMissing(f);
    }
    Example t = transformer.apply(empty.build());
    assertEquals(0.0, t.floats(out.indexOf("fare_z"))[0], 1e-12);
    long companyId = t.int64s(out.indexOf("company_id"))[0];
    assertTrue(companyId >= step("company_id").vocabularySize(), "'' is out of vocabulary");
  }

  @Test
  void theArtifactReadBackTransformsIdentically() throws IOException {
    Path artifact = dir.resolve("transform");
    fitted.write(artifact, false);
    assertTrue(Files.exists(artifact.resolve("vocabularies/company_id.txt")));
    List<String> lines = Files.readAllLines(artifact.resolve("vocabularies/payment_type_id.txt"));
    assertEquals(step("payment_type_id").vocabularySize(), lines.size());
    FeatureTransformer loaded = FeatureTransformer.load(artifact);
    assertEquals(fitted.fingerprint(), loaded.fitted().fingerprint());
    FeatureTransformer original = fitted.transformer();
    for (Example raw : read("eval.csv")) {
      assertEquals(original.apply(raw), loaded.apply(raw));
    }
  }
}
