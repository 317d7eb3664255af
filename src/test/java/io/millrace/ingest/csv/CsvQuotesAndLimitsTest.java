package io.millrace.ingest.csv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.ingest.DeadLetter;
import io.millrace.ingest.FileRange;
import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.LocalSourceFile;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureType;
import io.millrace.testing.CollectingSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Quotes that never close or run on over rows, and values longer than the limits: each costs one
 * dead letter naming line and column, and every other row is read.
 */
class CsvQuotesAndLimitsTest {
  private static final FormatOptions TYPED =
      FormatOptions.defaults()
          .withFeatureTypes(
              Map.of("id", FeatureType.INT, "name", FeatureType.BYTES, "score", FeatureType.FLOAT));

  @TempDir Path dir;

  /** {@code id,name,score} rows 1..n, with some lines replaced (1-based line numbers). */
  private Path rows(int n, Map<Integer, String> replaced) throws IOException {
    List<String> lines = new ArrayList<>(List.of("id,name,score"));
    for (int i = 1; i <= n; i++) {
      lines.add(i + ",name " + i + "," + (i * 0.5));
    }
    replaced.forEach((line, text) -> lines.set(line - 1, text));
    return Files.write(dir.resolve("rows.csv"), lines);
  }

  private static CollectingSink read(CsvFormatReader reader, Path file) throws IOException {
    LocalSourceFile source = new LocalSourceFile(file);
    CollectingSink sink = new CollectingSink();
    reader.read(source, reader.inferSchema(List.of(source)), sink);
    return sink;
  }

  private static List<Long> ids(CollectingSink sink) {
    return sink.examples.stream().map(e -> e.int64s(0)[0]).toList();
  }

  private static List<Long> idsExcept(int n, long... missing) {
    List<Long> ids = new ArrayList<>();
    for (long i = 1; i <= n; i++) {
      final long id = i;
      if (java.util.Arrays.stream(missing).noneMatch(m -> m == id)) {
        ids.add(i);
      }
    }
    return ids;
  }

  @Test
  void anUnterminatedQuoteMidFileIsOneDeadLetterAndTheRowsItSwallowedAreRead() throws IOException {
    Path file = rows(300, Map.of(101, "100,\"unterminated,50.0"));

    CollectingSink out = read(new CsvFormatReader(TYPED), file);

    assertEquals(idsExcept(300, 100), ids(out));
    assertEquals(1, out.deadLetters.size(), "" + out.deadLetters);
    DeadLetter bad = out.deadLetters.get(0);
    assertEquals(101, bad.recordNumber());
    assertEquals("name", bad.field());
    assertEquals("100,\"unterminated,50.0", bad.raw());
    assertTrue(
        bad.reason().startsWith("suspected unterminated quote: the quoted value of column 'name'"),
        bad.reason());
    assertTrue(bad.reason().contains("opened on line 101"), bad.reason());
    assertEquals(List.of(), out.damages);
  }

  @Test
  void aQuoteOpenAtTheEndOfTheFileIsADeadLetterNotAValue() throws IOException {
    Path file = rows(300, Map.of(301, "300,name 300,\"150.0"));

    CollectingSink out = read(new CsvFormatReader(TYPED), file);

    assertEquals(idsExcept(300, 300), ids(out));
    assertEquals(1, out.deadLetters.size());
    DeadLetter bad = out.deadLetters.get(0);
    assertEquals(301, bad.recordNumber());
    assertEquals("score", bad.field());
    assertTrue(bad.reason().startsWith("unterminated quote"), bad.reason());
    assertTrue(bad.reason().contains("end of the input"), bad.reason());
  }

  @Test
  void linesAfterAQuoteLeftOpenToTheEndAreReadAgainAsRecords() throws IOException {
    // The quote opens on line 299; the two lines after it are not rows (one field each), so only
    // the end of the file shows the quote is unterminated. Nothing is lost: each line is a record.
    Path file = rows(300, Map.of(299, "298,\"open,149.0", 300, "stray text", 301, "more text"));

    CollectingSink out = read(new CsvFormatReader(TYPED), file);

    assertEquals(idsExcept(300, 298, 299, 300), ids(out));
    assertEquals(
        List.of(299L, 300L, 301L), out.deadLetters.stream().map(DeadLetter::recordNumber).toList());
    assertTrue(out.deadLetters.get(0).reason().startsWith("unterminated quote"));
    assertTrue(out.deadLetters.get(1).reason().startsWith("expected 3 fields"));
  }

