package io.millrace.ingest.tfrecord;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.millrace.ingest.DeadLetter;
import io.millrace.ingest.Decompression;
import io.millrace.ingest.ExampleSink;
import io.millrace.ingest.FileDamage;
import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.FormatReader;
import io.millrace.ingest.InputException;
import io.millrace.ingest.SourceFile;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureSpec;
import io.millrace.record.FeatureType;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipException;

/**
 * Reads TFRecord files of serialized {@code tf.Example}s, GZIP-compressed (detected by content) or
 * not, as TFX's ExampleGen writes them.
 *
 * <p>Both checksums of every record are verified. The features are inferred from a sample of {@link
 * FormatOptions#inferenceSample()} records across the files in order: the union of the feature
 * names, sorted, each typed by the list it holds ({@code int64_list} INT, {@code float_list} FLOAT,
 * {@code bytes_list} BYTES). A feature only ever seen empty is BYTES unless {@link
 * FormatOptions#featureTypes()} says otherwise; a given type must agree with the values seen, since
 * tf.Example values are typed and are not converted, and a type given for a feature absent from the
 * sample adds it. A feature seen with two kinds of list fails inference.
 *
 * <p>A record becomes a dead letter when it is not a valid {@code tf.Example}, holds a feature the
 * schema lacks or a list of another type than the schema's, or its data checksum does not match
 * (its length checksum does, so the next record is still found).
 *
 * <p>Damage is a {@link FileDamage}. A record whose length checksum fails (its framing is corrupt)
 * is skipped to the next position that holds a record with both checksums right, and the records in
 * between are estimated from the bytes skipped. A file or GZIP stream cut short loses at least the
 * record it cuts, and nothing tells how many followed. A corrupt GZIP stream cannot be decompressed
 * past the damage (DEFLATE has no points to resume at, its back-references reach 32 KiB behind), so
 * the rest is lost, estimated from the compressed bytes left.
 */
public final class TfRecordFormatReader implements FormatReader {
  private static final long serialVersionUID = 1L;

  private final FormatOptions options;

  public TfRecordFormatReader(FormatOptions options) {
    this.options = options;
  }

  @Override
  public ExampleSchema inferSchema(List<? extends SourceFile> files) throws IOException {
    if (files.isEmpty()) {
      throw new InputException("no TFRecord files to infer a schema from");
    }
    KindSampler sampler = new KindSampler();
    String firstDamage = null;
    for (SourceFile file : files) {
      if (sampler.records >= options.inferenceSample()) {
        break;
      }
      String damage = sampler.sample(file, options.inferenceSample());
      if (firstDamage == null && damage != null) {
        firstDamage = file.path() + ": " + damage;
      }
    }
    if (sampler.records == 0 && options.featureTypes().isEmpty()) {
      throw new InputException(
          firstDamage != null
              ? "no tf.Example could be read to infer the features from; " + firstDamage
              : "the TFRecord files hold no records to infer the features from (first file: "
                  + files.get(0).path()
                  + "); give the feature types");
    }

    Map<String, FeatureType> types = new TreeMap<>();
    for (Map.Entry<String, Integer> seen : sampler.kinds.entrySet()) {
      String name = seen.getKey();
      int kind = seen.getValue();
      FeatureType given = options.featureTypes().get(name);
      if (given != null && kind != 0 && given != TfExampleParser.typeOf(kind)) {
        throw new InputException(
            "type "
                + given
                + " is given for feature '"
                + name
                + "', but "
                + sampler.firstSeenIn.get(name)
                + " holds "
                + TfExampleParser.valueName(kind)
                + " values for it; tf.Example values are typed and are not converted");
      }
      types.put(
          name,
          given != null ? given : kind != 0 ? TfExampleParser.typeOf(kind) : FeatureType.BYTES);
    }
    options.featureTypes().forEach(types::putIfAbsent);

    List<FeatureSpec> features = new ArrayList<>();
    types.forEach((name, type) -> features.add(FeatureSpec.of(name, type)));
    return ExampleSchema.of(features);
  }

  @Override
  public void read(SourceFile file, ExampleSchema schema, ExampleSink sink) {
    Decompression.Input in;
    try {
      in = Decompression.open(file);
    } catch (IOException e) {
      sink.damaged(FileDamage.unreadable(file.path(), "the file cannot be opened: " + e));
      return;
    }
    Records records = new Records(file, schema, sink, in.isGzip());
    long offset = 0;
    try {
      while (true) {
        TfRecordFramer framer = new TfRecordFramer(in, offset);
        Long resume = records.readAll(framer, in);
        in.close();
        if (resume == null) {
          return;
        }
        offset = resume;
        in = Decompression.openAt(file, offset);
      }
    } catch (IOException e) {
      sink.damaged(
          FileDamage.of(
              file.path(),
              records.recordNumber + 1,
              offset,
              in.isGzip(),
              records.recordNumber,
              FileDamage.Lost.atLeast(1),
              null,
              "the file cannot be read again after damage: " + e));
    } finally {
      try {
        in.close();
      } catch (IOException e) {
        // Every record was handed over before: nothing was lost.
      }
    }
  }

