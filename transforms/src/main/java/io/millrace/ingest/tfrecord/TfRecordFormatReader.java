package io.millrace.ingest.tfrecord;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.millrace.ingest.DeadLetter;
import io.millrace.ingest.Decompression;
import io.millrace.ingest.ExampleSink;
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
 * (its length checksum does, so the next record is still found). A file whose framing is cut short
 * or corrupt (a truncated file or GZIP stream, a length checksum mismatch) yields its records up to
 * the damage and one dead letter for the rest.
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
    InputStream in;
    try {
      in = Decompression.open(file);
    } catch (IOException e) {
      sink.reject(DeadLetter.of(file.path(), 0, null, streamFailure(e, 0), null));
      return;
    }
    try (in) {
      readRecords(file, new TfRecordFramer(in), schema, sink);
    } catch (IOException e) {
      // Closing failed after every record was handed over: nothing was lost.
    }
  }

  private static void readRecords(
      SourceFile file, TfRecordFramer framer, ExampleSchema schema, ExampleSink sink) {
    TfExampleParser parser = new TfExampleParser(schema);
    Example.Builder builder = schema.newExample();
    long recordNumber = 0;
    while (true) {
      TfRecordFramer.Status status;
      try {
        status = framer.next();
      } catch (TfRecordFramer.DamageException e) {
        sink.reject(
            DeadLetter.of(
                file.path(),
                recordNumber + 1,
                null,
                e.getMessage() + "; " + recordNumber + " records were read before it",
                null));
        return;
      } catch (IOException e) {
        sink.reject(
            DeadLetter.of(
                file.path(), recordNumber + 1, null, streamFailure(e, recordNumber), null));
        return;
      }
      if (status == TfRecordFramer.Status.END) {
        return;
      }
      recordNumber++;
      if (status == TfRecordFramer.Status.DATA_CRC_MISMATCH) {
        sink.reject(
            DeadLetter.of(
                file.path(),
                recordNumber,
                null,
                "TFRecord data CRC mismatch: the bytes of this record are corrupt (its length CRC"
                    + " matched, so reading goes on with the next record)",
                describe(framer)));
        continue;
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
