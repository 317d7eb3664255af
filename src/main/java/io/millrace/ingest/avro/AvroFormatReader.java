package io.millrace.ingest.avro;

import io.millrace.ingest.DeadLetter;
import io.millrace.ingest.ExampleSink;
import io.millrace.ingest.FileDamage;
import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.FormatReader;
import io.millrace.ingest.InputException;
import io.millrace.ingest.SourceFile;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.SeekableInput;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;

/**
 * Reads Avro object container files of records (any Avro codec), one example per record. Files are
 * read through {@link SourceFile#openSeekable()}: telling a cut-off file from a complete one needs
 * the file's length, since Avro's stream reader takes an early end of file for the end of the data.
 *
 * <p>The schema comes from the files' headers, mapped to features as {@link GenericRecordConverter}
 * describes; in short, dates are INT days since the epoch and {@code timestamp-millis} / {@code
 * timestamp-micros} are INT milliseconds / microseconds since the epoch, as stored. Every file must
 * map to the same features: at {@link #inferSchema} a file that does not fails naming both files;
 * at {@link #read} it gives one dead letter (record number 0) saying what differs.
 *
 * <p>A record with a null array element is a dead letter. A data block that cannot be read (its
 * compressed data, a record or its sync marker is corrupt) is a {@link FileDamage}: when the
 * block's framing holds it is skipped, its records lost exactly as its count says; otherwise
 * reading resumes after the next sync marker, the records in between estimated from the bytes
 * skipped. A file cut short inside a block loses at least that block's records. A file whose schema
 * maps to other features loses all its records, counted by its blocks. Corruption of an
 * uncompressed ("null" codec) block that still decodes cannot be told from data.
 */
public final class AvroFormatReader implements FormatReader {
  private static final long serialVersionUID = 1L;
  private static final int SYNC_BYTES = 16;
  private static final int MAX_VARINT_BYTES = 10;

  private final FormatOptions options;

  public AvroFormatReader(FormatOptions options) {
    this.options = options;
  }

  @Override
  public ExampleSchema inferSchema(List<? extends SourceFile> files) throws IOException {
    if (files.isEmpty()) {
      throw new InputException("no Avro files to infer a schema from");
    }
    ExampleSchema first = null;
    String firstPath = null;
    for (SourceFile file : files) {
      Schema writerSchema;
      try (DataFileReader<GenericRecord> avro = open(file)) {
        writerSchema = avro.getSchema();
      } catch (IOException | RuntimeException e) {
        throw new InputException(
            "cannot read the Avro header of " + file.path() + ": " + describe(e), e);
      }
      ExampleSchema schema =
          GenericRecordConverter.exampleSchema(writerSchema, file.path(), options.featureTypes());
      if (first == null) {
        first = schema;
        firstPath = file.path();
      } else {
        GenericRecordConverter.requireSameFeatures(first, firstPath, schema, file.path());
      }
    }
    return first;
  }

  @Override
  public void read(SourceFile file, ExampleSchema schema, ExampleSink sink) {
    DataFileReader<GenericRecord> avro;
    try {
      avro = open(file);
    } catch (IOException | RuntimeException e) {
      sink.damaged(
          FileDamage.unreadable(
              file.path(),
              "not a readable Avro data file (its header cannot be read): " + describe(e)));
      return;
    }
    try (avro) {
      readRecords(file, avro, schema, sink);
    } catch (IOException e) {
      // The file cannot be read again to find its blocks, or closing failed.
      sink.damaged(
          FileDamage.unreadable(
              file.path(), "read error while recovering from damage: " + describe(e)));
    }
  }

