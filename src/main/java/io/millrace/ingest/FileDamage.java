package io.millrace.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * A part of an input file that cannot be read: a cut-off or corrupt stretch whose records are lost,
 * as opposed to a {@link DeadLetter}, one record that was read but is bad. A damage says where it
 * starts, how many records were read before it, and how many records it lost and how that number is
 * known, so that records in = examples + dead letters + records lost.
 *
 * @param source the file
 * @param record 1-based number of the first record not read (for CSV the line it starts on)
 * @param byteOffset where the unreadable part starts: in the file, or in its decompressed bytes
 *     when {@code decompressedOffset}
 * @param decompressedOffset whether {@code byteOffset} counts decompressed bytes (GZIP files)
 * @param recordsBefore records read from the file (or from the part of it read on its own) before
 *     the damage
 * @param recordsLost records that could not be read, as {@code lostBasis} says
 * @param lostBasis how {@code recordsLost} is known
 * @param resumedAtByte where reading went on after the damage (same unit as {@code byteOffset}), or
 *     null when nothing after it could be read
 * @param reason what is wrong, in words a user can act on
 */
public record FileDamage(
    String source,
    long record,
    long byteOffset,
    boolean decompressedOffset,
    long recordsBefore,
    long recordsLost,
    LostBasis lostBasis,
    Long resumedAtByte,
    String reason)
    implements Serializable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How the number of lost records is known. */
  public enum LostBasis {
    /** Counted by the format itself: Parquet's row counts per row group, Avro's block counts. */
    EXACT,
    /** The bytes skipped or left, at the average size of the records read before. */
    ESTIMATED,
    /** Nothing tells how many records the unreadable part held (e.g. a cut-off GZIP stream). */
    AT_LEAST
  }

  public FileDamage {
    Objects.requireNonNull(source);
    Objects.requireNonNull(lostBasis);
    Objects.requireNonNull(reason);
  }

  /** The count of lost records and how it is known. */
  public record Lost(long records, LostBasis basis) {
    public static Lost exactly(long records) {
      return new Lost(records, LostBasis.EXACT);
    }

    public static Lost atLeast(long records) {
      return new Lost(records, LostBasis.AT_LEAST);
    }

    /**
     * The records in {@code bytesLost} at the average size of those read so far; "at least one"
     * when none were read, since then nothing tells a record's size.
     */
    public static Lost estimated(long bytesLost, long bytesRead, long recordsRead) {
      if (recordsRead <= 0 || bytesRead <= 0) {
        return atLeast(bytesLost > 0 ? 1 : 0);
      }
      return new Lost(
          Math.round((double) bytesLost * recordsRead / bytesRead), LostBasis.ESTIMATED);
    }
  }

  public static FileDamage of(
      String source,
      long record,
      long byteOffset,
      boolean decompressedOffset,
      long recordsBefore,
      Lost lost,
      Long resumedAtByte,
      String reason) {
    return new FileDamage(
        source,
        record,
        byteOffset,
        decompressedOffset,
        recordsBefore,
        lost.records(),
        lost.basis(),
        resumedAtByte,
        reason);
  }

  /** A file of which nothing could be read: nothing tells how many records it held. */
  public static FileDamage unreadable(String source, String reason) {
    return of(source, 1, 0, false, 0, Lost.atLeast(1), null, reason);
  }

  /** The lost count in words: "1,234 records lost (exact)", "at least 1 record lost", ... */
  public String lostText() {
    String count =
        String.format("%,d record%s", recordsLost, recordsLost == 1 ? "" : "s") + " lost";
    return switch (lostBasis) {
      case EXACT -> count + " (exact, by the file's own counts)";
      case ESTIMATED -> "about " + count + " (estimated from the bytes skipped)";
      case AT_LEAST ->
          recordsLost == 0
              ? "an unknown number of records lost (the file does not say)"
              : "at least " + count + " (the file does not say how many more)";
    };
  }

  @Override
  public String toString() {
    return source
        + ": "
        + lostText()
        + " from record "
        + record
        + " (byte "
        + byteOffset
        + (decompressedOffset ? " of the decompressed data" : "")
        + ", after "
        + recordsBefore
        + " records"
        + (resumedAtByte == null ? "" : "; reading resumed at byte " + resumedAtByte)
        + "): "
        + reason;
  }

  /** One JSON line, as damages travel between a pipeline's workers and its launcher. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static FileDamage fromJson(String line) {
    try {
      return JSON.readValue(line, FileDamage.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
