package io.millrace.ingest.csv;

import com.google.common.io.ByteStreams;
import io.millrace.ingest.DeadLetter;
import io.millrace.ingest.Decompression;
import io.millrace.ingest.ExampleSink;
import io.millrace.ingest.FileDamage;
import io.millrace.ingest.FileRange;
import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.FormatReader;
import io.millrace.ingest.InputException;
import io.millrace.ingest.SourceFile;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureSpec;
import io.millrace.record.FeatureType;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads CSV files with a header row (RFC 4180 quoting, through {@link CsvTokenizer}),
 * GZIP-compressed or not.
 *
 * <p>Each column is one single-valued feature; an empty cell, or one of {@link
 * FormatOptions#missingValues()}, is a missing value. Column types are given by {@link
 * FormatOptions#featureTypes()} or inferred from a sample of rows: INT when every non-missing value
 * is an integer, FLOAT when every one is a number, BYTES otherwise. Columns are matched to features
 * by header name, so files may order their columns differently; a file without some column gives
 * missing values for it.
 *
 * <p>A row goes to the dead letters when it has the wrong number of fields, a cell does not parse
 * as its column's type, it holds bytes that are not UTF-8, its file has a column the schema does
 * not know, a quote in it is never closed (or runs on over following rows; those rows are then read
 * as the records they are), or a field is longer than 16 MiB (reading goes on with the next
 * record). A GZIP stream that is cut short or corrupt is a {@link FileDamage}: the rows before it
 * are kept and the records lost are counted (at least one when the stream is cut, since nothing
 * tells how much followed; estimated from the compressed bytes left when it is corrupt).
 *
 * <p>Why not FastCSV, which read CSV here before: FastCSV 3.4 takes an unclosed quote at the end of
 * a file for a value and lets one opened mid-file swallow the rows after it without a word; its
 * field limit is a JVM-wide system property, and passing it throws from a reader that cannot go on,
 * losing every row after; and it reads characters with line numbers but no byte offsets, so it can
 * neither resume on the line after a bad record nor say where damage starts.
 */
public final class CsvFormatReader implements FormatReader {
  private static final long serialVersionUID = 1L;

  /**
   * Malformed UTF-8 decodes to this noncharacter instead of U+FFFD, so that a replacement character
   * that was really in the data is not mistaken for a decoding error.
   */
  static final char MALFORMED = '\uFFFF';

  private final FormatOptions options;
  private final int maxFieldBytes;

  public CsvFormatReader(FormatOptions options) {
    this(options, CsvTokenizer.DEFAULT_MAX_FIELD_BYTES);
  }

  /** A reader with another field length limit, for tests. */
  CsvFormatReader(FormatOptions options, int maxFieldBytes) {
    this.options = options;
    this.maxFieldBytes = maxFieldBytes;
  }

  @Override
  public ExampleSchema inferSchema(List<? extends SourceFile> files) throws IOException {
    if (files.isEmpty()) {
      throw new InputException("no CSV files to infer a schema from");
    }
    SourceFile first = files.get(0);
    List<String> header;
    try (CsvTokenizer csv = open(first)) {
      if (!csv.next()) {
        throw new InputException("CSV file " + first.path() + " is empty: it has no header row");
      }
      header = header(csv, first);
    } catch (IOException e) {
      throw new InputException("cannot read the header of CSV file " + first.path(), e);
    }
    for (String name : options.featureTypes().keySet()) {
      if (!header.contains(name)) {
        throw new InputException(
            "a type is given for column '"
                + name
                + "', but the header of "
                + first.path()
                + " has no such column; its columns are "
                + header);
      }
    }

    ColumnTypeGuess[] guesses = new ColumnTypeGuess[header.size()];
    for (int i = 0; i < guesses.length; i++) {
      guesses[i] = new ColumnTypeGuess();
    }
    int sampled = 0;
    for (SourceFile file : files) {
      if (sampled >= options.inferenceSample()) {
        break;
      }
      sampled += sample(file, header, guesses, options.inferenceSample() - sampled);
    }

    List<FeatureSpec> features = new ArrayList<>();
    for (int i = 0; i < header.size(); i++) {
      FeatureType given = options.featureTypes().get(header.get(i));
      features.add(FeatureSpec.of(header.get(i), given != null ? given : guesses[i].type()));
    }
    return ExampleSchema.of(features);
  }

  /** Feeds up to {@code limit} rows of a file to the guesses; returns the rows used. */
  private int sample(SourceFile file, List<String> header, ColumnTypeGuess[] guesses, int limit) {
    int used = 0;
    try (CsvTokenizer csv = open(file)) {
      if (!csv.next()) {
        return 0;
      }
      int[] featureOfColumn = mapColumns(header(csv, file), header);
      csv.expectFields(featureOfColumn.length);
      while (used < limit && csv.next()) {
        if (csv.problem() != CsvTokenizer.Problem.NONE
            || csv.fieldCount() != featureOfColumn.length) {
          continue;
        }
        for (int c = 0; c < featureOfColumn.length; c++) {
          String cell = csv.field(c);
          if (featureOfColumn[c] >= 0 && !isMissing(cell)) {
            guesses[featureOfColumn[c]].observe(cell);
          }
        }
        used++;
      }
    } catch (IOException | RuntimeException e) {
      // The sample is a guess; reading proper reports each bad row of this file.
    }
    return used;
  }

  @Override
  public void read(SourceFile file, ExampleSchema schema, ExampleSink sink) {
    read(file, FileRange.whole(), schema, sink);
  }

  /**
   * Finds record boundaries by tokenizing the file with the very rules reading uses (quotes,
   * runaway quotes checked against the schema, skipped over-long records), so each range starts
   * where a whole-file read starts a record, on a known line. GZIP files are read whole.
   */
  @Override
  public List<FileRange> split(SourceFile file, ExampleSchema schema, long targetBytes)
      throws IOException {
    long size = file.sizeBytes();
    if (size < 2 * targetBytes || isGzip(file)) {
      return List.of(FileRange.whole());
    }
    List<FileRange> ranges = new ArrayList<>();
    try (CsvTokenizer csv = open(file)) {
      if (!csv.next()) {
        return List.of(FileRange.whole());
      }
      List<String> header = stripped(rawHeader(csv));
      csv.expectRows(header.size(), rowCheck(header, schema));
      long rangeStart = csv.nextOffset();
      long rangeFirstLine = csv.nextLine();
      while (csv.next()) {
        if (csv.nextOffset() - rangeStart >= targetBytes) {
          ranges.add(new FileRange(rangeStart, csv.nextOffset(), rangeFirstLine));
          rangeStart = csv.nextOffset();
          rangeFirstLine = csv.nextLine();
        }
      }
      if (rangeStart < size) {
        ranges.add(new FileRange(rangeStart, size, rangeFirstLine));
      }
    }
    return ranges.isEmpty() ? List.of(FileRange.whole()) : ranges;
  }

  @Override
  public void read(SourceFile file, FileRange range, ExampleSchema schema, ExampleSink sink) {
    long records = 0;
    CsvTokenizer csv = null;
    Decompression.Input input = null;
    try {
      List<String> header = range.isWhole() ? null : readHeader(file);
      if (range.isWhole()) {
        input = Decompression.open(file);
        csv = tokenizer(input, 0, 1, offset -> Decompression.openAt(file, offset));
        if (!csv.next()) {
          return;
        }
        header = rawHeader(csv);
      } else {
        csv =
            tokenizer(
                slice(file, range.start(), range.end()),
                range.start(),
                range.firstLine(),
                offset -> slice(file, offset, range.end()));
      }
      String headerProblem = headerProblem(header, file);
      header = stripped(header);
      csv.expectRows(header.size(), rowCheck(header, schema));
      List<String> schemaNames = names(schema);
      int[] featureOfColumn = mapColumns(header, schemaNames);
      String unknownColumn = null;
      for (int c = 0; c < featureOfColumn.length && headerProblem == null; c++) {
        if (featureOfColumn[c] < 0) {
          unknownColumn = header.get(c);
          break;
        }
      }
      Example.Builder builder = schema.newExample();
      while (csv.next()) {
        long line = csv.line();
        records++;
        if (csv.problem() != CsvTokenizer.Problem.NONE) {
          sink.reject(problemLetter(file, csv, header));
          continue;
        }
        if (headerProblem != null) {
          sink.reject(DeadLetter.of(file.path(), line, null, headerProblem, csv.raw()));
          continue;
        }
        if (unknownColumn != null) {
          sink.reject(
              DeadLetter.of(
                  file.path(),
                  line,
                  unknownColumn,
                  "column '" + unknownColumn + "' is not in the schema " + schemaNames,
                  csv.raw()));
          continue;
        }
        if (csv.fieldCount() != featureOfColumn.length) {
          sink.reject(
              DeadLetter.of(
                  file.path(),
                  line,
                  null,
                  "expected "
                      + featureOfColumn.length
                      + " fields as in the header, found "
                      + csv.fieldCount(),
                  csv.raw()));
          continue;
        }
        DeadLetter bad = parseRow(file, line, csv, featureOfColumn, schema, builder);
        if (bad == null) {
          sink.accept(builder.build());
        } else {
          builder.build();
          sink.reject(bad);
        }
      }
    } catch (IOException | RuntimeException e) {
      sink.damaged(damage(file, range, csv, input, records, e));
    } finally {
      if (csv != null) {
        try {
          csv.close();
        } catch (IOException e) {
          // Every record was handed over before: nothing was lost.
        }
      }
    }
  }

  /**
   * The unreadable rest of a file or range. GZIP streams cannot be read past a failure, and nothing
   * after the failure point was read, so the records lost are estimated from the compressed bytes
   * left (or at least the interrupted one, when the stream is cut short).
   */
  private static FileDamage damage(
      SourceFile file,
      FileRange range,
      CsvTokenizer csv,
      Decompression.Input input,
      long records,
      Exception e) {
    IOException failure = e instanceof IOException io ? io : new IOException(e);
    if (csv == null) {
      return FileDamage.of(
          file.path(),
          range.firstLine(),
          range.isWhole() ? 0 : range.start(),
          false,
          0,
          FileDamage.Lost.atLeast(1),
          null,
          "the file cannot be opened: " + describe(e));
    }
    boolean partial = csv.partialBytes() > 0;
    FileDamage.Lost lost;
    String reason;
    if (input != null && input.isGzip()) {
      lost = input.lostAfter(failure, records, partial, csv.offset());
      reason = input.describe(failure);
    } else {
      long end = range.isWhole() ? file.sizeBytes() : range.end();
      long start = range.isWhole() ? 0 : range.start();
      lost =
          FileDamage.Lost.estimated(
              Math.max(0, end - csv.bytesRead()), csv.bytesRead() - start, records);
      if (partial && lost.records() == 0) {
        lost = FileDamage.Lost.atLeast(1);
      }
      reason = "read error: " + describe(e);
    }
    return FileDamage.of(
        file.path(),
        csv.line(),
        csv.offset(),
        input != null && input.isGzip(),
        records,
        lost,
        null,
        reason + " (" + records + " records read before line " + csv.line() + ")");
  }

  private static List<String> names(ExampleSchema schema) {
    List<String> names = new ArrayList<>();
    schema.features().forEach(f -> names.add(f.name()));
    return names;
  }

  /**
   * Whether a line inside a quoted value would be a record of this file on its own: its cells parse
   * as the types of the columns they fill. Shared by reading and splitting, so both find the same
   * runaway quotes.
   */
  private CsvTokenizer.RowCheck rowCheck(List<String> header, ExampleSchema schema) {
    if (schema == null) {
      return CsvTokenizer.COUNT_ONLY;
    }
    int[] featureOfColumn = mapColumns(header, names(schema));
    boolean typed = false;
    for (int feature : featureOfColumn) {
      typed |= feature >= 0 && schema.type(feature) != FeatureType.BYTES;
    }
    boolean checksValues = typed;
    return new CsvTokenizer.RowCheck() {
      @Override
      public boolean isRow(List<String> cells) {
        for (int c = 0; c < featureOfColumn.length; c++) {
          int feature = featureOfColumn[c];
          String cell = cells.get(c);
          if (feature < 0 || isMissing(cell)) {
            continue;
          }
          try {
            switch (schema.type(feature)) {
              case INT -> Long.parseLong(cell.strip());
              case FLOAT -> Numbers.parseStrictDecimal(cell.strip());
              default -> {}
            }
          } catch (NumberFormatException e) {
            return false;
          }
        }
        return true;
      }

      @Override
      public boolean checksValues() {
        return checksValues;
      }
    };
  }

  /** A dead letter for a record the tokenizer could not trust, naming line and column. */
  private static DeadLetter problemLetter(SourceFile file, CsvTokenizer csv, List<String> header) {
    int field = csv.problemField();
    String column = field >= 0 && field < header.size() ? header.get(field) : null;
    String where =
        column != null
            ? "column '" + column + "' (field " + (field + 1) + ")"
            : field >= 0 ? "field " + (field + 1) : "a field";
    String reason =
        switch (csv.problem()) {
          case UNTERMINATED_QUOTE ->
              "unterminated quote: the quoted value of "
                  + where
                  + " opened on line "
                  + csv.line()
                  + " is still open at the end of the "
                  + "input; the lines after this one are read as records";
          case RUNAWAY_QUOTE ->
              csv.problemLine() != csv.line()
                  ? "suspected unterminated quote: the quoted value of "
                      + where
                      + " opened on line "
                      + csv.line()
                      + " runs on into line "
                      + csv.problemLine()
                      + ", which is a complete row by itself; the lines after this one are read"
                      + " as records"
                  : "suspected unterminated quote: the quoted value of "
                      + where
                      + " opened on line "
                      + csv.line()
                      + " spans lines and the record has "
                      + csv.fieldCount()
                      + " fields where the header has "
                      + header.size()
                      + "; the lines after this one are read as records";
          case TOO_LONG ->
              (field >= 0
                      ? "the value of "
                          + where
                          + " is longer than the "
                          + (CsvTokenizer.DEFAULT_MAX_FIELD_BYTES >> 20)
                          + " MiB a field may have (or the record than "
                          + (CsvTokenizer.DEFAULT_MAX_RECORD_BYTES >> 20)
                          + " MiB)"
                      : "the record has more than " + CsvTokenizer.MAX_FIELDS + " fields")
                  + "; it was skipped and reading goes on with the next record";
          case NONE -> throw new IllegalStateException("no problem");
        };
    return DeadLetter.of(file.path(), csv.line(), column, reason, csv.raw());
  }

  private List<String> readHeader(SourceFile file) throws IOException {
    try (CsvTokenizer csv = open(file)) {
      if (!csv.next()) {
        throw new InputException("CSV file " + file.path() + " has no header row");
      }
      return rawHeader(csv);
    }
  }

  /** The raw bytes of a range (split only makes ranges of uncompressed files). */
  private static InputStream slice(SourceFile file, long start, long end) throws IOException {
    SeekableByteChannel channel = file.openSeekable();
    channel.position(start);
    return new BufferedInputStream(
        ByteStreams.limit(Channels.newInputStream(channel), end - start), 1 << 16);
  }

  private static boolean isGzip(SourceFile file) throws IOException {
    try (InputStream in = file.open()) {
      return in.read() == 0x1f && in.read() == 0x8b;
    }
  }

  private DeadLetter parseRow(
      SourceFile file,
      long line,
      CsvTokenizer row,
      int[] featureOfColumn,
      ExampleSchema schema,
      Example.Builder builder) {
    for (int c = 0; c < featureOfColumn.length; c++) {
      String cell = row.field(c);
      if (isMissing(cell)) {
        continue;
      }
      int feature = featureOfColumn[c];
      FeatureType type = schema.type(feature);
      if (cell.indexOf(MALFORMED) >= 0) {
        return DeadLetter.of(
            file.path(),
            line,
            schema.name(feature),
            "invalid UTF-8 in column '" + schema.name(feature) + "'",
            row.raw());
      }
      switch (type) {
        case INT:
          try {
            builder.setInt64s(feature, Long.parseLong(cell.strip()));
          } catch (NumberFormatException e) {
            return unparsable(file, line, row, schema.name(feature), cell, "an integer");
          }
          break;
        case FLOAT:
          try {
            builder.setFloats(feature, Numbers.parseStrictDecimal(cell.strip()));
          } catch (NumberFormatException e) {
            return unparsable(file, line, row, schema.name(feature), cell, "a number");
          }
          break;
        default:
          builder.setBytes(feature, cell.getBytes(StandardCharsets.UTF_8));
      }
    }
    return null;
  }

  private static DeadLetter unparsable(
      SourceFile file, long line, CsvTokenizer row, String column, String cell, String expected) {
    return DeadLetter.of(
        file.path(),
        line,
        column,
        "'" + cell + "' in column '" + column + "' is not " + expected,
        row.raw());
  }

  private boolean isMissing(String cell) {
    Set<String> missing = options.missingValues();
    return cell.isEmpty() || (missing.size() > 1 && missing.contains(cell));
  }

  private CsvTokenizer open(SourceFile file) throws IOException {
    return tokenizer(Decompression.open(file), 0, 1, offset -> Decompression.openAt(file, offset));
  }

  private CsvTokenizer tokenizer(
      InputStream in, long offset, long firstLine, CsvTokenizer.Reopener reopener) {
    return new CsvTokenizer(
        in,
        offset,
        firstLine,
        options.delimiter(),
        maxFieldBytes,
        Math.max(CsvTokenizer.DEFAULT_MAX_RECORD_BYTES, maxFieldBytes),
        reopener);
  }

  /** The header's names as written (a byte-order mark removed). */
  private static List<String> rawHeader(CsvTokenizer csv) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < csv.fieldCount(); i++) {
      names.add(csv.field(i));
    }
    if (!names.isEmpty() && names.get(0).startsWith("\uFEFF")) {
      names.set(0, names.get(0).substring(1));
    }
    return names;
  }

  private static List<String> stripped(List<String> names) {
    return names.stream().map(String::strip).toList();
  }

  /** Why a header cannot be used, or null. */
  private static String headerProblem(List<String> names, SourceFile file) {
    for (int i = 0; i < names.size(); i++) {
      if (names.get(i).strip().isEmpty()) {
        return "CSV file "
            + file.path()
            + " has an empty name for column "
            + (i + 1)
            + " in its header";
      }
    }
    return null;
  }

  private static List<String> header(CsvTokenizer csv, SourceFile file) {
    List<String> names = rawHeader(csv);
    String problem = headerProblem(names, file);
    if (problem != null) {
      throw new InputException(problem);
    }
    return stripped(names);
  }

  /** For each column of a file's header, the index of the feature it fills, or -1. */
  private static int[] mapColumns(List<String> header, List<String> featureNames) {
    int[] featureOfColumn = new int[header.size()];
    for (int c = 0; c < header.size(); c++) {
      featureOfColumn[c] = featureNames.indexOf(header.get(c));
    }
    return featureOfColumn;
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message != null ? ": " + message : "");
  }

  /** Narrows a column's type as values are seen: INT, then FLOAT, then BYTES. */
  private static final class ColumnTypeGuess {
    private boolean seen;
    private boolean allIntegers = true;
    private boolean allNumbers = true;

    void observe(String cell) {
      seen = true;
      String value = cell.strip();
      if (allIntegers && !Numbers.isInteger(value)) {
        allIntegers = false;
      }
      if (!allIntegers && allNumbers && !Numbers.isDecimal(value)) {
        allNumbers = false;
      }
    }

    FeatureType type() {
      if (!seen) {
        return FeatureType.BYTES;
      }
      return allIntegers ? FeatureType.INT : allNumbers ? FeatureType.FLOAT : FeatureType.BYTES;
    }
  }
}