  private static void readRecords(
      SourceFile file, DataFileReader<GenericRecord> avro, ExampleSchema schema, ExampleSink sink)
      throws IOException {
    Blocks blocks = new Blocks(file, avro.previousSync());
    GenericRecordConverter converter;
    try {
      converter = GenericRecordConverter.create(avro.getSchema(), schema, file.path());
    } catch (InputException e) {
      // Every record is unusable: the blocks' counts say how many there are.
      sink.damaged(
          FileDamage.of(
              file.path(),
              1,
              blocks.headerEnd,
              false,
              0,
              blocks.countFrom(blocks.headerEnd),
              null,
              e.getMessage()));
      return;
    }
    Example.Builder builder = schema.newExample();
    GenericRecord record = null;
    long recordNumber = 0;
    long blockStart = -1;
    long readInBlock = 0;
    long recordsBeforeBlock = 0;
    while (true) {
      String failure = null;
      try {
        if (avro.previousSync() != blockStart) {
          blockStart = avro.previousSync();
          readInBlock = 0;
          recordsBeforeBlock = recordNumber;
        }
        if (!avro.hasNext()) {
          // hasNext() takes a block cut short for the end of the data; only a complete last block
          // moves the sync point to the end of the file.
          if (avro.previousSync() >= blocks.length) {
            return;
          }
          failure = "the file ends inside a data block (EOFException)";
        } else {
          // Reusing the record keeps its strings and arrays: the converter copies what it keeps.
          record = avro.next(record);
        }
      } catch (IOException | RuntimeException e) {
        failure = describe(e);
      }
      if (failure != null) {
        // A failing block never finishes, so the reader's sync point is still its start.
        long at = blockStart;
        Blocks.Skip skip = blocks.skip(at, readInBlock, recordsBeforeBlock, failure);
        sink.damaged(
            FileDamage.of(
                file.path(),
                recordNumber + 1,
                at,
                false,
                recordNumber,
                skip.lost(),
                skip.resumeAt(),
                skip.reason()));
        if (skip.resumeAt() == null) {
          return;
        }
        recordNumber += skip.lost().records();
        avro.seek(skip.resumeAt());
        blockStart = -1;
        continue;
      }
      recordNumber++;
      readInBlock++;
      DeadLetter bad = converter.convert(record, builder, file.path(), recordNumber);
      if (bad == null) {
        sink.accept(builder.build());
      } else {
        builder.build();
        sink.reject(bad);
      }
    }
  }

  /**
   * The framing of an Avro container's data blocks, read from the file itself: each block is a
   * zig-zag varint record count, a varint byte size, the (compressed) data, and the 16-byte sync
   * marker the header ends with. A block whose framing holds is skipped exactly: its count says how
   * many records are lost. Otherwise the next sync marker is searched for, as Avro's own {@code
   * sync} does, and the records in between are estimated from the bytes skipped; past the end of a
   * cut-off file nothing can be known, so that loss is "at least".
   */
  private static final class Blocks {
    private final SourceFile file;
    final long headerEnd;
    final long length;
    private final byte[] sync = new byte[SYNC_BYTES];

    Blocks(SourceFile file, long headerEnd) throws IOException {
      this.file = file;
      this.headerEnd = headerEnd;
      this.length = file.sizeBytes();
      try (SeekableByteChannel channel = file.openSeekable()) {
        readAt(channel, headerEnd - SYNC_BYTES, sync);
      }
    }

    /** What to do about a block that cannot be read. */
    record Skip(FileDamage.Lost lost, Long resumeAt, String reason) {}

    /** A block's framing at {@code at}: count, size, and where it ends (after its marker). */
    private record Frame(long count, long size, long end, boolean marked) {}

    /**
     * @param at where the unreadable block starts
     * @param readInBlock records of it handed out before the failure
     * @param recordsBefore records of the file before the block
     */
    Skip skip(long at, long readInBlock, long recordsBefore, String failure) throws IOException {
      try (SeekableByteChannel channel = file.openSeekable()) {
        Frame frame = frame(channel, at);
        if (frame != null && frame.end() <= length) {
          // A bad marker alone does not hide the next block: its own framing shows it.
          boolean nextHolds = frame.end() == length || framed(channel, frame.end());
          if (frame.marked() || nextHolds) {
            return new Skip(
                FileDamage.Lost.exactly(Math.max(0, frame.count() - readInBlock)),
                frame.end() < length ? frame.end() : null,
                String.format(
                    "unreadable Avro data block of %,d records at byte %,d (%s); the next block"
                        + " is read",
                    frame.count(),
                    at,
                    frame.marked() ? failure : "its sync marker does not match the header's"));
          }
        }
        if (frame == null && at + 2 * MAX_VARINT_BYTES > length) {
          return new Skip(
              FileDamage.Lost.atLeast(1),
              null,
              String.format(
                  "truncated Avro file: it ends inside the header of a data block at byte %,d;"
                      + " whatever followed is lost",
                  at));
        }
        if (frame != null && frame.end() > length) {
          return new Skip(
              FileDamage.Lost.atLeast(Math.max(1, frame.count() - readInBlock)),
              null,
              String.format(
                  "truncated Avro file: it ends inside a data block of %,d records at byte %,d"
                      + " (%,d bytes of %,d); whatever followed is lost",
                  frame.count(), at, length - at, frame.end() - at));
        }
        long resume = nextSync(channel, at + 1);
        FileDamage.Lost lost =
            FileDamage.Lost.estimated(resume - at, at - headerEnd, recordsBefore);
        if (lost.records() == 0) {
          lost = FileDamage.Lost.atLeast(1);
        }
        return new Skip(
            lost,
            resume < length ? resume : null,
            String.format(
                "corrupt Avro data block framing at byte %,d (%s); %s",
                at,
                failure,
                resume < length
                    ? String.format(
                        "reading resumes after the next sync marker, at byte %,d", resume)
                    : "no sync marker follows, so the rest of the file is lost"));
      }
    }

