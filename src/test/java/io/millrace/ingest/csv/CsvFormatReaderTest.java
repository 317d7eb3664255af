package io.millrace.ingest.csv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.ingest.DeadLetter;
import io.millrace.ingest.FileDamage;
import io.millrace.ingest.FileRange;
import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.InputException;
import io.millrace.ingest.LocalSourceFile;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureType;
import io.millrace.testing.CollectingSink;
import io.millrace.testing.DamagedFiles;
import io.millrace.testing.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvFormatReaderTest {
  @TempDir Path dir;

  private static CollectingSink read(CsvFormatReader reader, Path file) throws IOException {
    return CollectingSink.read(reader, file);
  }

  @Test
  void readsTaxiTrainingDataWithInferredTypesAndExactValues() throws IOException {
    Path train = SharedData.path("taxi/tutorial/train.csv");
    CsvFormatReader reader = new CsvFormatReader(FormatOptions.defaults());
    ExampleSchema schema = reader.inferSchema(List.of(new LocalSourceFile(train)));

    assertEquals(18, schema.size());
    assertEquals(FeatureType.FLOAT, schema.type(schema.requireIndex("fare")));
    assertEquals(FeatureType.FLOAT, schema.type(schema.requireIndex("tips")));
    assertEquals(FeatureType.INT, schema.type(schema.requireIndex("trip_start_hour")));
    assertEquals(FeatureType.INT, schema.type(schema.requireIndex("trip_start_timestamp")));
    assertEquals(FeatureType.INT, schema.type(schema.requireIndex("dropoff_census_tract")));
    assertEquals(FeatureType.BYTES, schema.type(schema.requireIndex("payment_type")));
    assertEquals(FeatureType.BYTES, schema.type(schema.requireIndex("company")));
    // Never filled in the data: no values to infer from, so bytes.
    assertEquals(FeatureType.BYTES, schema.type(schema.requireIndex("pickup_census_tract")));

    CollectingSink out = new CollectingSink();
    reader.read(new LocalSourceFile(train), schema, out);
    assertEquals(0, out.deadLetters.size());

    // Expected values from a naive split of the file: the taxi data has no quoted cells.
    List<String> lines = Files.readAllLines(train);
    List<String> header = Arrays.asList(lines.get(0).split(","));
    int fareColumn = header.indexOf("fare");
    int companyColumn = header.indexOf("company");
    double fareSum = 0;
    int missingCompany = 0;
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split(",", -1);
      fareSum += cells[fareColumn].isEmpty() ? 0 : Double.parseDouble(cells[fareColumn]);
      missingCompany += cells[companyColumn].isEmpty() ? 1 : 0;
    }
    assertEquals(10_000, lines.size() - 1);
    assertEquals(lines.size() - 1, out.examples.size());

    int fare = schema.requireIndex("fare");
    int company = schema.requireIndex("company");
    double readFareSum = 0;
    int readMissingCompany = 0;
    for (Example e : out.examples) {
      readFareSum += e.isMissing(fare) ? 0 : e.floats(fare)[0];
      readMissingCompany += e.isMissing(company) ? 1 : 0;
    }
    assertEquals(fareSum, readFareSum, 1e-6);
    assertEquals(missingCompany, readMissingCompany);

    Example first = out.examples.get(0);
    assertEquals(12.85, first.floats(fare)[0]);
    assertEquals(
        "Taxi Affiliation Services", new String(first.bytes(company)[0], StandardCharsets.UTF_8));
    assertEquals(1393673400L, first.int64s(schema.requireIndex("trip_start_timestamp"))[0]);
    assertTrue(first.isMissing(schema.requireIndex("pickup_census_tract")));
  }

  @Test
  void everyBadRowBecomesOneDeadLetterNamingLineAndField() throws IOException {
    Path file = dir.resolve("bad.csv");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.writeBytes(
        ("id,score,name\n"
                + "1,2.5,alpha\n"
                + "2,oops,beta\n"
                + "3,4.0\n"
                + "4,\"5.5\",\"multi\nline, with comma\"\n"
                + "5,6.0,")
            .getBytes(StandardCharsets.UTF_8));
    bytes.writeBytes(new byte[] {(byte) 0xC3, (byte) 0x28}); // not UTF-8
    bytes.writeBytes("\n6,1e3,\"say \"\"hi\"\"\"\n".getBytes(StandardCharsets.UTF_8));
    Files.write(file, bytes.toByteArray());

    CsvFormatReader reader =
        new CsvFormatReader(
            FormatOptions.defaults().withFeatureTypes(Map.of("score", FeatureType.FLOAT)));
    CollectingSink out = read(reader, file);

    assertEquals(3, out.examples.size());
    assertEquals(3, out.deadLetters.size());
    DeadLetter unparsable = out.deadLetters.get(0);
    assertEquals(file.toString(), unparsable.source());
    assertEquals(3, unparsable.recordNumber());
    assertEquals("score", unparsable.field());
    assertTrue(unparsable.reason().contains("'oops'"), unparsable.reason());
    DeadLetter short_ = out.deadLetters.get(1);
    assertEquals(4, short_.recordNumber());
    assertNull(short_.field());
    assertTrue(short_.reason().contains("expected 3 fields"), short_.reason());
    DeadLetter utf8 = out.deadLetters.get(2);
    assertEquals(7, utf8.recordNumber());
    assertEquals("name", utf8.field());
    assertTrue(utf8.reason().contains("UTF-8"), utf8.reason());

    ExampleSchema schema = out.examples.get(0).schema();
    int name = schema.requireIndex("name");
    assertEquals(
        "multi\nline, with comma",
        new String(out.examples.get(1).bytes(name)[0], StandardCharsets.UTF_8));
    assertEquals(1000.0, out.examples.get(2).floats(schema.requireIndex("score"))[0]);
    assertEquals(
        "say \"hi\"", new String(out.examples.get(2).bytes(name)[0], StandardCharsets.UTF_8));
  }

  private Path squaresGzip(int rows) throws IOException {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(gz)) {
      out.write("n,square\n".getBytes(StandardCharsets.UTF_8));
      for (int i = 1; i <= rows; i++) {
        out.write((i + "," + (long) i * i + "\n").getBytes(StandardCharsets.UTF_8));
      }
    }
    return Files.write(dir.resolve("squares.csv.gz"), gz.toByteArray());
  }

  @Test
  void truncatedGzipKeepsTheRowsBeforeTheCutAndIsADamageOfAtLeastOneRecord() throws IOException {
    int rows = 20_000;
    byte[] whole = Files.readAllBytes(squaresGzip(rows));
    Path file = dir.resolve("cut.csv.gz");
    Files.write(file, Arrays.copyOf(whole, whole.length * 2 / 3));

    CollectingSink out = read(new CsvFormatReader(FormatOptions.defaults()), file);

    // Every line complete before the cut is read: none is thrown away with the stream's failure.
    assertEquals(completeLinesBeforeTheCut(file) - 1, out.examples.size());
    assertTrue(out.examples.size() > 1000 && out.examples.size() < rows, "" + out.examples.size());
    for (int i = 0; i < out.examples.size(); i++) {
      assertEquals(i + 1, out.examples.get(i).int64s(0)[0]);
      assertEquals((long) (i + 1) * (i + 1), out.examples.get(i).int64s(1)[0]);
    }
    // The cut-off last line is not read as a (shorter, wrong) record: it is part of the damage.
    assertEquals(List.of(), out.deadLetters);
    assertEquals(1, out.damages.size());
    FileDamage rest = out.damages.get(0);
    assertEquals(file.toString(), rest.source());
    assertEquals(out.examples.size() + 2, rest.record(), "the line the unread part starts on");
    assertEquals(out.examples.size(), rest.recordsBefore());
    assertEquals(FileDamage.LostBasis.AT_LEAST, rest.lostBasis());
    assertEquals(1, rest.recordsLost());
    assertTrue(rest.decompressedOffset());
    long bytesBefore = "n,square\n".length();
    for (int i = 1; i <= out.examples.size(); i++) {
      bytesBefore += (i + "," + (long) i * i + "\n").length();
    }
    assertEquals(bytesBefore, rest.byteOffset());
    assertTrue(rest.reason().contains("GZIP stream is cut short"), rest.reason());
  }

  /** The complete lines a cut-off GZIP file holds, read byte by byte up to the failure. */
  private static long completeLinesBeforeTheCut(Path gz) throws IOException {
    long lines = 0;
    try (java.io.InputStream in = new java.util.zip.GZIPInputStream(Files.newInputStream(gz))) {
      for (int b = in.read(); b >= 0; b = in.read()) {
        lines += b == '\n' ? 1 : 0;
      }
    } catch (java.io.EOFException cut) {
      return lines;
    }
    throw new AssertionError("the file is not cut short");
  }

  @Test
  void aSmallGzipFileCutInHalfStillGivesItsHeaderAndRows() throws IOException {
    Path penguins = SharedData.path("penguins/penguins.csv");
    Path cut =
        DamagedFiles.cutInHalf(
            DamagedFiles.gzip(penguins, dir.resolve("penguins.csv.gz")), dir.resolve("cut.gz"));

    CollectingSink out =
        read(new CsvFormatReader(FormatOptions.defaults().withMissingValues(Set.of("NA"))), cut);

    assertEquals(completeLinesBeforeTheCut(cut) - 1, out.examples.size());
    assertTrue(out.examples.size() > 100, "" + out.examples.size());
    assertEquals(1, out.damages.size());
  }

  @Test
  void corruptGzipKeepsTheRowsBeforeAndEstimatesTheRecordsLostFromTheBytesLeft()
      throws IOException {
    int rows = 200_000;
    Path whole = squaresGzip(rows);
    // 4 KiB flipped a quarter into the file: inflating fails there ("invalid distance code").
    Path file =
        DamagedFiles.corrupt(whole, dir.resolve("corrupt.csv.gz"), Files.size(whole) / 4, 4096);

    CollectingSink out = read(new CsvFormatReader(FormatOptions.defaults()), file);

    assertEquals(1, out.damages.size(), "" + out.damages);
    FileDamage rest = out.damages.get(0);
    assertEquals(FileDamage.LostBasis.ESTIMATED, rest.lostBasis());
    assertTrue(rest.reason().startsWith("corrupt GZIP stream"), rest.reason());
    // About three quarters of the file is after the damage.
    long accounted = out.examples.size() + out.deadLetters.size() + rest.recordsLost();
    assertEquals(rows, accounted, rows * 0.1, "examples + dead letters + estimated lost");
    assertTrue(rest.recordsLost() > rows / 2, "" + rest);
  }

  @Test
  void gzipDamageThatStillInflatesIsADamageFoundAtTheChecksum() throws IOException {
    Path whole = squaresGzip(200_000);
    // 64 bytes flipped inflate to wrong text; only the CRC-32 at the end tells.
    Path file =
        DamagedFiles.corrupt(whole, dir.resolve("corrupt.csv.gz"), Files.size(whole) / 4, 64);

    CollectingSink out = read(new CsvFormatReader(FormatOptions.defaults()), file);

    assertEquals(1, out.damages.size(), "" + out.damages);
    FileDamage damage = out.damages.get(0);
    assertEquals(FileDamage.LostBasis.AT_LEAST, damage.lostBasis());
    assertTrue(damage.reason().contains("may hold wrong values"), damage.reason());
    assertTrue(damage.lostText().startsWith("an unknown number"), damage.lostText());
  }

  @Test
  void matchesColumnsByNameAndDeadLettersRowsOfUnknownColumns() throws IOException {
    Path first = dir.resolve("a.csv");
    Path reordered = dir.resolve("b.csv");
    Path extra = dir.resolve("c.csv");
    Files.writeString(first, "x,y\n1,a\n");
    Files.writeString(reordered, "y,x\nb,2\n");
    Files.writeString(extra, "x,y,z\n3,c,9\n4,d,9\n");
    CsvFormatReader reader = new CsvFormatReader(FormatOptions.defaults());
    ExampleSchema schema = reader.inferSchema(List.of(new LocalSourceFile(first)));
    CollectingSink out = new CollectingSink();
    for (Path p : List.of(first, reordered, extra)) {
      reader.read(new LocalSourceFile(p), schema, out);
    }
    assertEquals(2, out.examples.size());
    assertEquals(2L, out.examples.get(1).int64s(schema.requireIndex("x"))[0]);
    assertEquals(2, out.deadLetters.size());
    assertEquals("z", out.deadLetters.get(0).field());
    assertEquals(2, out.deadLetters.get(0).recordNumber());
    assertEquals(3, out.deadLetters.get(1).recordNumber());
  }

  @Test
  void missingValueMarkersKeepNumericColumnsNumeric() throws IOException {
    Path penguins = SharedData.path("penguins/penguins.csv");
    ExampleSchema plain =
        new CsvFormatReader(FormatOptions.defaults())
            .inferSchema(List.of(new LocalSourceFile(penguins)));
    assertEquals(FeatureType.BYTES, plain.type(plain.requireIndex("bill_length_mm")));

    CsvFormatReader reader =
        new CsvFormatReader(FormatOptions.defaults().withMissingValues(Set.of("NA")));
    CollectingSink out = read(reader, penguins);
    ExampleSchema schema = out.examples.get(0).schema();
    int bill = schema.requireIndex("bill_length_mm");
    assertEquals(FeatureType.FLOAT, schema.type(bill));
    assertEquals(FeatureType.INT, schema.type(schema.requireIndex("body_mass_g")));
    assertEquals(344, out.examples.size());
    assertEquals(0, out.deadLetters.size());
    long missingBill = out.examples.stream().filter(e -> e.isMissing(bill)).count();
    long naInFile =
        Files.readAllLines(penguins).stream()
            .skip(1)
            .filter(l -> l.split(",", -1)[2].equals("NA"))
            .count();
    assertEquals(naInFile, missingBill);
    assertTrue(missingBill > 0);
  }

  @Test
  void givenTypesMustNameColumnsOfTheHeader() throws IOException {
    Path file = dir.resolve("t.csv");
    Files.writeString(file, "a\n1\n");
    CsvFormatReader reader =
        new CsvFormatReader(
            FormatOptions.defaults().withFeatureTypes(Map.of("b", FeatureType.INT)));
    InputException e =
        assertThrows(
            InputException.class, () -> reader.inferSchema(List.of(new LocalSourceFile(file))));
    assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains(file.toString()));
  }

  @Test
  void rangesReadExactlyWhatTheWholeFileReadsWithTheFilesLineNumbers() throws IOException {
    StringBuilder csv = new StringBuilder("id,note,value\n");
    for (int i = 1; i <= 3_000; i++) {
      String note = i % 7 == 0 ? "\"two\nlines, \"\"quoted\"\"\"" : "plain " + i;
      String value = i % 500 == 0 ? "bad" : String.valueOf(i * 0.25);
      csv.append(i).append(',').append(note).append(',').append(value).append('\n');
    }
    Path file = dir.resolve("ranges.csv");
    Files.writeString(file, csv);
    CsvFormatReader reader =
        new CsvFormatReader(
            FormatOptions.defaults().withFeatureTypes(Map.of("value", FeatureType.FLOAT)));
    LocalSourceFile source = new LocalSourceFile(file);
    ExampleSchema schema = reader.inferSchema(List.of(source));

    CollectingSink whole = new CollectingSink();
    reader.read(source, schema, whole);
    List<FileRange> ranges = reader.split(source, schema, 4_096);
    assertTrue(ranges.size() > 10, "ranges: " + ranges.size());
    CollectingSink parts = new CollectingSink();
    for (FileRange range : ranges) {
      reader.read(source, range, schema, parts);
    }

    assertEquals(3_000 - 6, whole.examples.size());
    assertEquals(whole.examples, parts.examples);
    assertEquals(whole.deadLetters, parts.deadLetters);
    // Line numbers count the extra line of every seventh record's quoted note.
    assertEquals(500 + 1 + 500 / 7, parts.deadLetters.get(0).recordNumber());
    assertEquals(Files.size(file), ranges.get(ranges.size() - 1).end());
  }

  @Test
  void smallAndCompressedFilesAreReadWhole() throws IOException {
    Path train = SharedData.path("taxi/tutorial/train.csv");
    CsvFormatReader reader = new CsvFormatReader(FormatOptions.defaults());
    assertEquals(
        List.of(FileRange.whole()),
        reader.split(new LocalSourceFile(train), null, Files.size(train)));
    Path gz = dir.resolve("train.csv.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      Files.copy(train, out);
    }
    assertEquals(List.of(FileRange.whole()), reader.split(new LocalSourceFile(gz), null, 1_000));
  }

  @Test
  void numbersAreStrict() {
    assertTrue(Numbers.isDecimal("-1.5e3"));
    assertTrue(Numbers.isDecimal(".5"));
    assertTrue(Numbers.isDecimal("NaN"));
    assertTrue(Numbers.isDecimal("-inf"));
    assertTrue(!Numbers.isDecimal("7f"));
    assertTrue(!Numbers.isDecimal("0x1p3"));
    assertTrue(!Numbers.isDecimal("1e"));
    assertTrue(!Numbers.isDecimal("."));
    assertTrue(Numbers.isInteger("-9223372036854775808"));
    assertTrue(!Numbers.isInteger("9223372036854775808"));
    assertEquals(Double.NEGATIVE_INFINITY, Numbers.parseDecimal("-Infinity"));
  }
}
