package io.millrace.ingest.parquet;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.ingest.DeadLetter;
import io.millrace.ingest.ExampleSink;
import io.millrace.ingest.FileDamage;
import io.millrace.ingest.FileRange;
import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.InputException;
import io.millrace.ingest.LocalSourceFile;
import io.millrace.ingest.avro.AvroFormatReader;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureSpec;
import io.millrace.record.FeatureType;
import io.millrace.testing.CollectingSink;
import io.millrace.testing.DamagedFiles;
import io.millrace.testing.SharedData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.column.statistics.LongStatistics;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParquetFormatReaderTest {
  private static final Path FLIGHTS = SharedData.path("flights/flights-3m.parquet");

  private static final Schema DAY = LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT));
  private static final Schema MILLIS =
      LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG));

  private static final Schema ROW =
      SchemaBuilder.record("Row")
          .fields()
          .requiredLong("id")
          .requiredInt("count")
          .requiredBoolean("flag")
          .requiredFloat("score")
          .optionalDouble("ratio")
          .requiredString("name")
          .optionalBytes("payload")
          .name("color")
          .type()
          .enumeration("Color")
          .symbols("RED", "GREEN")
          .noDefault()
          .name("tags")
          .type()
          .array()
          .items()
          .stringType()
          .noDefault()
          .name("values")
          .type()
          .optional()
          .array()
          .items()
          .longType()
          .name("day")
          .type(DAY)
          .noDefault()
          .name("at")
          .type(MILLIS)
          .noDefault()
          .endRecord();

  private final ParquetFormatReader reader = new ParquetFormatReader(FormatOptions.defaults());

  @TempDir Path dir;

  @Test
  void readsThreeMillionFlightsWrittenByAnotherTool() throws IOException {
    LocalSourceFile file = new LocalSourceFile(FLIGHTS);
    ExampleSchema schema = reader.inferSchema(List.of(file));
    assertEquals(
        ExampleSchema.of(
            FeatureSpec.of("date", FeatureType.INT),
            FeatureSpec.of("delay", FeatureType.INT),
            FeatureSpec.of("distance", FeatureType.INT),
            FeatureSpec.of("origin", FeatureType.BYTES),
            FeatureSpec.of("destination", FeatureType.BYTES)),
        schema);

    long[] dateRange = {Long.MAX_VALUE, Long.MIN_VALUE};
    long[] distanceRange = {Long.MAX_VALUE, Long.MIN_VALUE};
    long[] delayRange = {Long.MAX_VALUE, Long.MIN_VALUE};
    long[] sums = new long[2]; // distance, delay
    long[] missing = new long[5];
    long[] badAirportCodes = new long[1];
    CountingSink sink =
        new CountingSink(
            e -> {
              for (int f = 0; f < 5; f++) {
                if (e.isMissing(f)) {
                  missing[f]++;
                }
              }
              if (!e.isMissing(0)) {
                range(dateRange, e.int64s(0)[0]);
              }
              if (!e.isMissing(1)) {
                long delay = e.int64s(1)[0];
                range(delayRange, delay);
                sums[1] += delay;
              }
              if (!e.isMissing(2)) {
                long distance = e.int64s(2)[0];
                range(distanceRange, distance);
                sums[0] += distance;
              }
              if (!e.isMissing(3) && e.bytes(3)[0].length != 3) {
                badAirportCodes[0]++;
              }
            });

    long start = System.nanoTime();
    reader.read(file, schema, sink);
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        "flights-3m.parquet (ZSTD): %d rows in %.2f s = %.0f rows/s%n",
        sink.accepted, seconds, sink.accepted / seconds);

    assertEquals(List.of(), sink.deadLetters);
    assertEquals(List.of(), sink.damages);
    assertEquals(3_000_000, sink.accepted);
    // All of 2001, as the data set says; timestamps are the stored microseconds.
    // Timestamps are the stored microseconds: the data runs from Jan 1 to Jul 1, 2001.
    assertEquals(Instant.parse("2001-01-01T00:01:00Z"), microsToInstant(dateRange[0]));
    assertEquals(Instant.parse("2001-07-01T00:00:00Z"), microsToInstant(dateRange[1]));
    assertEquals(0, badAirportCodes[0], "IATA airport codes have three letters");
    double meanDistance = (double) sums[0] / (3_000_000 - missing[2]);
    double meanDelay = (double) sums[1] / (3_000_000 - missing[1]);
    assertTrue(meanDistance > 300 && meanDistance < 1500, "mean distance " + meanDistance);
    assertTrue(meanDelay > -30 && meanDelay < 60, "mean delay " + meanDelay);

    // The writer's own column statistics in the footer must agree with the values read.
    long[] statsDate = {Long.MAX_VALUE, Long.MIN_VALUE};
    long[] statsDistance = {Long.MAX_VALUE, Long.MIN_VALUE};
    long[] statsDelay = {Long.MAX_VALUE, Long.MIN_VALUE};
    long[] statsNulls = new long[5];
    try (ParquetFileReader footer = ParquetFileReader.open(new SourceInputFile(file))) {
      for (BlockMetaData block : footer.getFooter().getBlocks()) {
        for (int c = 0; c < 5; c++) {
          ColumnChunkMetaData column = block.getColumns().get(c);
          statsNulls[c] += column.getStatistics().getNumNulls();
          if (c == 0) {
            LongStatistics s = (LongStatistics) column.getStatistics();
            range(statsDate, s.getMin());
            range(statsDate, s.getMax());
          } else if (c == 1) {
            LongStatistics s = (LongStatistics) column.getStatistics();
            range(statsDelay, s.getMin());
            range(statsDelay, s.getMax());
          } else if (c == 2) {
            LongStatistics s = (LongStatistics) column.getStatistics();
            range(statsDistance, s.getMin());
            range(statsDistance, s.getMax());
          }
        }
      }
    }
    assertArrayEquals(statsDate, dateRange);
    assertArrayEquals(statsDistance, distanceRange);
    assertArrayEquals(statsDelay, delayRange);
    assertArrayEquals(statsNulls, missing);
  }

  @Test
  void readsSnappyGzipAndUncompressedFilesExactly() throws IOException {
    List<GenericRecord> rows = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      rows.add(row(i));
    }
    GenericRecord sparse = row(500);
    sparse.put("ratio", null);
    sparse.put("payload", null);
    sparse.put("tags", List.of());
    sparse.put("values", null);
    rows.add(sparse);

    // The same records through the Avro reader: both formats must give the same examples.
    Path avro = dir.resolve("rows.avro");
    try (DataFileWriter<GenericRecord> writer =
        new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(ROW))) {
      writer.create(ROW, avro.toFile());
      for (GenericRecord r : rows) {
        writer.append(r);
      }
    }
    AvroFormatReader avroReader = new AvroFormatReader(FormatOptions.defaults());
    ExampleSchema avroSchema = avroReader.inferSchema(List.of(new LocalSourceFile(avro)));
    CollectingSink expected = new CollectingSink();
    avroReader.read(new LocalSourceFile(avro), avroSchema, expected);
    assertEquals(501, expected.examples.size());

    for (CompressionCodecName codec :
        List.of(
            CompressionCodecName.SNAPPY,
            CompressionCodecName.GZIP,
            CompressionCodecName.UNCOMPRESSED,
            CompressionCodecName.ZSTD)) {
      Path file = write("rows-" + codec + ".parquet", ROW, codec, 1 << 20, rows);
      ExampleSchema schema = reader.inferSchema(List.of(new LocalSourceFile(file)));
      assertEquals(avroSchema, schema, codec.toString());
      CollectingSink sink = read(schema, file);
      assertEquals(List.of(), sink.deadLetters, codec.toString());
      assertEquals(expected.examples, sink.examples, codec.toString());
    }

    Example first = expected.examples.get(1);
    assertEquals(
        avroSchema
            .newExample()
            .setInt64s(0, 1)
            .setInt64s(1, -1)
            .setInt64s(2, 1)
            .setFloats(3, 0.25)
            .setFloats(4, 0.1)
            .setString(5, "name 1")
            .setBytes(6, new byte[] {1})
            .setString(7, "GREEN")
            .setBytes(8, "t1".getBytes(UTF_8), "u".getBytes(UTF_8))
            .setInt64s(9, 1, 2)
            .setInt64s(10, 19_000 + 1)
            .setInt64s(11, 1_700_000_000_000L + 1)
            .build(),
        first);
    Example last = expected.examples.get(500);
    assertTrue(last.isMissing(4) && last.isMissing(6) && last.isMissing(9));
    assertEquals(0, last.valueCount(8));
    assertTrue(!last.isMissing(8), "an empty list is present");
  }

  @Test
  void aFileCutShortHasNoFooterAndNothingReadable() throws IOException {
    Path whole = write("whole.parquet", ROW, CompressionCodecName.SNAPPY, 1 << 20, rowsUpTo(100));
    byte[] bytes = Files.readAllBytes(whole);
    Path cut = dir.resolve("cut.parquet");
    Files.write(cut, Arrays.copyOf(bytes, bytes.length - 100));
    ExampleSchema schema = reader.inferSchema(List.of(new LocalSourceFile(whole)));

    CollectingSink sink = read(schema, cut);

    assertEquals(0, sink.examples.size());
    assertEquals(List.of(), sink.deadLetters);
    assertEquals(1, sink.damages.size());
    FileDamage noFooter = sink.damages.get(0);
    assertEquals(cut.toString(), noFooter.source());
    assertEquals(1, noFooter.record());
    assertEquals(FileDamage.LostBasis.AT_LEAST, noFooter.lostBasis());
    assertEquals(1, noFooter.recordsLost());
    assertTrue(noFooter.reason().startsWith("no Parquet footer"), noFooter.reason());
    InputException e =
        assertThrows(
            InputException.class, () -> reader.inferSchema(List.of(new LocalSourceFile(cut))));
    assertTrue(
        e.getMessage().contains(cut.toString()) && e.getMessage().contains("no Parquet footer"));
  }

  @Test
  void aCorruptRowGroupInTheMiddleIsSkippedAndTheGroupsAfterItAreRead() throws IOException {
    Path file = write("groups.parquet", ROW, CompressionCodecName.SNAPPY, 16 << 10, rowsUpTo(3000));
    List<BlockMetaData> groups;
    try (ParquetFileReader footer =
        ParquetFileReader.open(new SourceInputFile(new LocalSourceFile(file)))) {
      ParquetMetadata metadata = footer.getFooter();
      groups = metadata.getBlocks();
    }
    assertTrue(groups.size() >= 3, "row groups: " + groups.size());
    long firstGroupRows = groups.get(0).getRowCount();
    long secondGroupRows = groups.get(1).getRowCount();
    // Overwrite bytes in the middle of the second group's "name" column chunk.
    ColumnChunkMetaData name = groups.get(1).getColumns().get(5);
    byte[] bytes = Files.readAllBytes(file);
    int middle = (int) (name.getStartingPos() + name.getTotalSize() / 2);
    for (int i = middle; i < middle + 16; i++) {
      bytes[i] ^= (byte) 0xA5;
    }
    Path corrupt = dir.resolve("corrupt.parquet");
    Files.write(corrupt, bytes);

    CollectingSink sink = read(reader.inferSchema(List.of(new LocalSourceFile(corrupt))), corrupt);

    assertEquals(3000 - secondGroupRows, sink.examples.size());
    for (int i = 0; i < sink.examples.size(); i++) {
      long id = i < firstGroupRows ? i : i + secondGroupRows;
      assertArrayEquals(new long[] {id}, sink.examples.get(i).int64s(0));
    }
    assertEquals(List.of(), sink.deadLetters);
    assertEquals(1, sink.damages.size());
    FileDamage damage = sink.damages.get(0);
    assertEquals(corrupt.toString(), damage.source());
    assertEquals(firstGroupRows + 1, damage.record());
    assertEquals(firstGroupRows, damage.recordsBefore());
    assertEquals(FileDamage.LostBasis.EXACT, damage.lostBasis());
    assertEquals(secondGroupRows, damage.recordsLost());
    assertEquals(groups.get(1).getStartingPos(), damage.byteOffset());
    assertEquals(groups.get(2).getStartingPos(), damage.resumedAtByte());
    assertTrue(
        damage
            .reason()
            .startsWith(
                String.format(
                    "cannot decode row group 2 (rows %,d to %,d",
                    firstGroupRows + 1, firstGroupRows + secondGroupRows)),
        damage.reason());
  }

  @Test
  void aCorruptPageInFlightsWrittenByAnotherToolLosesOnlyRowsOfItsRowGroup() throws IOException {
    List<BlockMetaData> groups;
    try (ParquetFileReader footer =
        ParquetFileReader.open(new SourceInputFile(new LocalSourceFile(FLIGHTS)))) {
      groups = footer.getFooter().getBlocks();
    }
    // The middle of the sixth row group's "delay" column chunk (ZSTD, no page checksums).
    ColumnChunkMetaData delay = groups.get(5).getColumns().get(1);
    Path corrupt =
        DamagedFiles.corrupt(
            FLIGHTS,
            dir.resolve("flights.parquet"),
            delay.getStartingPos() + delay.getTotalSize() / 2,
            64);
    LocalSourceFile file = new LocalSourceFile(corrupt);
    CountingSink sink = new CountingSink(e -> {});

    reader.read(file, reader.inferSchema(List.of(file)), sink);

    assertEquals(1, sink.damages.size(), "" + sink.damages);
    FileDamage damage = sink.damages.get(0);
    long before = groups.subList(0, 5).stream().mapToLong(BlockMetaData::getRowCount).sum();
    assertEquals(FileDamage.LostBasis.EXACT, damage.lostBasis());
    assertTrue(damage.record() > before, "" + damage);
    assertEquals(before + groups.get(5).getRowCount(), damage.record() - 1 + damage.recordsLost());
    assertEquals(groups.get(6).getStartingPos(), damage.resumedAtByte());
    assertEquals(3_000_000, sink.accepted + sink.deadLetters.size() + damage.recordsLost());
  }

  @Test
  void filesWithOtherColumnsFailInferenceOrLoseEveryRow() throws IOException {
    Schema other =
        SchemaBuilder.record("Other").fields().requiredLong("id").requiredDouble("x").endRecord();
    GenericRecord r = new GenericData.Record(other);
    r.put("id", 1L);
    r.put("x", 2.0);
    Path rows = write("rows.parquet", ROW, CompressionCodecName.SNAPPY, 1 << 20, rowsUpTo(3));
    Path others =
        write("other.parquet", other, CompressionCodecName.SNAPPY, 1 << 20, List.of(r, r));

    InputException e =
        assertThrows(
            InputException.class,
            () ->
                reader.inferSchema(
                    List.of(new LocalSourceFile(rows), new LocalSourceFile(others))));
    assertTrue(
        e.getMessage().contains(rows.toString()) && e.getMessage().contains(others.toString()),
        e.getMessage());

    ExampleSchema schema = reader.inferSchema(List.of(new LocalSourceFile(rows)));
    CollectingSink sink = read(schema, others);
    assertEquals(0, sink.examples.size());
    assertEquals(List.of(), sink.deadLetters);
    assertEquals(1, sink.damages.size());
    FileDamage unusable = sink.damages.get(0);
    assertEquals(1, unusable.record());
    assertEquals(
        FileDamage.Lost.exactly(2),
        new FileDamage.Lost(unusable.recordsLost(), unusable.lostBasis()));
    assertTrue(
        unusable.reason().contains("the file has fields the schema lacks [x]"), unusable.reason());
  }

  @Test
  void nestedGroupsFailInferenceNamingTheField() throws IOException {
    Schema inner = SchemaBuilder.record("Inner").fields().requiredInt("a").endRecord();
    Schema outer =
        SchemaBuilder.record("Outer")
            .fields()
            .requiredLong("id")
            .name("where")
            .type(inner)
            .noDefault()
            .endRecord();
    GenericRecord in = new GenericData.Record(inner);
    in.put("a", 1);
    GenericRecord out = new GenericData.Record(outer);
    out.put("id", 1L);
    out.put("where", in);
    Path file = write("nested.parquet", outer, CompressionCodecName.SNAPPY, 1 << 20, List.of(out));
    InputException e =
        assertThrows(
            InputException.class, () -> reader.inferSchema(List.of(new LocalSourceFile(file))));
    assertTrue(
        e.getMessage().contains("nested records are not supported; flatten field 'where'"),
        e.getMessage());
  }

  // ---- helpers ----

  /** Hands examples to a consumer without keeping 3 million of them. */
  private static final class CountingSink implements ExampleSink {
    final List<DeadLetter> deadLetters = new ArrayList<>();
    final List<FileDamage> damages = new ArrayList<>();
    final Consumer<Example> consumer;
    long accepted;

    CountingSink(Consumer<Example> consumer) {
      this.consumer = consumer;
    }

    @Override
    public void accept(Example example) {
      accepted++;
      consumer.accept(example);
    }

    @Override
    public void reject(DeadLetter deadLetter) {
      deadLetters.add(deadLetter);
    }

    @Override
    public void damaged(FileDamage damage) {
      damages.add(damage);
    }
  }

  private static Instant microsToInstant(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1000);
  }

  private static void range(long[] minMax, long value) {
    minMax[0] = Math.min(minMax[0], value);
    minMax[1] = Math.max(minMax[1], value);
  }

  private static GenericRecord row(int i) {
    GenericData.Record r = new GenericData.Record(ROW);
    r.put("id", (long) i);
    r.put("count", -i);
    r.put("flag", i % 2 == 1);
    r.put("score", i / 4f);
    r.put("ratio", i / 10.0);
    r.put("name", "name " + i);
    r.put("payload", ByteBuffer.wrap(new byte[] {(byte) i}));
    r.put(
        "color",
        new GenericData.EnumSymbol(ROW.getField("color").schema(), i % 2 == 0 ? "RED" : "GREEN"));
    r.put("tags", List.of("t" + i, "u"));
    r.put("values", List.of((long) i, 2L * i));
    r.put("day", 19_000 + i);
    r.put("at", 1_700_000_000_000L + i);
    return r;
  }

  private static List<GenericRecord> rowsUpTo(int count) {
    List<GenericRecord> rows = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      rows.add(row(i));
    }
    return rows;
  }

  private Path write(
      String name,
      Schema schema,
      CompressionCodecName codec,
      long rowGroupBytes,
      List<GenericRecord> rows)
      throws IOException {
    Path file = dir.resolve(name);
    try (ParquetWriter<GenericRecord> writer =
        AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
            .withSchema(schema)
            .withCompressionCodec(codec)
            .withRowGroupSize(rowGroupBytes)
            .withPageSize(4 << 10)
            .build()) {
      for (GenericRecord r : rows) {
        writer.write(r);
      }
    }
    return file;
  }

  private CollectingSink read(ExampleSchema schema, Path file) {
    CollectingSink sink = new CollectingSink();
    reader.read(new LocalSourceFile(file), schema, sink);
    return sink;
  }

  /** Folds examples in order, so equal results mean the same examples in the same order. */
  private static final class OrderedDigest implements ExampleSink {
    long count;
    long digest = 17;
    final List<DeadLetter> deadLetters = new ArrayList<>();

    @Override
    public void accept(Example example) {
      count++;
      digest = digest * 31 + example.hashCode();
    }

    @Override
    public void reject(DeadLetter deadLetter) {
      deadLetters.add(deadLetter);
    }

    @Override
    public void damaged(FileDamage damage) {
      throw new AssertionError(damage.toString());
    }
  }

  @Test
  void rowGroupRangesReadExactlyWhatTheWholeFileReads() throws IOException {
    LocalSourceFile flights = new LocalSourceFile(SharedData.path("flights/flights-3m.parquet"));
    ExampleSchema schema = reader.inferSchema(List.of(flights));
    List<FileRange> ranges = reader.split(flights, schema, 16L << 20);
    assertTrue(ranges.size() >= 3, "ranges: " + ranges);

    OrderedDigest whole = new OrderedDigest();
    reader.read(flights, schema, whole);
    OrderedDigest parts = new OrderedDigest();
    for (FileRange range : ranges) {
      assertEquals(parts.count + 1, range.firstLine(), "first row of " + range);
      reader.read(flights, range, schema, parts);
    }
    assertEquals(3_000_000, whole.count);
    assertEquals(whole.count, parts.count);
    assertEquals(whole.digest, parts.digest);
    assertTrue(whole.deadLetters.isEmpty() && parts.deadLetters.isEmpty());
    assertEquals(List.of(FileRange.whole()), reader.split(flights, schema, 1L << 40));
  }
}