    /** The records of the blocks from {@code at} on, exactly when every block's framing holds. */
    FileDamage.Lost countFrom(long at) throws IOException {
      long records = 0;
      try (SeekableByteChannel channel = file.openSeekable()) {
        while (at < length) {
          Frame frame = frame(channel, at);
          if (frame == null || frame.end() > length || !frame.marked()) {
            return FileDamage.Lost.atLeast(Math.max(1, records));
          }
          records += frame.count();
          at = frame.end();
        }
      }
      return FileDamage.Lost.exactly(records);
    }

    private boolean framed(SeekableByteChannel channel, long at) throws IOException {
      Frame frame = frame(channel, at);
      return frame != null && frame.end() <= length && frame.marked();
    }

    /** The framing at {@code at}, or null when its count and size are not plausible varints. */
    private Frame frame(SeekableByteChannel channel, long at) throws IOException {
      byte[] head = new byte[2 * MAX_VARINT_BYTES];
      int n = readAt(channel, at, head);
      long[] values = new long[2];
      int offset = 0;
      for (int v = 0; v < 2; v++) {
        long raw = 0;
        int shift = 0;
        while (true) {
          if (offset >= n || shift > 63) {
            return null;
          }
          byte b = head[offset++];
          raw |= (long) (b & 0x7F) << shift;
          shift += 7;
          if (b >= 0) {
            break;
          }
        }
        values[v] = (raw >>> 1) ^ -(raw & 1); // zig-zag
      }
      long count = values[0];
      long size = values[1];
      if (count < 0 || size < 0 || size > Integer.MAX_VALUE) {
        return null;
      }
      long markerAt = at + offset + size;
      long end = markerAt + SYNC_BYTES;
      if (end > length) {
        return new Frame(count, size, end, false);
      }
      byte[] marker = new byte[SYNC_BYTES];
      readAt(channel, markerAt, marker);
      return new Frame(count, size, end, Arrays.equals(marker, sync));
    }

    /** The position after the first sync marker at or after {@code from}, or the file's length. */
    private long nextSync(SeekableByteChannel channel, long from) throws IOException {
      byte[] window = new byte[1 << 16];
      for (long at = from; at + SYNC_BYTES <= length; at += window.length - SYNC_BYTES + 1) {
        int n = readAt(channel, at, window);
        for (int i = 0; i + SYNC_BYTES <= n; i++) {
          if (Arrays.equals(window, i, i + SYNC_BYTES, sync, 0, SYNC_BYTES)) {
            return at + i + SYNC_BYTES;
          }
        }
        if (n < window.length) {
          break;
        }
      }
      return length;
    }

    private static int readAt(SeekableByteChannel channel, long at, byte[] into)
        throws IOException {
      channel.position(at);
      ByteBuffer buffer = ByteBuffer.wrap(into);
      while (buffer.hasRemaining() && channel.read(buffer) > 0) {
        // keep reading
      }
      return buffer.position();
    }
  }

  private static DataFileReader<GenericRecord> open(SourceFile file) throws IOException {
    SeekableInput in = new ChannelSeekableInput(file);
    try {
      // No logical type conversions: dates and timestamps stay the numbers the file stores.
      return new DataFileReader<>(in, new GenericDatumReader<>(null, null, GenericData.get()));
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  private static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return root.getClass().getSimpleName() + (message != null ? ": " + message : "");
  }
}