  @Test
  void aStrayQuoteClosedByTheNextRowDoesNotSwallowIt() throws IOException {
    // The quote on line 12 closes the stray one of line 11 into a record of the right field count
    // (10 | stray,5.0\n11,name 11" | 5.5); but line 12 is a row by itself, with numbers that parse.
    Path file = rows(20, Map.of(11, "10,\"stray,5.0", 12, "11,\"name 11\",5.5"));

    CollectingSink out = read(new CsvFormatReader(TYPED), file);

    assertEquals(idsExcept(20, 10), ids(out));
    assertEquals(1, out.deadLetters.size());
    DeadLetter bad = out.deadLetters.get(0);
    assertEquals(11, bad.recordNumber());
    assertTrue(bad.reason().contains("runs on into line 12"), bad.reason());
  }

  @Test
  void aRecordJoinedOverLinesByAQuoteWithTheWrongFieldCountIsReported() throws IOException {
    Path file = rows(20, Map.of(11, "10,\"stray,5.0", 12, "x\"y,z,w,v"));

    CollectingSink out = read(new CsvFormatReader(TYPED), file);

    assertEquals(idsExcept(20, 10, 11), ids(out));
    assertEquals(2, out.deadLetters.size());
    DeadLetter bad = out.deadLetters.get(0);
    assertEquals(11, bad.recordNumber());
    assertTrue(bad.reason().contains("spans lines and the record has 5 fields"), bad.reason());
    assertEquals(12, out.deadLetters.get(1).recordNumber());
    assertTrue(out.deadLetters.get(1).reason().startsWith("expected 3 fields"));
  }