  /** Reads records through framers, turning what cannot be framed into damages. */
  private static final class Records {
    private final SourceFile file;
    private final ExampleSink sink;
    private final boolean gzip;
    private final TfExampleParser parser;
    private final Example.Builder builder;

    /** Records of the file before the next, read or lost. */
    long recordNumber;

    /** Records read (not lost), and their bytes: the average size estimates what damage lost. */
    private long recordsRead;

    private long bytesRead;

    Records(SourceFile file, ExampleSchema schema, ExampleSink sink, boolean gzip) {
      this.file = file;
      this.sink = sink;
      this.gzip = gzip;
      this.parser = new TfExampleParser(schema);
      this.builder = schema.newExample();
    }

    /**
     * Reads records to the end, or to damage; returns where reading can resume after damage (the
     * next position that frames a valid record), or null when nothing more can be read.
     */
    Long readAll(TfRecordFramer framer, Decompression.Input in) throws IOException {
      while (true) {
        TfRecordFramer.Status status;
        try {
          status = framer.next();
        } catch (TfRecordFramer.DamageException e) {
          return damaged(framer, e, in);
        } catch (IOException e) {
          // The (GZIP) stream failed: nothing after this point can be decompressed.
          sink.damaged(
              FileDamage.of(
                  file.path(),
                  recordNumber + 1,
                  framer.nextOffset(),
                  gzip,
                  recordNumber,
                  in.lostAfter(e, recordNumber, framer.pendingBytes() > 0, framer.nextOffset()),
                  null,
                  in.describe(e)));
          return null;
        }
        if (status == TfRecordFramer.Status.END) {
          return null;
        }
        recordNumber++;
        recordsRead++;
        bytesRead += framer.nextOffset() - framer.recordOffset();
        handle(framer, status);
      }
    }

    private Long damaged(
        TfRecordFramer framer, TfRecordFramer.DamageException e, Decompression.Input in) {
      long at = framer.nextOffset();
      if (e.truncated()) {
        sink.damaged(
            FileDamage.of(
                file.path(),
                recordNumber + 1,
                at,
                gzip,
                recordNumber,
                FileDamage.Lost.atLeast(1),
                null,
                e.getMessage() + "; whatever followed is lost"));
        return null;
      }
      long fileBytesAtDamage = in.fileBytesAt(at);
      Resync resync = nextRecord(at + 1);
      FileDamage.Lost lost;
      String after;
      if (resync.found() >= 0) {
        lost = FileDamage.Lost.estimated(resync.found() - at, bytesRead, recordsRead);
        after = "; reading resumes at the next valid record, at byte " + resync.found();
      } else if (resync.failure() != null) {
        // The damage is in the compressed stream itself: it fails further on.
        lost =
            FileDamage.Lost.estimated(
                in.fileSize() - fileBytesAtDamage, fileBytesAtDamage, recordsRead);
        after = "; then " + in.describe(resync.failure());
      } else {
        lost = FileDamage.Lost.estimated(resync.scannedTo() - at, bytesRead, recordsRead);
        after = "; no valid record follows, so the rest of the file is lost";
      }
      if (lost.records() == 0) {
        lost = FileDamage.Lost.atLeast(1);
      }
      Long resume = resync.found() >= 0 ? resync.found() : null;
      sink.damaged(
          FileDamage.of(
              file.path(),
              recordNumber + 1,
              at,
              gzip,
              recordNumber,
              lost,
              resume,
              e.getMessage() + after));
      recordNumber += lost.records();
      return resume;
    }

    /**
     * Where a search for the next record ended: at a record, at the end of the stream (scanned to
     * there), or at a failure of the stream.
     */
    private record Resync(long found, long scannedTo, IOException failure) {}

    /**
     * The first position at or after {@code from} where a valid record starts: a header whose
     * length checksum matches (one false match in 2^32 positions) and a record after it whose data
     * checksum matches too.
     */
    private Resync nextRecord(long from) {
      byte[] window = new byte[1 << 16];
      TfRecordFramer probe = new TfRecordFramer(InputStream.nullInputStream());
      long base = from;
      int kept = 0;
      try (InputStream in = Decompression.openAt(file, from)) {
        while (true) {
          int n = in.read(window, kept, window.length - kept);
          if (n < 0) {
            return new Resync(-1, base + kept, null);
          }
          int available = kept + n;
          int i = 0;
          for (; i + 12 <= available; i++) {
            if (probe.isHeader(window, i) && isRecordAt(base + i)) {
              return new Resync(base + i, base + i, null);
            }
          }
          System.arraycopy(window, i, window, 0, available - i);
          base += i;
          kept = available - i;
        }
      } catch (IOException e) {
        return new Resync(-1, base + kept, e);
      }
    }

