package io.millrace.ingest;

import com.google.common.io.CountingInputStream;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/** Opens a file's bytes, gunzipping them when they start with the GZIP magic number. */
public final class Decompression {
  private static final int BUFFER_BYTES = 1 << 16;

  private Decompression() {}

  /**
   * A file's bytes, decompressed when it is GZIP, knowing how much of the file was consumed: after
   * a failure, what is left of the file tells how many records were lost.
   */
  public static final class Input extends FilterInputStream {
    private final CountingInputStream file;
    private final ExposedGzip gzip;
    private final CountingInputStream decompressed;
    private final long fileSize;

    private Input(
        InputStream in,
        CountingInputStream file,
        ExposedGzip gzip,
        CountingInputStream decompressed,
        long fileSize) {
      super(in);
      this.file = file;
      this.gzip = gzip;
      this.decompressed = decompressed;
      this.fileSize = fileSize;
    }

    public boolean isGzip() {
      return gzip != null;
    }

    /** Bytes of the file (compressed, for GZIP) taken up by what was decompressed so far. */
    public long fileBytesConsumed() {
      return gzip == null ? file.getCount() : file.getCount() - gzip.remaining();
    }

    /**
     * About where in the file the data up to a (decompressed) offset was, taking the compression
     * ratio so far as even: readers hold decompressed data ahead of where they are.
     */
    public long fileBytesAt(long offset) {
      if (gzip == null) {
        return offset;
      }
      long produced = decompressed.getCount();
      return produced == 0
          ? 0
          : Math.min(
              fileBytesConsumed(), Math.round((double) fileBytesConsumed() * offset / produced));
    }

    public long fileSize() {
      return fileSize;
    }

    /**
     * The records a failure of this stream lost, after {@code recordsRead} records: at least one
     * when the compressed stream is cut short (nothing says how much followed), else the file's
     * unread bytes at the size per record so far. A plain file's own stream never fails this way;
     * the reader estimates from its own position.
     *
     * @param partialRecord whether the failure interrupted a record
     * @param offset the (decompressed) offset the reader had read records up to
     */
    public FileDamage.Lost lostAfter(
        IOException failure, long recordsRead, boolean partialRecord, long offset) {
      if (failure instanceof EOFException) {
        return FileDamage.Lost.atLeast(partialRecord ? 1 : 0);
      }
      if (isChecksumMismatch(failure)) {
        return FileDamage.Lost.atLeast(0);
      }
      long read = fileBytesAt(offset);
      return FileDamage.Lost.estimated(Math.max(0, fileSize - read), read, recordsRead);
    }

    /** Words for a failure of this stream, naming how far the file was read. */
    public String describe(IOException failure) {
      String where =
          String.format(
              " (at byte %,d of %,d of the %s)",
              fileBytesConsumed(), fileSize, isGzip() ? "compressed file" : "file");
      if (isGzip() && failure instanceof EOFException) {
        return "the GZIP stream is cut short" + where + ", so the rest cannot be read";
      }
      if (isChecksumMismatch(failure)) {
        return "the GZIP checksum does not match the decompressed data"
            + where
            + ": the file is corrupt somewhere, so records read from it may hold wrong values, and"
            + " how many records it really held is not known";
      }
      if (failure instanceof ZipException) {
        return "corrupt GZIP stream"
            + where
            + ": "
            + failure.getMessage()
            + "; GZIP cannot be read past damage, so the rest of the file is lost";
      }
      return "read error" + where + ": " + failure;
    }
  }

  /**
   * GZIP checks its CRC-32 only at the end of a stream: damage that still inflates is found there,
   * after the damaged records were read.
   */
  private static boolean isChecksumMismatch(IOException failure) {
    return failure instanceof ZipException && "Corrupt GZIP trailer".equals(failure.getMessage());
  }

  /**
   * Says no bytes are available, so that {@link BufferedInputStream#read(byte[], int, int)} returns
   * what one read gave instead of reading on while the stream claims more: a GZIP stream that is
   * cut short claims more until it throws, and the bytes read before in that call (up to 64 KiB of
   * good records) would be thrown away with the exception.
   */
  private static final class NothingAvailable extends FilterInputStream {
    NothingAvailable(InputStream in) {
      super(in);
    }

    @Override
    public int available() {
      return 0;
    }
  }

  /** GZIPInputStream telling how much compressed input it holds unread. */
  private static final class ExposedGzip extends GZIPInputStream {
    ExposedGzip(InputStream in) throws IOException {
      super(in, BUFFER_BYTES);
    }

    long remaining() {
      return inf.getRemaining();
    }
  }

  /**
   * Detection is by content, not by file name: TFX names GZIP TFRecord files {@code *.gz}, but
   * users' files are named anything.
   */
  public static Input open(SourceFile file) throws IOException {
    long size = file.sizeBytes();
    CountingInputStream counting = new CountingInputStream(file.open());
    PushbackInputStream in = new PushbackInputStream(counting, 2);
    int b1 = in.read();
    int b2 = b1 < 0 ? -1 : in.read();
    if (b2 >= 0) {
      in.unread(b2);
    }
    if (b1 >= 0) {
      in.unread(b1);
    }
    if (b1 == 0x1f && b2 == 0x8b) {
      ExposedGzip gzip = new ExposedGzip(in);
      CountingInputStream decompressed = new CountingInputStream(gzip);
      return new Input(
          new BufferedInputStream(new NothingAvailable(decompressed), BUFFER_BYTES),
          counting,
          gzip,
          decompressed,
          size);
    }
    return new Input(new BufferedInputStream(in, BUFFER_BYTES), counting, null, null, size);
  }

  /** The file's (decompressed) bytes from {@code offset} on: to read again after a skip. */
  public static Input openAt(SourceFile file, long offset) throws IOException {
    Input in = open(file);
    try {
      in.skipNBytes(offset);
      return in;
    } catch (IOException e) {
      in.close();
      throw e;
    }
  }
}