  @Test
  void quotedValuesOverSeveralLinesWithDelimitersStayOneValue() throws IOException {
    String note = "\"123 Main St, Apt 4\nSpringfield, IL\nUSA, Earth\nsee also: a, b\"";
    Files.writeString(dir.resolve("notes.csv"), "id,note\n1," + note + "\n2,plain\n");

    CollectingSink out =
        read(new CsvFormatReader(FormatOptions.defaults()), dir.resolve("notes.csv"));

    assertEquals(List.of(), out.deadLetters);
    assertEquals(2, out.examples.size());
    assertEquals(
        "123 Main St, Apt 4\nSpringfield, IL\nUSA, Earth\nsee also: a, b",
        new String(out.examples.get(0).bytes(1)[0], java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void aFieldOverTheLimitIsOneDeadLetterAndReadingGoesOnWithTheNextRecord() throws IOException {
    String longName = "x".repeat(5000);
    String longQuoted = "\"" + "y,\n".repeat(2000) + "\"";
    Path file = rows(50, Map.of(11, "10," + longName + ",5.0", 31, "30," + longQuoted + ",15.0"));

    CollectingSink out = read(new CsvFormatReader(TYPED, 1024), file);

    assertEquals(idsExcept(50, 10, 30), ids(out));
    assertEquals(2, out.deadLetters.size());
    DeadLetter first = out.deadLetters.get(0);
    assertEquals(11, first.recordNumber());
    assertEquals("name", first.field());
    assertTrue(first.reason().contains("is longer than"), first.reason());
    assertTrue(first.raw().startsWith("10,xxxx"), first.raw());
    // The quoted value spans 2000 lines: the next record starts on the line after it.
    assertEquals(31, out.deadLetters.get(1).recordNumber());
    assertEquals(List.of(), out.damages);
  }

  @Test
  void aRecordOfTooManyFieldsIsOneDeadLetter() throws IOException {
    Path file = rows(20, Map.of(6, "5," + "x,".repeat(CsvTokenizer.MAX_FIELDS) + "2.5"));

    CollectingSink out = read(new CsvFormatReader(TYPED), file);

    assertEquals(idsExcept(20, 5), ids(out));
    assertEquals(1, out.deadLetters.size());
    assertEquals(6, out.deadLetters.get(0).recordNumber());
    assertTrue(
        out.deadLetters.get(0).reason().startsWith("the record has more than 16384 fields"),
        out.deadLetters.get(0).reason());
  }

  @Test
  void anOverLongUnterminatedQuoteIsReadAgainFromTheLineAfterIt() throws IOException {
    // Over the limit the value's bytes are dropped as they are read; at the end of the file the
    // quote is still open, so the file is opened again on the line after the quote.
    List<String> tail = IntStream.range(0, 500).mapToObj(i -> "text without delimiters").toList();
    List<String> lines = new ArrayList<>(List.of("id,name,score", "1,a,0.5", "2,\"open,1.0"));
    lines.addAll(tail);
    Path file = Files.write(dir.resolve("open.csv"), lines);

    CollectingSink out = read(new CsvFormatReader(TYPED, 1024), file);

    assertEquals(List.of(1L), ids(out));
    assertEquals(501, out.deadLetters.size());
    assertEquals(3, out.deadLetters.get(0).recordNumber());
    assertTrue(out.deadLetters.get(0).reason().startsWith("unterminated quote"));
    assertEquals(4, out.deadLetters.get(1).recordNumber());
    assertEquals(503, out.deadLetters.get(500).recordNumber());
  }

  @Test
  void rangesReadWhatTheWholeFileReadsWithQuotesInsideValuesAndRunawayQuotes() throws IOException {
    // A quote inside an unquoted value is literal (5" pizza); a quoted value spans lines; one quote
    // runs away. Ranges must start exactly where a whole-file read starts records.
    StringBuilder csv = new StringBuilder("id,name,score\n");
    for (int i = 1; i <= 3_000; i++) {
      String name =
          i % 11 == 0
              ? "a 5\" pizza"
              : i % 7 == 0 ? "\"two\nlines, \"\"quoted\"\"\"" : i == 1_500 ? "\"runaway" : "n" + i;
      csv.append(i).append(',').append(name).append(',').append(i * 0.25).append('\n');
    }
    Path file = Files.writeString(dir.resolve("ranges.csv"), csv);
    CsvFormatReader reader = new CsvFormatReader(TYPED);
    LocalSourceFile source = new LocalSourceFile(file);
    ExampleSchema schema = reader.inferSchema(List.of(source));

    CollectingSink whole = new CollectingSink();
    reader.read(source, schema, whole);
    List<FileRange> ranges = reader.split(source, schema, 2_048);
    assertTrue(ranges.size() > 10, "ranges: " + ranges.size());
    CollectingSink parts = new CollectingSink();
    for (FileRange range : ranges) {
      reader.read(source, range, schema, parts);
    }

    assertEquals(2_999, whole.examples.size());
    assertEquals(1, whole.deadLetters.size());
    assertEquals(whole.examples, parts.examples);
    assertEquals(whole.deadLetters, parts.deadLetters);
  }

  /** Records as lists of fields, read by the tokenizer. */
  private static List<List<String>> tokenize(String text) throws IOException {
    byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    List<List<String>> records = new ArrayList<>();
    try (CsvTokenizer csv =
        new CsvTokenizer(
            new java.io.ByteArrayInputStream(bytes), 0, 1, ',', 1 << 20, 1 << 22, null)) {
      while (csv.next()) {
        assertEquals(CsvTokenizer.Problem.NONE, csv.problem(), text);
        List<String> fields = new ArrayList<>();
        for (int i = 0; i < csv.fieldCount(); i++) {
          fields.add(csv.field(i));
        }
        records.add(fields);
      }
    }
    return records;
  }

  /** The same, read by FastCSV, the parser this project used before. */
  private static List<List<String>> fastCsv(String text) {
    List<List<String>> records = new ArrayList<>();
    try (de.siegmar.fastcsv.reader.CsvReader<de.siegmar.fastcsv.reader.CsvRecord> csv =
        de.siegmar.fastcsv.reader.CsvReader.builder()
            .ignoreDifferentFieldCount(true)
            .skipEmptyLines(true)
            .ofCsvRecord(text)) {
      csv.forEach(r -> records.add(r.getFields()));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return records;
  }

  @Test
  void wellFormedInputReadsAsFastCsvReadsIt() throws IOException {
    for (String text :
        List.of(
            "a,b\r\nc,d\re,f\n",
            "\n\na,b\n\r\n\nc,d",
            "x,\"quoted, with comma\",\"multi\r\nline\"\n",
            "\"a\"\"b\",c\n\"\",\"\"\"\"\n",
            "\"ab\"cd,e\n",
            "a\"b,c\"d\n",
            "a,b,\n,,\n",
            "\uFEFFid,name\n1,caf\u00e9 \u2603 \uFFFD\n",
            "t\u00e4st,\"\u00fc\u00f1\u00ee\n\u00e7\u00f6d\u00e9\"\n",
            "a".repeat(70_000) + ",b\n" + "c,".repeat(10_000) + "d\n")) {
      assertEquals(fastCsv(text), tokenize(text), text.length() > 100 ? "long text" : text);
    }
  }
}