    private boolean isRecordAt(long offset) {
      try (InputStream in = Decompression.openAt(file, offset)) {
        return new TfRecordFramer(in, offset).next() == TfRecordFramer.Status.RECORD;
      } catch (TfRecordFramer.DamageException | IOException e) {
        return false;
      }
    }

    private void handle(TfRecordFramer framer, TfRecordFramer.Status status) {
      if (status == TfRecordFramer.Status.DATA_CRC_MISMATCH) {
        sink.reject(
            DeadLetter.of(
                file.path(),
                recordNumber,
                null,
                "TFRecord data CRC mismatch: the bytes of this record are corrupt (its length CRC"
                    + " matched, so reading goes on with the next record)",
                describe(framer)));
        return;
      }
      boolean parsed;
      String invalid = null;
      try {
        parsed = parser.parse(framer.data(), framer.length(), builder);
      } catch (IOException e) {
        parsed = false;
        invalid = "the record is not a valid tf.Example: " + e.getMessage();
      }
      if (parsed) {
        sink.accept(builder.build());
      } else {
        builder.build();
        sink.reject(
            DeadLetter.of(
                file.path(),
                recordNumber,
                invalid != null ? null : parser.failedFeature(),
                invalid != null ? invalid : parser.failure(),
                describe(framer)));
      }
    }
  }

  /**
   * Words for a failing (decompressed) stream. A plain file stream never throws {@link
   * EOFException} or {@link ZipException}: they come from GZIP decompression.
   */
  private static String streamFailure(IOException e, long recordsRead) {
    if (e instanceof EOFException) {
      return "truncated GZIP stream after "
          + recordsRead
          + " records: the compressed file was cut short, so the rest cannot be read ("
          + e.getMessage()
          + ")";
    }
    if (e instanceof ZipException) {
      return "corrupt GZIP stream after "
          + recordsRead
          + " records, so the rest cannot be read ("
          + e.getMessage()
          + ")";
    }
    return "read error after "
        + recordsRead
        + " records, so the rest cannot be read: "
        + e.getClass().getSimpleName()
        + ": "
        + e.getMessage();
  }

  private static String describe(TfRecordFramer framer) {
    return "tf.Example of "
        + framer.length()
        + " bytes at offset "
        + framer.recordOffset()
        + " of the decompressed TFRecord stream";
  }

  /** Collects which kind of list each feature holds over a sample of records. */
  private static final class KindSampler extends TfExampleWalker {
    /** Feature name to list kind, 0 while it was only seen empty. */
    final Map<String, Integer> kinds = new TreeMap<>();

    /** Where each feature's kind was first seen, for conflict messages. */
    final Map<String, String> firstSeenIn = new TreeMap<>();

    long records;
    private String path;
    private long recordNumber;

    /**
     * Samples records of one file until the total reaches {@code limit}. Returns what stopped the
     * file early, or null; damage is left for {@link #read} to report record by record.
     */
    String sample(SourceFile file, int limit) {
      path = file.path();
      recordNumber = 0;
      try (InputStream in = Decompression.open(file)) {
        TfRecordFramer framer = new TfRecordFramer(in);
        while (records < limit) {
          TfRecordFramer.Status status = framer.next();
          if (status == TfRecordFramer.Status.END) {
            return null;
          }
          recordNumber++;
          if (status == TfRecordFramer.Status.DATA_CRC_MISMATCH) {
            continue;
          }
          try {
            walk(framer.data(), framer.length());
            records++;
          } catch (IOException notAnExample) {
            // Reading reports it as a dead letter.
          }
        }
        return null;
      } catch (TfRecordFramer.DamageException e) {
        return e.getMessage();
      } catch (IOException e) {
        return streamFailure(e, recordNumber);
      }
    }

    @Override
    boolean onFeature(byte[] record, int nameStart, int nameLength, CodedInputStream feature)
        throws IOException {
      String name = new String(record, nameStart, nameLength, StandardCharsets.UTF_8);
      if (name.isEmpty()) {
        throw new InputException(
            path + " record " + recordNumber + " has a feature with an empty name");
      }
      int kind = 0;
      if (feature != null) {
        for (int tag = feature.readTag(); tag != 0; tag = feature.readTag()) {
          int field = WireFormat.getTagFieldNumber(tag);
          if (field >= BYTES_LIST
              && field <= INT64_LIST
              && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            kind = field;
          }
          if (!feature.skipField(tag)) {
            break;
          }
        }
      }
      Integer known = kinds.get(name);
      if (known == null || known == 0) {
        kinds.put(name, kind);
        if (kind != 0) {
          firstSeenIn.put(name, path + " record " + recordNumber);
        }
      } else if (kind != 0 && kind != known) {
        throw new InputException(
            "feature '"
                + name
                + "' holds "
                + TfExampleParser.valueName(kind)
                + " values in "
                + path
                + " record "
                + recordNumber
                + " but "
                + TfExampleParser.valueName(known)
                + " values in "
                + firstSeenIn.get(name)
                + "; a feature must hold one type of list");
      }
      return true;
    }
  }
}
