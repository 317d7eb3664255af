package io.millrace.ingest.csv;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits UTF-8 CSV bytes into records (RFC 4180 quoting), knowing the line and byte offset where
 * each record starts, and recovering where a general parser loses the rest of a file:
 *
 * <ul>
 *   <li>a quote still open at the end of the input is an {@link Problem#UNTERMINATED_QUOTE}, not a
 *       value;
 *   <li>a quoted value that runs on over line breaks into lines that are complete rows by
 *       themselves, or a record spanning lines whose field count is wrong, is a {@link
 *       Problem#RUNAWAY_QUOTE};
 *   <li>a field or record longer than the limits is {@link Problem#TOO_LONG}, skipped without being
 *       held in memory.
 * </ul>
 *
 * After a quote problem the record is reported on its first line alone, and reading resumes on the
 * line after it, so the lines the quote swallowed are read as the records they are. Rules: a record
 * ends at LF, CR or CRLF outside quotes; empty lines are skipped; a quote opens a quoted field only
 * as the field's first byte and is literal elsewhere; inside quotes {@code ""} is a quote; after
 * the closing quote, bytes up to the delimiter are kept literally (quotes included, so a stray
 * quote there cannot open a runaway field). Offsets count the bytes of the stream given, i.e.
 * decompressed bytes for GZIP input.
 *
 * <p>The same rules find record boundaries for parallel ranges ({@link CsvFormatReader#split}), so
 * every range starts where a whole-file read would start a record.
 */
final class CsvTokenizer implements Closeable {
  /** Fields longer than this are dead letters, as FastCSV's buffer limit was. */
  static final int DEFAULT_MAX_FIELD_BYTES = 16 << 20;

  static final int DEFAULT_MAX_RECORD_BYTES = 64 << 20;

  /**
   * Without typed columns to check, a quoted value is taken for an unterminated quote once its
   * continuation lines include this many delimiters in consecutive lines that are complete rows by
   * themselves: one line of a wide file (taxi: 17 delimiters), four of a three-column file, eight
   * of a two-column one, so that ordinary multi-line text with a comma or two per line is not
   * mistaken for rows. One line whose typed columns parse is evidence enough.
   */
  private static final int RUNAWAY_DELIMITERS = 8;

  /** More fields than this make a record too long (FastCSV's limit), bounding the field arrays. */
  static final int MAX_FIELDS = 16_384;

  /** Reopens after a skipped over-long record are bounded: each may re-read a GZIP stream. */
  private static final int MAX_REOPENS = 16;

  private static final int RAW_BYTES = 4096;
  private static final int LOOKAHEAD_BYTES = 1 << 20;
  private static final byte QUOTE = '"';
  private static final byte LF = '\n';
  private static final byte CR = '\r';

  /** Why a record cannot be trusted. */
  enum Problem {
    NONE,
    /** The input ends inside a quoted value. */
    UNTERMINATED_QUOTE,
    /** A quoted value swallows following rows, or a multi-line record has the wrong field count. */
    RUNAWAY_QUOTE,
    /** A field or the record is over the limits; its bytes were skipped. */
    TOO_LONG
  }

  /** Opens the input again at an absolute offset, to resume after a skipped record. */
  interface Reopener {
    InputStream openAt(long offset) throws IOException;
  }

  /** Whether a line inside a quoted value would be a record on its own. */
  interface RowCheck {
    /** The line's fields, of the expected count: could they be a record? */
    boolean isRow(List<String> fields);

    /** Whether {@link #isRow} checks values (numbers parse), making one line enough evidence. */
    boolean checksValues();
  }

  /** Any line of the expected field count could be a row. */
  static final RowCheck COUNT_ONLY =
      new RowCheck() {
        @Override
        public boolean isRow(List<String> fields) {
          return true;
        }

        @Override
        public boolean checksValues() {
          return false;
        }
      };

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long LF_BYTES = 0x0A0A0A0A0A0A0A0AL;
  private static final long CR_BYTES = 0x0D0D0D0D0D0D0D0DL;

  private final byte delimiter;

  /** The delimiter in each of eight bytes. */
  private final long delimiterBytes;

  private final int maxFieldBytes;
  private final int maxRecordBytes;
  private final Reopener reopener;
  private final CharsetDecoder strictUtf8 =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
  private final CharsetDecoder markingUtf8 =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE)
          .replaceWith(String.valueOf(CsvFormatReader.MALFORMED));

  private InputStream in;
  private byte[] buf = new byte[1 << 16];
  private int pos;
  private int limit;
  private long bufBase;
  private boolean eof;
  private int reopens;

  /** The next line to be read, 1-based; counts every line break, also inside quotes. */
  private long line;

  private int expectedFields;
  private RowCheck rowCheck = COUNT_ONLY;

  // The current record.
  private long recordOffset;
  private long recordLine;
  private long recordEnd;
  private int fieldCount;
  private int[] fieldStart = new int[32];
  private int[] fieldEnd = new int[32];

  /** The closing quote's position in a quoted field, or -1 for an unquoted field. */
  private int[] closeQuote = new int[32];

  private Problem problem;

  /** Whether the record is known to be ASCII (the bytes scanned with it may be more). */
  private boolean ascii;

  private int problemField;
  private long problemLine;

  /** Where the record's second line starts (absolute), or -1 for a one-line record. */
  private long secondLineOffset;

  private boolean quotedLineBreak;

  /** The first field whose quoted value spans a line break, or -1. */
  private int multilineField;

  /** Over the limits: bytes before {@code pos} are dropped, the record's start kept here. */
  private boolean discarding;

  private byte[] rawPrefix;
  private long resumeOffset = -1;
  private long resumeLine;

  /**
   * @param in the bytes, starting at a record boundary
   * @param offset the absolute offset of the first byte
   * @param firstLine the line number of the first byte
   * @param reopener opens the input at an absolute offset (at or after {@code offset})
   */
  CsvTokenizer(
      InputStream in,
      long offset,
      long firstLine,
      char delimiter,
      int maxFieldBytes,
      int maxRecordBytes,
      Reopener reopener) {
    if (delimiter >= 0x80 || delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
      throw new IllegalArgumentException(
          "the CSV delimiter must be an ASCII character other than a quote or line break, not '"
              + delimiter
              + "'");
    }
    this.in = in;
    this.bufBase = offset;
    this.line = firstLine;
    this.delimiter = (byte) delimiter;
    this.delimiterBytes = 0x0101010101010101L * delimiter;
    this.maxFieldBytes = maxFieldBytes;
    this.maxRecordBytes = Math.max(maxRecordBytes, maxFieldBytes);
    this.reopener = reopener;
  }

  /** Expect records of this many fields (the header's): enables detecting runaway quotes. */
  void expectFields(int count) {
    expectedFields = count;
  }

  /** Expect records of this many fields that pass a check (e.g. of their types). */
  void expectRows(int count, RowCheck check) {
    expectedFields = count;
    rowCheck = check;
  }

  /** Reads the next record; false at the end of the input. */
  boolean next() throws IOException {
    if (resumeOffset >= 0) {
      resumeAt(resumeOffset, resumeLine);
      resumeOffset = -1;
    }
    fieldCount = 0;
    ascii = false;
    problem = Problem.NONE;
    problemField = -1;
    secondLineOffset = -1;
    quotedLineBreak = false;
    discarding = false;
    rawPrefix = null;
    multilineField = -1;
    // Until the record starts, a failure is placed here (and nothing before is kept).
    recordOffset = bufBase + pos;
    recordLine = line;
    if (!skipEmptyLines()) {
      return false;
    }
    recordOffset = bufBase + pos;
    recordLine = line;
    if (unquotedRecordInBuffer()) {
      return true;
    }
    while (true) {
      if (discarding) {
        // Drop what is read: only the record's start is kept, for the dead letter.
        compactFrom(pos);
      }
      int start = (int) (bufBase + pos - recordOffset);
      int close = -1;
      if (buf[pos] == QUOTE) {
        close = quotedField();
        if (problem == Problem.UNTERMINATED_QUOTE || problem == Problem.RUNAWAY_QUOTE) {
          recordEnd = bufBase + pos;
          resumeAfterFirstLine();
          return true;
        }
      } else {
        unquotedField();
      }
      addField(start, close);
      if (!ensure()) {
        break; // the input ends after the field
      }
      byte b = buf[pos];
      if (b == delimiter) {
        pos++;
        if (!ensure()) {
          addField(relative(pos), -1); // a trailing delimiter: an empty last field
          break;
        }
        continue;
      }
      endOfLine(b);
      break;
    }
    recordEnd = bufBase + pos;
    if (problem == Problem.NONE
        && quotedLineBreak
        && expectedFields > 0
        && fieldCount != expectedFields) {
      // A quote opened where none should be has joined lines into one wrong record.
      problem = Problem.RUNAWAY_QUOTE;
      problemField = multilineField;
      problemLine = recordLine;
      resumeAfterFirstLine();
    }
    return true;
  }

  /**
   * The common case, fast: a record of unquoted fields whose line end is already in the buffer, in
   * one pass that tests eight bytes at a time for the delimiter, LF and CR. Leaves everything as it
   * was and returns false otherwise (a field starts with a quote, or the buffer ends first), for
   * the general path.
   */
  private boolean unquotedRecordInBuffer() throws IOException {
    byte[] b = buf;
    int lim = limit;
    int recStart = pos;
    int p = recStart;
    int n = 0;
    int begin = p;
    if (b[p] == QUOTE) {
      return false;
    }
    long delimiters = delimiterBytes;
    long high = 0;
    while (true) {
      while (p + 8 <= lim) {
        long word = (long) LONGS.get(b, p);
        high |= word;
        long found =
            matches(word ^ delimiters) | matches(word ^ LF_BYTES) | matches(word ^ CR_BYTES);
        if (found != 0) {
          p += Long.numberOfTrailingZeros(found) >>> 3;
          break;
        }
        p += 8;
      }
      while (p < lim) {
        byte c = b[p];
        if (c == delimiter || c == LF || c == CR) {
          break;
        }
        high |= c;
        p++;
      }
      if (p >= lim) {
        return false;
      }
      byte c = b[p];
      if (n == fieldStart.length) {
        if (n == MAX_FIELDS) {
          return false; // the general path says the record is too long
        }
        growFields();
      }
      fieldStart[n] = begin - recStart;
      fieldEnd[n] = p - recStart;
      closeQuote[n] = -1;
      n++;
      if (c != delimiter) {
        if (p - recStart > maxFieldBytes) {
          return false; // the general path says which field is too long
        }
        fieldCount = n;
        ascii = (high & 0x8080808080808080L) == 0;
        pos = p;
        endOfLine(c);
        recordEnd = bufBase + pos;
        return true;
      }
      p++;
      if (p < lim && b[p] == QUOTE) {
        return false;
      }
      begin = p;
    }
  }

  /**
   * The high bit of each byte of {@code x} that is zero, and possibly of some bytes above the
   * lowest zero one (borrows), which is exact: callers only use the lowest.
   */
  private static long matches(long x) {
    return (x - 0x0101010101010101L) & ~x & 0x8080808080808080L;
  }

  Problem problem() {
    return problem;
  }

  /** The field at fault in a problem record (0-based), or -1. */
  int problemField() {
    return problemField;
  }

  /** For a runaway quote, the line found to be a row of its own; else the record's line. */
  long problemLine() {
    return problemLine;
  }

  int fieldCount() {
    return fieldCount;
  }

  /** The line the current record starts on. */
  long line() {
    return recordLine;
  }

  /** The absolute offset where the current record starts. */
  long offset() {
    return recordOffset;
  }

  /** Where the next record will be read from: after this one, or on its second line. */
  long nextOffset() {
    return resumeOffset >= 0 ? resumeOffset : recordEnd;
  }

  /** The line number of {@link #nextOffset()}. */
  long nextLine() {
    return resumeOffset >= 0 ? resumeLine : line;
  }

  /** The absolute offset up to which the input was read (for estimates of what is left). */
  long bytesRead() {
    return bufBase + limit;
  }

  /**
   * After a read failure: the bytes read of the record it interrupted (0 when it came between
   * records), which {@link #offset()} and {@link #line()} place.
   */
  long partialBytes() {
    return Math.max(0, bufBase + limit - recordOffset);
  }

  /** A field of a record without problems; malformed UTF-8 shows as {@code MALFORMED}. */
  String field(int i) {
    int recStart = (int) (recordOffset - bufBase);
    int close = closeQuote[i];
    return decodeField(
        recStart + fieldStart[i], recStart + fieldEnd[i], close < 0 ? -1 : recStart + close);
  }

  /**
   * The value of the field in buffer positions {@code [start, end)}: the bytes themselves, or for a
   * quoted field (closing quote at {@code close}) those between the quotes with "" unescaped and
   * then any after the closing quote.
   */
  private String decodeField(int start, int end, int close) {
    if (close < 0) {
      return decode(buf, start, end - start);
    }
    byte[] bytes = new byte[end - start];
    int n = 0;
    for (int p = start + 1; p < close; p++) {
      bytes[n++] = buf[p];
      if (buf[p] == QUOTE) {
        p++; // the second quote of ""
      }
    }
    for (int p = close + 1; p < end; p++) {
      bytes[n++] = buf[p];
    }
    return decode(bytes, 0, n);
  }

  /**
   * The record's text for a dead letter: its first line for a quote problem (the lines after it are
   * read again), its beginning when it was too long.
   */
  String raw() {
    if (rawPrefix != null) {
      return lenient(rawPrefix, 0, rawPrefix.length);
    }
    int recStart = (int) (recordOffset - bufBase);
    long end =
        problem == Problem.UNTERMINATED_QUOTE || problem == Problem.RUNAWAY_QUOTE
            ? (secondLineOffset >= 0 ? secondLineOffset : recordEnd)
            : recordEnd;
    int length = (int) Math.min(RAW_BYTES, end - recordOffset);
    while (length > 0 && (buf[recStart + length - 1] == LF || buf[recStart + length - 1] == CR)) {
      length--;
    }
    return lenient(buf, recStart, length);
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  // ------------------------------------------------------------------ scanning

  private boolean skipEmptyLines() throws IOException {
    while (ensure()) {
      byte b = buf[pos];
      if (b != LF && b != CR) {
        return true;
      }
      endOfLine(b);
    }
    return false;
  }

  /** Consumes LF, CR or CRLF at {@code pos}, counting a line. */
  private void endOfLine(byte b) throws IOException {
    pos++;
    line++;
    if (b == CR && ensure() && buf[pos] == LF) {
      pos++;
    }
  }

  private void unquotedField() throws IOException {
    long fieldOffset = bufBase + pos;
    while (true) {
      byte[] b = buf;
      int p = pos;
      int lim = limit;
      byte d = delimiter;
      while (p < lim) {
        byte c = b[p];
        if (c == d || c == LF || c == CR) {
          break;
        }
        p++;
      }
      pos = p;
      checkLength(fieldOffset);
      if (p < lim || !fill()) {
        return;
      }
    }
  }

  /**
   * Reads a quoted field from its opening quote; returns the closing quote's position relative to
   * the record (or -1 when there is none, with the problem set).
   */
  private int quotedField() throws IOException {
    long fieldOffset = bufBase + pos;
    int field = fieldCount;
    int rowLines = 0;
    pos++;
    while (true) {
      if (!ensure()) {
        problem = Problem.UNTERMINATED_QUOTE;
        problemField = field;
        problemLine = recordLine;
        return -1;
      }
      byte[] b = buf;
      int p = pos;
      int lim = limit;
      while (p < lim) {
        byte c = b[p];
        if (c == QUOTE || c == LF || c == CR) {
          break;
        }
        p++;
      }
      pos = p;
      checkLength(fieldOffset);
      if (p == lim) {
        continue;
      }
      byte c = b[p];
      if (c == QUOTE) {
        pos++;
        if (ensure() && buf[pos] == QUOTE) {
          pos++;
          continue;
        }
        int close = relative(pos - 1);
        unquotedField(); // bytes after the closing quote, kept literally
        return close;
      }
      endOfLine(c);
      quotedLineBreak = true;
      if (multilineField < 0) {
        multilineField = field;
      }
      if (secondLineOffset < 0) {
        secondLineOffset = bufBase + pos;
      }
      if (expectedFields > 1 && isCompleteRow()) {
        rowLines++;
        if (rowCheck.checksValues() || rowLines * (expectedFields - 1) >= RUNAWAY_DELIMITERS) {
          problem = Problem.RUNAWAY_QUOTE;
          problemField = field;
          problemLine = line;
          return -1;
        }
      } else {
        rowLines = 0;
      }
    }
  }

  /**
   * Whether the line at {@code pos} would be a complete row on its own: the expected number of
   * fields, every quote closed within the line, and the row check passed. Reads ahead without
   * moving {@code pos}.
   */
  private boolean isCompleteRow() throws IOException {
    long start = bufBase + pos;
    long[] starts = new long[expectedFields];
    long[] closes = new long[expectedFields];
    int fields = 0;
    starts[0] = start;
    closes[0] = -1;
    boolean inQuotes = false;
    boolean atFieldStart = true;
    long at = start;
    while (true) {
      if (at - start > LOOKAHEAD_BYTES) {
        return false;
      }
      if (at - bufBase >= limit && !fillKeeping(discarding ? start : recordOffset)) {
        if (inQuotes) {
          return false;
        }
        break;
      }
      byte c = buf[(int) (at - bufBase)];
      if (inQuotes) {
        if (c == QUOTE) {
          if (at + 1 - bufBase >= limit && !fillKeeping(discarding ? start : recordOffset)) {
            closes[fields] = at;
            at++;
            break;
          }
          if (buf[(int) (at + 1 - bufBase)] == QUOTE) {
            at++;
          } else {
            inQuotes = false;
            closes[fields] = at;
          }
        } else if (c == LF || c == CR) {
          return false; // the quote does not close on this line
        }
        at++;
        continue;
      }
      if (c == LF || c == CR) {
        break;
      }
      if (c == delimiter) {
        if (++fields == expectedFields) {
          return false;
        }
        starts[fields] = at + 1;
        closes[fields] = -1;
        atFieldStart = true;
        at++;
        continue;
      }
      if (c == QUOTE && atFieldStart) {
        inQuotes = true;
      }
      atFieldStart = false;
      at++;
    }
    if (++fields != expectedFields) {
      return false;
    }
    List<String> values = new ArrayList<>(fields);
    for (int f = 0; f < fields; f++) {
      long end = f + 1 < fields ? starts[f + 1] - 1 : at;
      values.add(
          decodeField(
              (int) (starts[f] - bufBase),
              (int) (end - bufBase),
              closes[f] < 0 ? -1 : (int) (closes[f] - bufBase)));
    }
    return rowCheck.isRow(values);
  }

  private void checkLength(long fieldOffset) {
    if (discarding) {
      return;
    }
    long fieldBytes = bufBase + pos - fieldOffset;
    long recordBytes = bufBase + pos - recordOffset;
    if (fieldBytes > maxFieldBytes || recordBytes > maxRecordBytes) {
      tooLong(fieldCount);
    }
  }

  /**
   * From here the record's bytes are dropped as they are read; its start is kept for the letter.
   */
  private void tooLong(int field) {
    problem = Problem.TOO_LONG;
    problemField = field;
    problemLine = recordLine;
    int recStart = (int) (recordOffset - bufBase);
    rawPrefix = Arrays.copyOfRange(buf, recStart, recStart + Math.min(RAW_BYTES, pos - recStart));
    discarding = true;
    compactFrom(pos);
  }

  private void growFields() {
    fieldStart = Arrays.copyOf(fieldStart, 2 * fieldStart.length);
    fieldEnd = Arrays.copyOf(fieldEnd, 2 * fieldEnd.length);
    closeQuote = Arrays.copyOf(closeQuote, 2 * closeQuote.length);
  }

  private void addField(int start, int close) {
    if (fieldCount == MAX_FIELDS && !discarding) {
      tooLong(-1);
    }
    if (discarding) {
      fieldCount = Math.min(fieldCount + 1, MAX_FIELDS + 1);
      return;
    }
    if (fieldCount == fieldStart.length) {
      growFields();
    }
    fieldStart[fieldCount] = start;
    fieldEnd[fieldCount] = relative(pos);
    closeQuote[fieldCount] = close;
    fieldCount++;
  }

  /** A buffer position as an offset from the record's start. */
  private int relative(int position) {
    return (int) (bufBase + position - recordOffset);
  }

  /** Resume on the record's second line: the lines the quote swallowed are records. */
  private void resumeAfterFirstLine() {
    if (secondLineOffset >= 0) {
      resumeOffset = secondLineOffset;
      resumeLine = recordLine + 1;
    } else {
      resumeOffset = -1;
    }
  }

  private void resumeAt(long offset, long lineNumber) throws IOException {
    line = lineNumber;
    if (offset >= bufBase && offset <= bufBase + limit) {
      pos = (int) (offset - bufBase);
      return;
    }
    if (++reopens > MAX_REOPENS) {
      throw new IOException(
          "more than "
              + MAX_REOPENS
              + " quoted values ran past the "
              + maxRecordBytes
              + "-byte record limit; the rest of the input is not read");
    }
    in.close();
    in = reopener.openAt(offset);
    bufBase = offset;
    pos = 0;
    limit = 0;
    eof = false;
  }

  // ------------------------------------------------------------------ buffer

  /** Whether a byte is available at {@code pos}, reading more if needed. */
  private boolean ensure() throws IOException {
    return pos < limit || fill();
  }

  /** Reads more bytes, keeping the current record; false at the end of the input. */
  private boolean fill() throws IOException {
    return fillKeeping(discarding ? bufBase + pos : recordOffset);
  }

  /** Reads more bytes, keeping those from absolute offset {@code keep} (at most pos) on. */
  private boolean fillKeeping(long keep) throws IOException {
    if (eof) {
      return false;
    }
    int keepIndex = (int) Math.max(0, Math.min(keep - bufBase, pos));
    if (keepIndex > 0) {
      compactFrom(keepIndex);
    }
    if (limit == buf.length) {
      buf = Arrays.copyOf(buf, buf.length * 2);
    }
    int n = in.read(buf, limit, buf.length - limit);
    if (n < 0) {
      eof = true;
      return false;
    }
    limit += n;
    return true;
  }

  /** Drops the bytes before buffer index {@code from}. */
  private void compactFrom(int from) {
    if (from == 0) {
      return;
    }
    System.arraycopy(buf, from, buf, 0, limit - from);
    limit -= from;
    pos -= from;
    bufBase += from;
  }

  // ------------------------------------------------------------------ decoding

  /**
   * Decodes UTF-8; malformed bytes become {@link CsvFormatReader#MALFORMED}, so that a real U+FFFD
   * in the data is not taken for an error.
   *
   * <p>ASCII, nearly every field, goes through the old {@code String(byte[], hibyte, ...)}
   * constructor: a plain copy, where on JDK 17 every charset constructor also fetches a
   * thread-local result holder; per field that cost reading 1M taxi rows about 15%.
   */
  @SuppressWarnings("deprecation")
  private String decode(byte[] bytes, int offset, int length) {
    if (ascii && bytes == buf) {
      return new String(bytes, 0, offset, length);
    }
    for (int i = offset, end = offset + length; i < end; i++) {
      if (bytes[i] < 0) {
        return decodeUtf8(bytes, offset, length);
      }
    }
    return new String(bytes, 0, offset, length);
  }

  private String decodeUtf8(byte[] bytes, int offset, int length) {
    String s = new String(bytes, offset, length, StandardCharsets.UTF_8);
    if (s.indexOf('\uFFFD') < 0) {
      return s;
    }
    try {
      strictUtf8.reset().decode(ByteBuffer.wrap(bytes, offset, length));
      return s;
    } catch (CharacterCodingException e) {
      try {
        CharBuffer marked = markingUtf8.reset().decode(ByteBuffer.wrap(bytes, offset, length));
        return marked.toString();
      } catch (CharacterCodingException impossible) {
        throw new IllegalStateException(impossible);
      }
    }
  }

  private static String lenient(byte[] bytes, int offset, int length) {
    return new String(bytes, offset, Math.max(0, length), StandardCharsets.UTF_8);
  }
}
