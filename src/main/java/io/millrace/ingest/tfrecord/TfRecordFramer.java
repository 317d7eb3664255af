package io.millrace.ingest.tfrecord;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32C;

/**
 * Splits a TFRecord stream into records and checks both checksums of each.
 *
 * <p>A record is framed as a little-endian uint64 length, the masked CRC-32C of those 8 bytes, the
 * data, and the masked CRC-32C of the data. The data buffer is reused from record to record.
 */
final class TfRecordFramer {
  /** Larger records are refused rather than allocated: no real tf.Example comes near this. */
  static final int MAX_RECORD_BYTES = 1 << 30;

  private static final int HEADER_BYTES = 12;
  private static final int MASK_DELTA = 0xa282ead8;

  /** What {@link #next()} found. */
  enum Status {
    /** A record whose checksums match is in {@link #data()}. */
    RECORD,
    /**
     * A record whose data checksum does not match. Its length checksum did, so the next record is
     * still found where the length says.
     */
    DATA_CRC_MISMATCH,
    /** The stream ended cleanly between records. */
    END
  }

  /** The stream cannot be read past this point: its framing is cut short or corrupt. */
  static final class DamageException extends Exception {
    private static final long serialVersionUID = 1L;
    private final boolean truncated;

    DamageException(String message, boolean truncated) {
      super(message);
      this.truncated = truncated;
    }

    /** Whether the stream ended inside a record, rather than holding bytes that are not one. */
    boolean truncated() {
      return truncated;
    }
  }

  private final InputStream in;
  private final CRC32C crc = new CRC32C();
  private final byte[] header = new byte[HEADER_BYTES];
  private final byte[] dataCrc = new byte[4];
  private byte[] data = new byte[1 << 12];
  private int length;
  private long records;
  private long recordOffset;
  private long nextOffset;

  /** Bytes read of the record {@link #next()} is reading (or failed to read). */
  private long pending;

  TfRecordFramer(InputStream in) {
    this(in, 0);
  }

  /** A framer over a stream that starts at {@code offset} of the (decompressed) file. */
  TfRecordFramer(InputStream in, long offset) {
    this.in = in;
    this.nextOffset = offset;
  }

  /** Where the record after the current one starts: where a failing {@link #next()} began. */
  long nextOffset() {
    return nextOffset;
  }

  /** Bytes read of a record a failure interrupted (0: it came between records). */
  long pendingBytes() {
    return pending;
  }

  /** The current record's bytes: {@code data()[0 .. length())}. Overwritten by the next call. */
  byte[] data() {
    return data;
  }

  int length() {
    return length;
  }

  /** The offset of the current record in the (decompressed) stream. */
  long recordOffset() {
    return recordOffset;
  }

  /**
   * Reads the next record.
   *
   * @throws DamageException when the rest of the stream cannot be framed into records
   * @throws IOException when the underlying stream fails, e.g. a truncated GZIP stream
   */
  Status next() throws IOException, DamageException {
    long record = records + 1;
    pending = 0;
    int n = readFully(header, 0, HEADER_BYTES);
    if (n == 0) {
      return Status.END;
    }
    if (n < HEADER_BYTES) {
      throw new DamageException(
          "truncated TFRecord file: it ends inside the header of record "
              + record
              + " ("
              + n
              + " of 12 bytes)",
          true);
    }
    if (maskedCrc32c(header, 0, 8) != littleEndianInt(header, 8)) {
      throw new DamageException(
          "TFRecord length CRC mismatch at record "
              + record
              + " (stream offset "
              + nextOffset
              + "): the record framing is corrupt",
          false);
    }
    long declared = littleEndianLong(header, 0);
    if (declared < 0 || declared > MAX_RECORD_BYTES) {
      throw new DamageException(
          "TFRecord record "
              + record
              + " declares "
              + Long.toUnsignedString(declared)
              + " bytes, more than the "
              + MAX_RECORD_BYTES
              + " this reader accepts",
          false);
    }
    length = (int) declared;
    if (data.length < length) {
      data = new byte[Math.max(length, (int) Math.min(MAX_RECORD_BYTES, 2L * data.length))];
    }
    n = readFully(data, 0, length);
    if (n < length) {
      throw new DamageException(
          "truncated TFRecord file: it ends inside record "
              + record
              + " ("
              + n
              + " of "
              + length
              + " data bytes)",
          true);
    }
    if (readFully(dataCrc, 0, 4) < 4) {
      throw new DamageException(
          "truncated TFRecord file: it ends inside record "
              + record
              + " (the data CRC after its "
              + length
              + " bytes is missing)",
          true);
    }
    records = record;
    recordOffset = nextOffset;
    nextOffset += HEADER_BYTES + length + 4L;
    return maskedCrc32c(data, 0, length) == littleEndianInt(dataCrc, 0)
        ? Status.RECORD
        : Status.DATA_CRC_MISMATCH;
  }

  private int readFully(byte[] buffer, int offset, int length) throws IOException {
    int read = 0;
    while (read < length) {
      int n = in.read(buffer, offset + read, length - read);
      if (n < 0) {
        break;
      }
      read += n;
      pending += n;
    }
    return read;
  }

  /** Whether 12 bytes are a record header: a length and its masked CRC-32C. */
  boolean isHeader(byte[] bytes, int offset) {
    long declared = littleEndianLong(bytes, offset);
    return declared >= 0
        && declared <= MAX_RECORD_BYTES
        && maskedCrc32c(bytes, offset, 8) == littleEndianInt(bytes, offset + 8);
  }

  /** TFRecord's checksum: CRC-32C rotated and offset, so that checksums of checksums differ. */
  private int maskedCrc32c(byte[] bytes, int offset, int length) {
    crc.reset();
    crc.update(bytes, offset, length);
    int value = (int) crc.getValue();
    return ((value >>> 15) | (value << 17)) + MASK_DELTA;
  }

  private static int littleEndianInt(byte[] b, int offset) {
    return (b[offset] & 0xFF)
        | (b[offset + 1] & 0xFF) << 8
        | (b[offset + 2] & 0xFF) << 16
        | (b[offset + 3] & 0xFF) << 24;
  }

  private static long littleEndianLong(byte[] b, int offset) {
    return (littleEndianInt(b, offset) & 0xFFFFFFFFL)
        | ((long) littleEndianInt(b, offset + 4)) << 32;
  }
}
