package io.millrace.ingest.avro;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AvroFormatReaderTest {
  private static final LocalDate DAY = LocalDate.of(2024, 2, 29);
  private static final Instant INSTANT = Instant.parse("2024-02-29T12:34:56.789123Z");

  private static final Schema DATE =
      LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT));
  private static final Schema MILLIS =
      LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG));
  private static final Schema MICROS =
      LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
  private static final Schema PRICE =
      LogicalTypes.decimal(9, 2).addToSchema(Schema.create(Schema.Type.BYTES));

  /** Every supported field shape. */
  private static final Schema ROW =
      SchemaBuilder.record("Row")
          .fields()
          .requiredLong("id")
          .requiredInt("count")
          .requiredBoolean("flag")
          .requiredFloat("score")
          .requiredDouble("ratio")
          .requiredString("name")
          .requiredBytes("payload")
          .name("color")
          .type()
          .enumeration("Color")
          .symbols("RED", "GREEN")
          .noDefault()
          .name("hash")
          .type()
          .fixed("Hash")
          .size(2)
          .noDefault()
          .optionalLong("maybe")
          .optionalString("maybe_name")
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
          .doubleType()
          .name("day")
          .type(DATE)
          .noDefault()
          .name("at_millis")
          .type(MILLIS)
          .noDefault()
          .name("at_micros")
          .type(MICROS)
          .noDefault()
          .name("price")
          .type(PRICE)
          .noDefault()
          .endRecord();

  private final AvroFormatReader reader = new AvroFormatReader(FormatOptions.defaults());

  @TempDir Path dir;

  @Test
  void readsPrimitivesNullablesArraysAndLogicalTypes() throws IOException {
    GenericRecord full = row(1);
    full.put("maybe", 42L);
    full.put("maybe_name", "présent");
    full.put("values", List.of(1.5, -2.25));
    GenericRecord sparse = row(2);
    sparse.put("tags", List.of());
    sparse.put("flag", false);
    Path file = write("rows.avro", ROW, CodecFactory.nullCodec(), full, sparse);

    ExampleSchema schema = reader.inferSchema(List.of(new LocalSourceFile(file)));
    assertEquals(
        ExampleSchema.of(
            FeatureSpec.of("id", FeatureType.INT),
            FeatureSpec.of("count", FeatureType.INT),
            FeatureSpec.of("flag", FeatureType.INT),
            FeatureSpec.of("score", FeatureType.FLOAT),
            FeatureSpec.of("ratio", FeatureType.FLOAT),
            FeatureSpec.of("name", FeatureType.BYTES),
            FeatureSpec.of("payload", FeatureType.BYTES),
            FeatureSpec.of("color", FeatureType.BYTES),
            FeatureSpec.of("hash", FeatureType.BYTES),
            FeatureSpec.of("maybe", FeatureType.INT),
            FeatureSpec.of("maybe_name", FeatureType.BYTES),
            FeatureSpec.of("tags", FeatureType.BYTES),
            FeatureSpec.of("values", FeatureType.FLOAT),
            FeatureSpec.of("day", FeatureType.INT),
            FeatureSpec.of("at_millis", FeatureType.INT),
            FeatureSpec.of("at_micros", FeatureType.INT),
            FeatureSpec.of("price", FeatureType.FLOAT)),
        schema);

    CollectingSink sink = read(schema, file);

    assertEquals(List.of(), sink.deadLetters);
    long micros = INSTANT.getEpochSecond() * 1_000_000 + INSTANT.getNano() / 1000;
    Example expectedFull =
        schema
            .newExample()
            .setInt64s(0, 1)
            .setInt64s(1, 10)
            .setInt64s(2, 1)
            .setFloats(3, 0.5)
            .setFloats(4, 1.0 / 3)
            .setString(5, "row 1")
            .setBytes(6, new byte[] {1, 2, 3})
            .setString(7, "GREEN")
            .setBytes(8, new byte[] {(byte) 0xCA, (byte) 0xFE})
            .setInt64s(9, 42)
            .setString(10, "présent")
            .setBytes(11, "a".getBytes(UTF_8), "b".getBytes(UTF_8))
            .setFloats(12, 1.5, -2.25)
            .setInt64s(13, DAY.toEpochDay())
            .setInt64s(14, INSTANT.toEpochMilli())
            .setInt64s(15, micros)
            .setFloats(16, 1234.56)
            .build();
    assertEquals(expectedFull, sink.examples.get(0));
    Example second = sink.examples.get(1);
    assertArrayEquals(new long[] {0}, second.int64s(2), "false is 0");
    assertTrue(second.isMissing(9), "a null union is a missing feature");
    assertTrue(second.isMissing(10));
    assertArrayEquals(new byte[0][], second.bytes(11), "an empty array is present with no values");
    assertTrue(second.isMissing(12), "a null array is missing");
    assertEquals(2, sink.examples.size());
    // Dates are days and timestamps the stored number, in the unit of their logical type.
    assertEquals(19782, DAY.toEpochDay());
    assertArrayEquals(new long[] {1709210096789L}, second.int64s(14));
    assertArrayEquals(new long[] {1709210096789123L}, second.int64s(15));
  }

  @Test
  void readsCompressedBlocksAcrossManyRecords() throws IOException {
    GenericRecord[] rows = new GenericRecord[5000];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = row(i);
    }
    for (CodecFactory codec :
        List.of(
            CodecFactory.deflateCodec(6),
            CodecFactory.snappyCodec(),
            CodecFactory.zstandardCodec(3))) {
      Path file = write("rows-" + codec + ".avro", ROW, codec, rows);
      ExampleSchema schema = reader.inferSchema(List.of(new LocalSourceFile(file)));
      CollectingSink sink = read(schema, file);
      assertEquals(List.of(), sink.deadLetters, codec.toString());
      assertEquals(5000, sink.examples.size(), codec.toString());
      long idSum = 0;
      for (Example e : sink.examples) {
        idSum += e.int64s(0)[0];
        // Records are reused while reading: each example must keep its own copy of the string.
        assertEquals("row " + e.int64s(0)[0], new String(e.bytes(5)[0], UTF_8));
      }
      assertEquals(4999L * 5000 / 2, idSum);
    }
    Path empty = write("empty.avro", ROW, CodecFactory.nullCodec());
    CollectingSink sink = read(reader.inferSchema(List.of(new LocalSourceFile(empty))), empty);
    assertEquals(0, sink.examples.size());
    assertEquals(List.of(), sink.deadLetters, "a file of no records is complete, not truncated");
  }

  @Test
  void aNullArrayElementRejectsItsRecordNamingTheField() throws IOException {
    Schema schema =
        SchemaBuilder.record("Holes")
            .fields()
            .name("xs")
            .type()
            .array()
            .items()
            .nullable()
            .intType()
            .noDefault()
            .endRecord();
    Path file =
        write(
            "holes.avro",
            schema,
            CodecFactory.nullCodec(),
            record(schema, "xs", Arrays.asList(1, 2)),
            record(schema, "xs", Arrays.asList(3, null)),
            record(schema, "xs", Arrays.asList(4)));
    ExampleSchema features = reader.inferSchema(List.of(new LocalSourceFile(file)));
    assertEquals(ExampleSchema.of(FeatureSpec.of("xs", FeatureType.INT)), features);

    CollectingSink sink = read(features, file);

    assertEquals(2, sink.examples.size());
    assertArrayEquals(new long[] {1, 2}, sink.examples.get(0).int64s(0));
    assertArrayEquals(new long[] {4}, sink.examples.get(1).int64s(0));
    DeadLetter hole = sink.deadLetters.get(0);
    assertEquals(1, sink.deadLetters.size());
    assertEquals(file.toString(), hole.source());
    assertEquals(2, hole.recordNumber());
    assertEquals("xs", hole.field());
    assertTrue(hole.reason().contains("null element at index 1"), hole.reason());
    assertTrue(hole.raw().contains("[3, null]"), hole.raw());
  }

  @Test
  void nestedRecordsMapsAndWideUnionsFailInferenceNamingTheField() throws IOException {
    Schema inner = SchemaBuilder.record("Inner").fields().requiredInt("a").endRecord();
    Map<String, Schema> fields =
        Map.of(
            "nested", inner,
            "attributes", Schema.createMap(Schema.create(Schema.Type.STRING)),
            "either",
                Schema.createUnion(
                    Schema.create(Schema.Type.INT), Schema.create(Schema.Type.STRING)));
    for (Map.Entry<String, Schema> field : fields.entrySet()) {
      Schema schema =
          SchemaBuilder.record("Outer")
              .fields()
              .requiredInt("ok")
              .name(field.getKey())
              .type(field.getValue())
              .noDefault()
              .endRecord();
      Path file = write(field.getKey() + ".avro", schema, CodecFactory.nullCodec());
      InputException e =
          assertThrows(
              InputException.class, () -> reader.inferSchema(List.of(new LocalSourceFile(file))));
      assertTrue(e.getMessage().contains("'" + field.getKey() + "'"), e.getMessage());
      assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }
    Schema nested =
        SchemaBuilder.record("Outer").fields().name("inner").type(inner).noDefault().endRecord();
    Path file = write("nested-message.avro", nested, CodecFactory.nullCodec());
    InputException e =
        assertThrows(
            InputException.class, () -> reader.inferSchema(List.of(new LocalSourceFile(file))));
    assertTrue(
        e.getMessage().contains("nested records are not supported; flatten field 'inner'"),
        e.getMessage());
  }

  @Test
  void typeOverridesMayOnlyWidenIntToFloat() throws IOException {
    Path file = write("rows.avro", ROW, CodecFactory.nullCodec(), row(7));
    AvroFormatReader widening =
        new AvroFormatReader(
            FormatOptions.defaults().withFeatureTypes(Map.of("count", FeatureType.FLOAT)));
    ExampleSchema schema = widening.inferSchema(List.of(new LocalSourceFile(file)));
    assertEquals(FeatureType.FLOAT, schema.type(schema.indexOf("count")));
    CollectingSink sink = read(schema, file);
    assertArrayEquals(new double[] {70.0}, sink.examples.get(0).floats(schema.indexOf("count")));

    AvroFormatReader narrowing =
        new AvroFormatReader(
            FormatOptions.defaults().withFeatureTypes(Map.of("name", FeatureType.INT)));
    InputException e =
        assertThrows(
            InputException.class, () -> narrowing.inferSchema(List.of(new LocalSourceFile(file))));
    assertTrue(e.getMessage().contains("'name'") && e.getMessage().contains("INT"), e.getMessage());
  }

  @Test
  void filesWithOtherFeaturesFailInferenceOrLoseEveryRecord() throws IOException {
    Schema a = SchemaBuilder.record("R").fields().requiredLong("x").requiredString("s").endRecord();
    Schema b =
        SchemaBuilder.record("R").fields().requiredString("x").requiredString("s").endRecord();
    Schema reordered =
        SchemaBuilder.record("R").fields().requiredString("s").optionalLong("x").endRecord();
    Path fileA = write("a.avro", a, CodecFactory.nullCodec(), record(a, "x", 1L, "s", "one"));
    Path fileB =
        write(
            "b.avro",
            b,
            CodecFactory.nullCodec(),
            record(b, "x", "2", "s", "two"),
            record(b, "x", "3", "s", "three"));
    Path fileC =
        write(
            "c.avro", reordered, CodecFactory.nullCodec(), record(reordered, "s", "four", "x", 4L));

    InputException e =
        assertThrows(
            InputException.class,
            () ->
                reader.inferSchema(
                    List.of(new LocalSourceFile(fileA), new LocalSourceFile(fileB))));
    assertTrue(e.getMessage().contains(fileA.toString()), e.getMessage());
    assertTrue(e.getMessage().contains(fileB.toString()), e.getMessage());
    assertTrue(
        e.getMessage().contains("x:BYTES") && e.getMessage().contains("x:INT"), e.getMessage());

    // Same names and types in another order, one of them nullable: the same features.
    ExampleSchema schema =
        reader.inferSchema(List.of(new LocalSourceFile(fileA), new LocalSourceFile(fileC)));
    CollectingSink sink = read(schema, fileA);
    reader.read(new LocalSourceFile(fileC), schema, sink);
    assertEquals(List.of(), sink.deadLetters);
    assertEquals(
        List.of(
            schema.newExample().setInt64s(0, 1).setString(1, "one").build(),
            schema.newExample().setInt64s(0, 4).setString(1, "four").build()),
        sink.examples);

    // Found only at read time: every record of the file, counted by its blocks, is lost.
    reader.read(new LocalSourceFile(fileB), schema, sink);
    assertEquals(2, sink.examples.size());
    assertEquals(List.of(), sink.deadLetters);
    assertEquals(1, sink.damages.size());
    FileDamage mismatch = sink.damages.get(0);
    assertEquals(fileB.toString(), mismatch.source());
    assertEquals(1, mismatch.record());
    assertEquals(2, mismatch.recordsLost());
    assertEquals(FileDamage.LostBasis.EXACT, mismatch.lostBasis());
    assertTrue(
        mismatch.reason().contains("field 'x' is string here but INT in the schema"),
        mismatch.reason());
  }

  /** 30 rows in three blocks of 10, deflate-compressed. */
  private Path threeBlocks(String name) throws IOException {
    Path file = dir.resolve(name);
    try (DataFileWriter<GenericRecord> writer =
        new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(ROW))) {
      writer.setCodec(CodecFactory.deflateCodec(6));
      writer.create(ROW, file.toFile());
      for (int i = 1; i <= 30; i++) {
        writer.append(row(i));
        if (i % 10 == 0) {
          writer.sync(); // ends a block of 10 records
        }
      }
    }
    return file;
  }

  private static List<Long> ids(CollectingSink sink) {
    return sink.examples.stream().map(e -> e.int64s(0)[0]).toList();
  }

  private static List<Long> range(long first, long last) {
    return java.util.stream.LongStream.rangeClosed(first, last).boxed().toList();
  }

  @Test
  void aFileCutInsideADataBlockKeepsTheBlocksBeforeAndLosesAtLeastThatBlock() throws IOException {
    // The file is a header and 3 blocks, each ending with the sync marker: cut halfway into the
    // third.
    byte[] bytes = Files.readAllBytes(threeBlocks("blocks.avro"));
    int thirdBlockStart = indexOfSecondToLastSync(bytes) + 16;
    Path cut = dir.resolve("cut.avro");
    Files.write(cut, Arrays.copyOf(bytes, (thirdBlockStart + bytes.length) / 2));
    ExampleSchema schema = reader.inferSchema(List.of(new LocalSourceFile(cut)));

    CollectingSink sink = read(schema, cut);

    assertEquals(range(1, 20), ids(sink));
    assertEquals(List.of(), sink.deadLetters);
    assertEquals(1, sink.damages.size());
    FileDamage rest = sink.damages.get(0);
    assertEquals(cut.toString(), rest.source());
    assertEquals(21, rest.record());
    assertEquals(20, rest.recordsBefore());
    assertEquals(thirdBlockStart, rest.byteOffset());
    assertEquals(FileDamage.LostBasis.AT_LEAST, rest.lostBasis());
    assertEquals(10, rest.recordsLost(), "the cut block's own count");
    assertEquals(null, rest.resumedAtByte());
    assertTrue(rest.reason().startsWith("truncated Avro file"), rest.reason());
  }

  @Test
  void aCorruptBlockIsSkippedExactlyAndTheBlocksAfterItAreRead() throws IOException {
    byte[] bytes = Files.readAllBytes(threeBlocks("blocks.avro"));
    int secondBlockStart = indexOfNthSync(bytes, 2) + 16;
    int thirdBlockStart = indexOfNthSync(bytes, 3) + 16;
    // Deflated data in the middle of the second block, past its count and size.
    Path corrupt =
        DamagedFiles.corrupt(
            threeBlocks("whole.avro"),
            dir.resolve("corrupt.avro"),
            (secondBlockStart + thirdBlockStart) / 2,
            8);

    CollectingSink sink = read(reader.inferSchema(List.of(new LocalSourceFile(corrupt))), corrupt);

    assertEquals(
        java.util.stream.Stream.concat(range(1, 10).stream(), range(21, 30).stream()).toList(),
        ids(sink));
    assertEquals(1, sink.damages.size());
    FileDamage damage = sink.damages.get(0);
    assertEquals(11, damage.record());
    assertEquals(secondBlockStart, damage.byteOffset());
    assertEquals(FileDamage.LostBasis.EXACT, damage.lostBasis());
    assertEquals(10, damage.recordsLost());
    assertEquals((long) thirdBlockStart, damage.resumedAtByte());
  }

  @Test
  void aCorruptSyncMarkerLosesExactlyTheBlockItEnds() throws IOException {
    byte[] bytes = Files.readAllBytes(threeBlocks("sync.avro"));
    // The sync marker after the first block (the header's own marker comes first).
    int firstBlockSync = indexOfNthSync(bytes, 2);
    bytes[firstBlockSync] ^= 0x01;
    Path corrupt = dir.resolve("corrupt.avro");
    Files.write(corrupt, bytes);

    CollectingSink sink = read(reader.inferSchema(List.of(new LocalSourceFile(corrupt))), corrupt);

    // The first block is only handed out after its trailing marker is checked; the next block's
    // own framing holds, so it and the third are read.
    assertEquals(range(11, 30), ids(sink));
    assertEquals(1, sink.damages.size());
    FileDamage damage = sink.damages.get(0);
    assertEquals(1, damage.record());
    assertEquals(new FileDamage.Lost(10, FileDamage.LostBasis.EXACT), lost(damage));
    assertTrue(damage.reason().contains("its sync marker does not match"), damage.reason());
  }

  @Test
  void aBlockWhoseFramingIsCorruptIsSkippedToTheNextSyncMarkerAndItsRecordsEstimated()
      throws IOException {
    byte[] bytes = Files.readAllBytes(threeBlocks("framing.avro"));
    int secondBlockStart = indexOfNthSync(bytes, 2) + 16;
    int thirdBlockStart = indexOfNthSync(bytes, 3) + 16;
    // The second block's count and size varints become garbage (a negative count).
    bytes[secondBlockStart] = (byte) 0x01;
    bytes[secondBlockStart + 1] = (byte) 0xFF;
    Path corrupt = dir.resolve("corrupt.avro");
    Files.write(corrupt, bytes);

    CollectingSink sink = read(reader.inferSchema(List.of(new LocalSourceFile(corrupt))), corrupt);

    assertEquals(
        java.util.stream.Stream.concat(range(1, 10).stream(), range(21, 30).stream()).toList(),
        ids(sink));
    FileDamage damage = sink.damages.get(0);
    assertEquals(FileDamage.LostBasis.ESTIMATED, damage.lostBasis());
    assertEquals(10, damage.recordsLost(), 2, "blocks of the same size hold about as many");
    assertEquals((long) thirdBlockStart, damage.resumedAtByte());
  }

  private static FileDamage.Lost lost(FileDamage damage) {
    return new FileDamage.Lost(damage.recordsLost(), damage.lostBasis());
  }

  @Test
  void aFileThatIsNotAvroIsADamageAndNoSchema() throws IOException {
    Path file = dir.resolve("not.avro");
    Files.writeString(file, "id,name\n1,x\n");
    CollectingSink sink = read(ExampleSchema.of(FeatureSpec.of("id", FeatureType.INT)), file);
    assertEquals(0, sink.examples.size());
    assertEquals(List.of(), sink.deadLetters);
    assertEquals(1, sink.damages.size());
    assertEquals(FileDamage.Lost.atLeast(1), lost(sink.damages.get(0)));
    assertTrue(sink.damages.get(0).reason().startsWith("not a readable Avro data file"));
    InputException e =
        assertThrows(
            InputException.class, () -> reader.inferSchema(List.of(new LocalSourceFile(file))));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }

  // ---- helpers ----

  private static GenericRecord row(int i) {
    GenericData.Record r = new GenericData.Record(ROW);
    r.put("id", (long) i);
    r.put("count", i * 10);
    r.put("flag", true);
    r.put("score", 0.5f);
    r.put("ratio", 1.0 / 3);
    r.put("name", "row " + i);
    r.put("payload", ByteBuffer.wrap(new byte[] {1, 2, 3}));
    r.put("color", new GenericData.EnumSymbol(ROW.getField("color").schema(), "GREEN"));
    r.put(
        "hash",
        new GenericData.Fixed(
            ROW.getField("hash").schema(), new byte[] {(byte) 0xCA, (byte) 0xFE}));
    r.put("tags", List.of("a", "b"));
    r.put("day", (int) DAY.toEpochDay());
    r.put("at_millis", INSTANT.toEpochMilli());
    r.put("at_micros", INSTANT.getEpochSecond() * 1_000_000 + INSTANT.getNano() / 1000);
    r.put(
        "price",
        new Conversions.DecimalConversion()
            .toBytes(new BigDecimal("1234.56"), PRICE, PRICE.getLogicalType()));
    return r;
  }

  private static GenericRecord record(Schema schema, Object... namesAndValues) {
    GenericData.Record r = new GenericData.Record(schema);
    for (int i = 0; i < namesAndValues.length; i += 2) {
      r.put((String) namesAndValues[i], namesAndValues[i + 1]);
    }
    return r;
  }

  private Path write(String name, Schema schema, CodecFactory codec, GenericRecord... records)
      throws IOException {
    Path file = dir.resolve(name);
    try (DataFileWriter<GenericRecord> writer =
        new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(schema))) {
      writer.setCodec(codec);
      writer.create(schema, file.toFile());
      for (GenericRecord r : records) {
        writer.append(r);
      }
    }
    return file;
  }

  private CollectingSink read(ExampleSchema schema, Path file) {
    CollectingSink sink = new CollectingSink();
    reader.read(new LocalSourceFile(file), schema, sink);
    return sink;
  }

  /** The file's 16-byte sync marker ends its header and every block. */
  private static byte[] syncMarker(byte[] file) {
    // The header ends with the marker, right before the first block; the file ends with it too.
    return Arrays.copyOfRange(file, file.length - 16, file.length);
  }

  private static int indexOfNthSync(byte[] file, int n) {
    byte[] sync = syncMarker(file);
    int found = 0;
    for (int i = 0; i + 16 <= file.length; i++) {
      if (Arrays.equals(file, i, i + 16, sync, 0, 16) && ++found == n) {
        return i;
      }
    }
    throw new AssertionError("sync marker " + n + " not found");
  }

  private static int indexOfSecondToLastSync(byte[] file) {
    byte[] sync = syncMarker(file);
    int last = -1;
    int beforeLast = -1;
    for (int i = 0; i + 16 <= file.length; i++) {
      if (Arrays.equals(file, i, i + 16, sync, 0, 16)) {
        beforeLast = last;
        last = i;
      }
    }
    return beforeLast;
  }
}
