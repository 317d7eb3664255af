package io.millrace.ingest.tfrecord;

import static io.millrace.ingest.tfrecord.TfRecordTestFiles.example;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.NamedCsvRecord;
import io.millrace.ingest.DeadLetter;
import io.millrace.ingest.FileDamage;
import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.InputException;
import io.millrace.ingest.LocalSourceFile;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureSpec;
import io.millrace.record.FeatureType;
import io.millrace.testing.CollectingSink;
import io.millrace.testing.DamagedFiles;
import io.millrace.testing.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TfRecordFormatReaderTest {
  private static final Path TAXI = SharedData.path("taxi");

  private final TfRecordFormatReader reader = new TfRecordFormatReader(FormatOptions.defaults());

  @TempDir Path dir;

  // ---- the shared TFX data ----

  @Test
  void readsTaxiTfxSplitsWithExactCountsAndTypes() throws IOException {
    List<LocalSourceFile> train = files(TAXI.resolve("tfrecord/train"));
    List<LocalSourceFile> eval = files(TAXI.resolve("tfrecord/eval"));
    assertEquals(12, train.size());
    assertEquals(12, eval.size());

    ExampleSchema schema = reader.inferSchema(train);
    assertEquals(18, schema.size());
    assertEquals(FeatureType.BYTES, type(schema, "payment_type"));
    assertEquals(FeatureType.BYTES, type(schema, "company"));
    assertEquals(FeatureType.FLOAT, type(schema, "fare"));
    assertEquals(FeatureType.FLOAT, type(schema, "tips"));
    assertEquals(FeatureType.INT, type(schema, "trip_start_hour"));
    assertEquals(FeatureType.INT, type(schema, "trip_start_timestamp"));
    // Census tracts are empty in many rows, but the sample holds int64 values for them.
    assertEquals(FeatureType.INT, type(schema, "pickup_census_tract"));
    assertEquals("company", schema.name(0), "features are sorted by name");
    // Every eval record has an empty pickup_census_tract, so alone eval cannot tell its type:
    // BYTES.
    ExampleSchema evalAlone = reader.inferSchema(eval);
    assertEquals(FeatureType.BYTES, type(evalAlone, "pickup_census_tract"));
    assertEquals(schema.size(), evalAlone.size());

    long start = System.nanoTime();
    CollectingSink trainSink = read(schema, train);
    CollectingSink evalSink = read(schema, eval);
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        "taxi TFRecord (GZIP): 15000 records in %.3f s = %.0f records/s (cold JVM)%n",
        seconds, 15000 / seconds);
    assertEquals(9909, trainSink.examples.size());
    assertEquals(List.of(), trainSink.deadLetters);
    assertEquals(5091, evalSink.examples.size());
    assertEquals(List.of(), evalSink.deadLetters);

    // The first record of the first train shard, as its bytes hold it.
    Example first = trainSink.examples.get(0);
    assertEquals("Dispatch Taxi Affiliation", string(first, "company"));
    assertEquals("Credit Card", string(first, "payment_type"));
    assertArrayEquals(new double[] {8.85f}, first.floats(schema.indexOf("fare")));
    assertArrayEquals(new long[] {17}, first.int64s(schema.indexOf("trip_start_hour")));
    assertArrayEquals(
        new long[] {1444583700}, first.int64s(schema.indexOf("trip_start_timestamp")));
    // An empty CSV cell became an empty Feature: present, no values.
    int pickupTract = schema.indexOf("pickup_census_tract");
    assertArrayEquals(new long[0], first.int64s(pickupTract));

    for (Example e : concat(trainSink.examples, evalSink.examples)) {
      long hour = e.int64s(schema.indexOf("trip_start_hour"))[0];
      assertTrue(hour >= 0 && hour <= 23, "hour " + hour);
      for (int f = 0; f < schema.size(); f++) {
        assertTrue(!e.isMissing(f), "TFX writes every feature, empty or not: " + e);
      }
    }
  }

  /**
   * The TFRecord splits are TFX's CsvExampleGen output for the taxi CSV without its first two data
   * rows; checked against the CSV read independently, so the parsing is checked against the data.
   */
  @Test
  void taxiTfRecordsAgreeWithTheCsvTheyWereMadeFrom() throws IOException {
    List<LocalSourceFile> all = new ArrayList<>(files(TAXI.resolve("tfrecord/train")));
    all.addAll(files(TAXI.resolve("tfrecord/eval")));
    ExampleSchema schema = reader.inferSchema(all);
    CollectingSink sink = read(schema, all);
    assertEquals(15000, sink.examples.size());

    Map<String, Integer> paymentTypes = new TreeMap<>();
    double fareSum = 0;
    long hourSum = 0;
    int payment = schema.indexOf("payment_type");
    for (Example e : sink.examples) {
      paymentTypes.merge(new String(e.bytes(payment)[0], UTF_8), 1, Integer::sum);
      fareSum += e.floats(schema.indexOf("fare"))[0];
      hourSum += e.int64s(schema.indexOf("trip_start_hour"))[0];
    }

    Map<String, Integer> csvPaymentTypes = new TreeMap<>();
    double csvFareSum = 0;
    long csvHourSum = 0;
    try (CsvReader<NamedCsvRecord> csv =
        CsvReader.builder().ofNamedCsvRecord(TAXI.resolve("simple/data.csv"))) {
      int row = 0;
      for (NamedCsvRecord record : csv) {
        if (++row <= 2) {
          continue;
        }
        csvPaymentTypes.merge(record.getField("payment_type"), 1, Integer::sum);
        csvFareSum += Double.parseDouble(record.getField("fare"));
        csvHourSum += Long.parseLong(record.getField("trip_start_hour"));
      }
    }
    assertEquals(csvPaymentTypes, paymentTypes);
    assertEquals(9909, paymentTypes.get("Cash"));
    assertEquals(csvHourSum, hourSum);
    // tf.Example holds float32: each fare is rounded by at most half a float32 ulp.
    assertEquals(csvFareSum, fareSum, 0.05);
  }

  // ---- encodings and inference ----

  @Test
  void readsPackedUnpackedAndEmptyFeatures() throws IOException {
    List<byte[]> records =
        List.of(
            example()
                .int64s("ids", 1, -2, 300_000_000_000L)
                .floats("scores", 0.5f, -1.25f)
                .strings("tags", "a", "ünï")
                .toByteArray(),
            example()
                .unpacked()
                .int64s("ids", 7, Long.MIN_VALUE)
                .floats("scores", 3.0f)
                .empty("tags")
                .toByteArray(),
            example().int64s("ids").floats("scores").toByteArray());
    Path file = TfRecordTestFiles.write(dir.resolve("mixed.tfrecord"), frame(records), false);

    ExampleSchema schema = reader.inferSchema(List.of(new LocalSourceFile(file)));
    assertEquals(
        ExampleSchema.of(
            FeatureSpec.of("ids", FeatureType.INT),
            FeatureSpec.of("scores", FeatureType.FLOAT),
            FeatureSpec.of("tags", FeatureType.BYTES)),
        schema);
    CollectingSink sink = read(schema, List.of(new LocalSourceFile(file)));
    assertEquals(List.of(), sink.deadLetters);
    assertEquals(
        List.of(
            schema
                .newExample()
                .setInt64s(0, 1, -2, 300_000_000_000L)
                .setFloats(1, 0.5, -1.25)
                .setBytes(2, "a".getBytes(UTF_8), "ünï".getBytes(UTF_8))
                .build(),
            schema
                .newExample()
                .setInt64s(0, 7, Long.MIN_VALUE)
                .setFloats(1, 3.0)
                .setBytes(2)
                .build(),
            // Empty lists are present with no values; the absent "tags" is missing.
            schema.newExample().setInt64s(0).setFloats(1).build()),
        sink.examples);
  }

  @Test
  void infersSortedUnionAndTypesFeaturesSeenOnlyEmpty() throws IOException {
    Path a =
        writeRecords(
            "a.tfrecord",
            List.of(example().floats("z", 1f).empty("only_empty").empty("given").toByteArray()));
    Path b = writeRecords("b.tfrecord", List.of(example().strings("m", "x").toByteArray()));
    List<LocalSourceFile> files = List.of(new LocalSourceFile(a), new LocalSourceFile(b));

    assertEquals(
        ExampleSchema.of(
            FeatureSpec.of("given", FeatureType.BYTES),
            FeatureSpec.of("m", FeatureType.BYTES),
            FeatureSpec.of("only_empty", FeatureType.BYTES),
            FeatureSpec.of("z", FeatureType.FLOAT)),
        reader.inferSchema(files));

    TfRecordFormatReader typed =
        new TfRecordFormatReader(
            FormatOptions.defaults()
                .withFeatureTypes(
                    Map.of(
                        "given",
                        FeatureType.INT,
                        "z",
                        FeatureType.FLOAT,
                        "extra",
                        FeatureType.INT)));
    ExampleSchema schema = typed.inferSchema(files);
    assertEquals(
        ExampleSchema.of(
            FeatureSpec.of("extra", FeatureType.INT),
            FeatureSpec.of("given", FeatureType.INT),
            FeatureSpec.of("m", FeatureType.BYTES),
            FeatureSpec.of("only_empty", FeatureType.BYTES),
            FeatureSpec.of("z", FeatureType.FLOAT)),
        schema);
    CollectingSink sink = read(schema, List.of(new LocalSourceFile(a)));
    assertEquals(
        List.of(
            schema
                .newExample()
                .setInt64s(schema.indexOf("given"))
                .setBytes(schema.indexOf("only_empty"))
                .setFloats(schema.indexOf("z"), 1.0)
                .build()),
        sink.examples);

    TfRecordFormatReader contradicting =
        new TfRecordFormatReader(
            FormatOptions.defaults().withFeatureTypes(Map.of("z", FeatureType.INT)));
    InputException e = assertThrows(InputException.class, () -> contradicting.inferSchema(files));
    assertTrue(e.getMessage().contains("'z'") && e.getMessage().contains("float"), e.getMessage());
  }

  @Test
  void inferenceSamplesOnlyTheGivenNumberOfRecords() throws IOException {
    Path file =
        writeRecords(
            "sample.tfrecord",
            List.of(
                example().int64s("early", 1).toByteArray(),
                example().int64s("late", 2).toByteArray()));
    TfRecordFormatReader sampleOne =
        new TfRecordFormatReader(FormatOptions.defaults().withInferenceSample(1));
    assertEquals(
        ExampleSchema.of(FeatureSpec.of("early", FeatureType.INT)),
        sampleOne.inferSchema(List.of(new LocalSourceFile(file))));
  }

  @Test
  void aFeatureWithTwoKindsFailsInferenceNamingFeatureAndFile() throws IOException {
    Path a = writeRecords("a.tfrecord", List.of(example().int64s("x", 1).toByteArray()));
    Path b = writeRecords("b.tfrecord", List.of(example().floats("x", 1f).toByteArray()));
    InputException e =
        assertThrows(
            InputException.class,
            () -> reader.inferSchema(List.of(new LocalSourceFile(a), new LocalSourceFile(b))));
    assertTrue(e.getMessage().contains("'x'"), e.getMessage());
    assertTrue(e.getMessage().contains(b.toString() + " record 1"), e.getMessage());
    assertTrue(e.getMessage().contains(a.toString() + " record 1"), e.getMessage());
  }

  @Test
  void aFileWithoutRecordsGivesNoSchema() throws IOException {
    Path empty = TfRecordTestFiles.write(dir.resolve("empty.tfrecord"), new byte[0], false);
    InputException e =
        assertThrows(
            InputException.class, () -> reader.inferSchema(List.of(new LocalSourceFile(empty))));
    assertTrue(e.getMessage().contains(empty.toString()), e.getMessage());
  }

  // ---- bad records ----

  @Test
  void recordsOfAnotherKindOrWithUnknownFeaturesAreDeadLetters() throws IOException {
    ExampleSchema schema =
        ExampleSchema.of(
            FeatureSpec.of("x", FeatureType.FLOAT), FeatureSpec.of("name", FeatureType.BYTES));
    Path file =
        writeRecords(
            "mismatch.tfrecord",
            List.of(
                example().floats("x", 1f).strings("name", "ok").toByteArray(),
                example().int64s("x", 3).toByteArray(),
                example().floats("x", 2f).int64s("surprise", 1).toByteArray(),
                new byte[] {0x0a, 0x05, 0x01},
                example().strings("name", "last").toByteArray()));

    CollectingSink sink = read(schema, List.of(new LocalSourceFile(file)));

    assertEquals(
        List.of(
            schema.newExample().setFloats(0, 1.0).setString(1, "ok").build(),
            schema.newExample().setString(1, "last").build()),
        sink.examples);
    assertEquals(3, sink.deadLetters.size());
    DeadLetter kind = sink.deadLetters.get(0);
    assertEquals(file.toString(), kind.source());
    assertEquals(2, kind.recordNumber());
    assertEquals("x", kind.field());
    assertEquals(
        "feature 'x' is FLOAT in the schema but this record holds int64 values", kind.reason());
    DeadLetter unknown = sink.deadLetters.get(1);
    assertEquals(3, unknown.recordNumber());
    assertEquals("surprise", unknown.field());
    assertTrue(
        unknown.reason().contains("'surprise'") && unknown.reason().contains("not in the schema"));
    DeadLetter garbage = sink.deadLetters.get(2);
    assertEquals(4, garbage.recordNumber());
    assertTrue(
        garbage.reason().startsWith("the record is not a valid tf.Example"), garbage.reason());
  }

  // ---- damaged files ----

  @Test
  void truncatedGzipKeepsTheRecordsBeforeTheCutAndLosesAtLeastOne() throws IOException {
    List<byte[]> records = numbered(2000);
    Path whole = TfRecordTestFiles.write(dir.resolve("whole.tfrecord.gz"), frame(records), true);
    byte[] gz = Files.readAllBytes(whole);
    Path cut =
        TfRecordTestFiles.write(
            dir.resolve("cut.tfrecord.gz"), Arrays.copyOf(gz, gz.length / 2), false);
    ExampleSchema schema = ExampleSchema.of(FeatureSpec.of("n", FeatureType.INT));

    CollectingSink sink = read(schema, List.of(new LocalSourceFile(cut)));

    int good = sink.examples.size();
    assertTrue(good > 0 && good < 2000, "records before the cut: " + good);
    assertNumbered(sink.examples, good);
    assertEquals(List.of(), sink.deadLetters);
    assertEquals(1, sink.damages.size());
    FileDamage rest = sink.damages.get(0);
    assertEquals(cut.toString(), rest.source());
    assertEquals(good + 1, rest.record());
    assertEquals(good, rest.recordsBefore());
    assertEquals(TfRecordTestFiles.offsetOf(records, good), rest.byteOffset());
    assertTrue(rest.decompressedOffset());
    assertEquals(FileDamage.Lost.atLeast(1), lost(rest));
    assertTrue(rest.reason().startsWith("the GZIP stream is cut short"), rest.reason());
  }

  @Test
  void aCorruptGzipStreamLosesTheRestEstimatedFromTheCompressedBytesLeft() throws IOException {
    Path tfx = SharedData.path("taxi/tfrecord/train/data_tfrecord-00000-of-00012.gz");
    ExampleSchema schema = reader.inferSchema(List.of(new LocalSourceFile(tfx)));
    CollectingSink whole = read(schema, List.of(new LocalSourceFile(tfx)));
    Path corrupt = DamagedFiles.corruptMiddle(tfx, dir.resolve("corrupt.gz"), 4096);

    CollectingSink sink = read(schema, List.of(new LocalSourceFile(corrupt)));

    assertEquals(1, sink.damages.size(), "" + sink.damages);
    FileDamage rest = sink.damages.get(0);
    assertEquals(FileDamage.LostBasis.ESTIMATED, rest.lostBasis(), rest.toString());
    assertEquals(
        whole.examples.size(),
        sink.examples.size() + sink.deadLetters.size() + rest.recordsLost(),
        whole.examples.size() * 0.1);
    assertEquals(whole.examples.subList(0, sink.examples.size()), sink.examples);
  }

  @Test
  void dataCrcMismatchRejectsThatRecordAndReadingGoesOn() throws IOException {
    List<byte[]> records = numbered(10);
    byte[] bytes = frame(records);
    // Flip a byte inside the data of record 5 (0-based 4).
    bytes[TfRecordTestFiles.offsetOf(records, 4) + 12 + 3] ^= 0x55;
    Path file = TfRecordTestFiles.write(dir.resolve("crc.tfrecord.gz"), bytes, true);
    ExampleSchema schema = ExampleSchema.of(FeatureSpec.of("n", FeatureType.INT));

    CollectingSink sink = read(schema, List.of(new LocalSourceFile(file)));

    assertEquals(9, sink.examples.size());
    assertEquals(1, sink.deadLetters.size());
    DeadLetter bad = sink.deadLetters.get(0);
    assertEquals(file.toString(), bad.source());
    assertEquals(5, bad.recordNumber());
    assertTrue(bad.reason().startsWith("TFRecord data CRC mismatch"), bad.reason());
    List<Long> values = new ArrayList<>();
    sink.examples.forEach(e -> values.add(e.int64s(0)[0]));
    assertEquals(List.of(1L, 2L, 3L, 4L, 6L, 7L, 8L, 9L, 10L), values);
  }

  @Test
  void aLengthCrcMismatchSkipsToTheNextValidRecordAndEstimatesTheLoss() throws IOException {
    List<byte[]> records = numbered(100);
    byte[] bytes = frame(records);
    bytes[TfRecordTestFiles.offsetOf(records, 6)] ^= 0x01; // the length of record 7
    ExampleSchema schema = ExampleSchema.of(FeatureSpec.of("n", FeatureType.INT));
    for (boolean gzip : new boolean[] {false, true}) {
      Path file = TfRecordTestFiles.write(dir.resolve("length-" + gzip + ".tfrecord"), bytes, gzip);

      CollectingSink sink = read(schema, List.of(new LocalSourceFile(file)));

      List<Long> values = new ArrayList<>();
      sink.examples.forEach(e -> values.add(e.int64s(0)[0]));
      List<Long> expected = new ArrayList<>();
      for (long n = 1; n <= 100; n++) {
        if (n != 7) {
          expected.add(n);
        }
      }
      assertEquals(expected, values, "gzip " + gzip);
      assertEquals(List.of(), sink.deadLetters);
      assertEquals(1, sink.damages.size());
      FileDamage damage = sink.damages.get(0);
      assertEquals(7, damage.record());
      assertEquals(6, damage.recordsBefore());
      assertEquals(TfRecordTestFiles.offsetOf(records, 6), damage.byteOffset());
      assertEquals((long) TfRecordTestFiles.offsetOf(records, 7), damage.resumedAtByte());
      assertEquals(FileDamage.Lost.exactly(1).records(), damage.recordsLost());
      assertEquals(FileDamage.LostBasis.ESTIMATED, damage.lostBasis());
      assertEquals(gzip, damage.decompressedOffset());
      assertTrue(
          damage.reason().startsWith("TFRecord length CRC mismatch at record 7"), damage.reason());
    }
  }

  @Test
  void truncatedUncompressedFileKeepsTheRecordsBeforeTheCut() throws IOException {
    List<byte[]> records = numbered(10);
    byte[] bytes = frame(records);
    ExampleSchema schema = ExampleSchema.of(FeatureSpec.of("n", FeatureType.INT));
    // Cut inside the data of record 4, then inside the header of record 4.
    int[] cuts = {
      TfRecordTestFiles.offsetOf(records, 3) + 15, TfRecordTestFiles.offsetOf(records, 3) + 5
    };
    for (int cut : cuts) {
      Path file =
          TfRecordTestFiles.write(
              dir.resolve("cut" + cut + ".tfrecord"), Arrays.copyOf(bytes, cut), false);
      CollectingSink sink = read(schema, List.of(new LocalSourceFile(file)));
      assertNumbered(sink.examples, 3);
      assertEquals(List.of(), sink.deadLetters);
      assertEquals(1, sink.damages.size());
      FileDamage rest = sink.damages.get(0);
      assertEquals(file.toString(), rest.source());
      assertEquals(4, rest.record());
      assertEquals(FileDamage.Lost.atLeast(1), lost(rest));
      assertTrue(
          rest.reason().startsWith("truncated TFRecord file: it ends inside"), rest.reason());
      assertTrue(rest.reason().contains("record 4"), rest.reason());
    }
  }

  @Test
  void inferenceSkipsDamageThatReadingReports() throws IOException {
    List<byte[]> records = numbered(5);
    byte[] bytes = frame(records);
    Path file =
        TfRecordTestFiles.write(
            dir.resolve("damaged.tfrecord"), Arrays.copyOf(bytes, bytes.length - 3), false);
    assertEquals(
        ExampleSchema.of(FeatureSpec.of("n", FeatureType.INT)),
        reader.inferSchema(List.of(new LocalSourceFile(file))));
  }

  // ---- helpers ----

  private static FileDamage.Lost lost(FileDamage damage) {
    return new FileDamage.Lost(damage.recordsLost(), damage.lostBasis());
  }

  private static List<byte[]> numbered(int count) throws IOException {
    List<byte[]> records = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      records.add(example().int64s("n", i).toByteArray());
    }
    return records;
  }

  private static void assertNumbered(List<Example> examples, int count) {
    assertEquals(count, examples.size());
    for (int i = 0; i < count; i++) {
      assertArrayEquals(new long[] {i + 1}, examples.get(i).int64s(0));
    }
  }

  private static byte[] frame(List<byte[]> records) throws IOException {
    return TfRecordTestFiles.frame(records);
  }

  private Path writeRecords(String name, List<byte[]> records) throws IOException {
    return TfRecordTestFiles.write(dir.resolve(name), frame(records), false);
  }

  private CollectingSink read(ExampleSchema schema, List<LocalSourceFile> files) {
    CollectingSink sink = new CollectingSink();
    for (LocalSourceFile file : files) {
      reader.read(file, schema, sink);
    }
    return sink;
  }

  private static List<LocalSourceFile> files(Path folder) throws IOException {
    try (Stream<Path> paths = Files.list(folder)) {
      return paths
          .filter(p -> p.getFileName().toString().endsWith(".gz"))
          .sorted()
          .map(LocalSourceFile::new)
          .collect(Collectors.toList());
    }
  }

  private static FeatureType type(ExampleSchema schema, String name) {
    return schema.type(schema.requireIndex(name));
  }

  private static String string(Example example, String name) {
    byte[][] values = example.bytes(example.schema().requireIndex(name));
    assertEquals(1, values.length);
    return new String(values[0], UTF_8);
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
