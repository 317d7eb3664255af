package io.millrace.ingest.csv;

import com.google.common.io.ByteStreams;
import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;
import io.millrace.ingest.DeadLetter;
import io.millrace.ingest.Decompression;
import io.millrace.ingest.ExampleSink;
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
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads CSV files with a header row (RFC 4180 quoting, through FastCSV), GZIP-compressed or not.
 *
 * <p>Each column is one single-valued feature; an empty cell, or one of {@link
 * FormatOptions#missingValues()}, is a missing value. Column types are given by {@link
 * FormatOptions#featureTypes()} or inferred from a sample of rows: INT when every non-missing value
 * is an integer, FLOAT when every one is a number, BYTES otherwise. Columns are matched to features
 * by header name, so files may order their columns differently; a file without some column gives
 * missing values for it.
 *
 * <p>A row goes to the dead letters when it has the wrong number of fields, a cell does not parse
 * as its column's type, it holds bytes that are not UTF-8, or its file has a column the schema does
 * not know. An I/O failure (such as a truncated GZIP stream) dead-letters the rest of the file.
 */
public final class CsvFormatReader implements FormatReader {
  private static final long serialVersionUID = 1L;

  /**
   * Malformed UTF-8 decodes to this noncharacter instead of U+FFFD, so that a replacement character
   * that was really in the data is not mistaken for a decoding error.
   */
  private static final char MALFORMED = '\uFFFF';

  private final FormatOptions options;

  public CsvFormatReader(FormatOptions options) {
    this.options = options;
  }

  @Override
  public ExampleSchema inferSchema(List<? extends SourceFile> files) throws IOException {
    if (files.isEmpty()) {
      throw new InputException("no CSV files to infer a schema from");
    }
    SourceFile first = files.get(0);
    List<String> header;
    try (CsvReader<CsvRecord> csv = open(first)) {
      Iterator<CsvRecord> rows = csv.iterator();
      if (!rows.hasNext()) {
        throw new InputException("CSV file " + first.path() + " is empty: it has no header row");
      }
      header = header(rows.next(), first);
    } catch (UncheckedIOException e) {
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
    try (CsvReader<CsvRecord> csv = open(file)) {
      Iterator<CsvRecord> rows = csv.iterator();
      if (!rows.hasNext()) {
        return 0;
      }
      int[] featureOfColumn = mapColumns(header(rows.next(), file), header);
      while (used < limit && rows.hasNext()) {
        CsvRecord row = rows.next();
        if (row.getFieldCount() != featureOfColumn.length) {
          continue;
        }
        for (int c = 0; c < featureOfColumn.length; c++) {
          String cell = row.getField(c);
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
   * Finds record boundaries with a quote-aware scan of the raw bytes (a newline outside quotes ends
   * a record; UTF-8 never hides a quote or newline byte inside a multi-byte character), counting
   * lines so that each range knows its first line number. GZIP files are read whole.
   */
  @Override
  public List<FileRange> split(SourceFile file, long targetBytes) throws IOException {
    long size = file.sizeBytes();
    if (size < 2 * targetBytes || isGzip(file)) {
      return List.of(FileRange.whole());
    }
    List<FileRange> ranges = new ArrayList<>();
    long rangeStart = -1;
    long rangeFirstLine = -1;
    long line = 1;
    boolean quoted = false;
    long position = 0;
    byte[] buffer = new byte[1 << 20];
    try (InputStream in = file.open()) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        for (int i = 0; i < n; i++) {
          byte b = buffer[i];
          if (b == '"') {
            quoted = !quoted;
          } else if (b == '\n') {
            line++;
            long next = position + i + 1;
            if (quoted) {
              continue;
            }
            if (rangeStart < 0) {
              rangeStart = next; // the header ends here
              rangeFirstLine = line;
            } else if (next - rangeStart >= targetBytes) {
              ranges.add(new FileRange(rangeStart, next, rangeFirstLine));
              rangeStart = next;
              rangeFirstLine = line;
            }
          }
        }
        position += n;
      }
    }
    if (rangeStart < 0 || quoted) {
      // No header line, or a quote left open: the whole-file read reports what is wrong.
      return List.of(FileRange.whole());
    }
    if (rangeStart < position) {
      ranges.add(new FileRange(rangeStart, position, rangeFirstLine));
    }
    return ranges;
  }

  @Override
  public void read(SourceFile file, FileRange range, ExampleSchema schema, ExampleSink sink) {
    long lastLine = range.firstLine() - 1;
    long records = 0;
    try {
      List<String> header = range.isWhole() ? null : readHeader(file);
      try (CsvReader<CsvRecord> csv =
          open(range.isWhole() ? Decompression.open(file) : slice(file, range))) {
        Iterator<CsvRecord> rows = csv.iterator();
        long lineOffset = range.firstLine() - 1;
        if (header == null) {
          if (!rows.hasNext()) {
            return;
          }
          CsvRecord headerRow = rows.next();
          header = header(headerRow, file);
          lastLine = headerRow.getStartingLineNumber();
        }
        List<String> schemaNames = new ArrayList<>();
        schema.features().forEach(f -> schemaNames.add(f.name()));
        int[] featureOfColumn = mapColumns(header, schemaNames);
        String unknownColumn = null;
        for (int c = 0; c < featureOfColumn.length; c++) {
          if (featureOfColumn[c] < 0) {
            unknownColumn = header.get(c);
            break;
          }
        }
        Example.Builder builder = schema.newExample();
        while (rows.hasNext()) {
          CsvRecord row = rows.next();
          long line = row.getStartingLineNumber() + lineOffset;
          lastLine = line;
          records++;
          if (unknownColumn != null) {
            sink.reject(
                DeadLetter.of(
                    file.path(),
                    line,
                    unknownColumn,
                    "column '" + unknownColumn + "' is not in the schema " + schemaNames,
                    raw(row)));
            continue;
          }
          if (row.getFieldCount() != featureOfColumn.length) {
            sink.reject(
                DeadLetter.of(
                    file.path(),
                    line,
                    null,
                    "expected "
                        + featureOfColumn.length
                        + " fields as in the header, found "
                        + row.getFieldCount(),
                    raw(row)));
            continue;
          }
          DeadLetter bad = parseRow(file, line, row, featureOfColumn, schema, builder);
          if (bad == null) {
            sink.accept(builder.build());
          } else {
            builder.build();
            sink.reject(bad);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      sink.reject(
          DeadLetter.of(
              file.path(),
              lastLine + 1,
              null,
              "the file cannot be read past line "
                  + lastLine
                  + " ("
                  + records
                  + " records read"
                  + (range.isWhole() ? "" : " from byte " + range.start())
                  + "): "
                  + describe(e),
              null));
    }
  }

  private List<String> readHeader(SourceFile file) throws IOException {
    try (CsvReader<CsvRecord> csv = open(Decompression.open(file))) {
      Iterator<CsvRecord> rows = csv.iterator();
      if (!rows.hasNext()) {
        throw new InputException("CSV file " + file.path() + " has no header row");
      }
      return header(rows.next(), file);
    }
  }

  /** The raw bytes of a range (split only makes ranges of uncompressed files). */
  private static InputStream slice(SourceFile file, FileRange range) throws IOException {
    SeekableByteChannel channel = file.openSeekable();
    channel.position(range.start());
    return new BufferedInputStream(
        ByteStreams.limit(Channels.newInputStream(channel), range.end() - range.start()), 1 << 16);
  }

  private static boolean isGzip(SourceFile file) throws IOException {
    try (InputStream in = file.open()) {
      return in.read() == 0x1f && in.read() == 0x8b;
    }
  }

  private DeadLetter parseRow(
      SourceFile file,
      long line,
      CsvRecord row,
      int[] featureOfColumn,
      ExampleSchema schema,
      Example.Builder builder) {
    for (int c = 0; c < featureOfColumn.length; c++) {
      String cell = row.getField(c);
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
            raw(row));
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
      SourceFile file, long line, CsvRecord row, String column, String cell, String expected) {
    return DeadLetter.of(
        file.path(),
        line,
        column,
        "'" + cell + "' in column '" + column + "' is not " + expected,
        raw(row));
  }

  private boolean isMissing(String cell) {
    Set<String> missing = options.missingValues();
    return cell.isEmpty() || (missing.size() > 1 && missing.contains(cell));
  }

  private CsvReader<CsvRecord> open(SourceFile file) throws IOException {
    return open(Decompression.open(file));
  }

  private CsvReader<CsvRecord> open(InputStream in) {
    CharsetDecoder utf8 =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE)
            .replaceWith(String.valueOf(MALFORMED));
    Reader reader = new InputStreamReader(in, utf8);
    return CsvReader.builder()
        .fieldSeparator(options.delimiter())
        .ignoreDifferentFieldCount(true)
        .skipEmptyLines(true)
        .ofCsvRecord(reader);
  }

  private static List<String> header(CsvRecord row, SourceFile file) {
    List<String> names = new ArrayList<>(row.getFields());
    if (!names.isEmpty() && names.get(0).startsWith("\uFEFF")) {
      names.set(0, names.get(0).substring(1));
    }
    for (int i = 0; i < names.size(); i++) {
      names.set(i, names.get(i).strip());
      if (names.get(i).isEmpty()) {
        throw new InputException(
            "CSV file "
                + file.path()
                + " has an empty name for column "
                + (i + 1)
                + " in its header");
      }
    }
    return names;
  }

  /** For each column of a file's header, the index of the feature it fills, or -1. */
  private static int[] mapColumns(List<String> header, List<String> featureNames) {
    int[] featureOfColumn = new int[header.size()];
    for (int c = 0; c < header.size(); c++) {
      featureOfColumn[c] = featureNames.indexOf(header.get(c));
    }
    return featureOfColumn;
  }

  private static String raw(CsvRecord row) {
    return String.join(",", row.getFields());
  }

  private static String describe(Throwable e) {
    Throwable cause = e instanceof UncheckedIOException && e.getCause() != null ? e.getCause() : e;
    String message = cause.getMessage();
    if (cause instanceof java.io.EOFException) {
      return "the file ends early (truncated or cut-off compressed stream)";
    }
    return cause.getClass().getSimpleName() + (message != null ? ": " + message : "");
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
