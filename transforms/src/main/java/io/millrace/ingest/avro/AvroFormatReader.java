package io.millrace.ingest.avro;

import io.millrace.ingest.DeadLetter;
import io.millrace.ingest.ExampleSink;
import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.FormatReader;
import io.millrace.ingest.InputException;
import io.millrace.ingest.SourceFile;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import java.io.EOFException;
import java.io.IOException;
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
 * <p>A record with a null array element is a dead letter. A data block that cannot be read (the
 * file is cut short, a sync marker or the compressed data is corrupt) ends the file: one dead
 * letter covers it and everything after, since Avro blocks cannot be found again without the
 * block's framing.
 */
public final class AvroFormatReader implements FormatReader {
  private static final long serialVersionUID = 1L;

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
      sink.reject(
          DeadLetter.of(
              file.path(),
              0,
              null,
              "not a readable Avro data file (its header cannot be read): " + describe(e),
              null));
      return;
    }
    try (avro) {
      readRecords(file, avro, schema, sink);
    } catch (IOException e) {
      // Closing failed after every record was handed over: nothing was lost.
    }
  }

  private static void readRecords(
      SourceFile file, DataFileReader<GenericRecord> avro, ExampleSchema schema, ExampleSink sink) {
    GenericRecordConverter converter;
    try {
      converter = GenericRecordConverter.create(avro.getSchema(), schema, file.path());
    } catch (InputException e) {
      sink.reject(DeadLetter.of(file.path(), 0, null, e.getMessage(), avro.getSchema().toString()));
      return;
    }
    Example.Builder builder = schema.newExample();
    GenericRecord record = null;
    long recordNumber = 0;
    while (true) {
      try {
        if (!avro.hasNext()) {
          // hasNext() takes a block cut short for the end of the data; only a complete last block
          // moves the sync point to the end of the file.
          long length = file.sizeBytes();
          if (avro.previousSync() < length) {
            sink.reject(
                DeadLetter.of(
                    file.path(),
                    recordNumber + 1,
                    null,
                    "truncated Avro file: it ends inside a data block after "
                        + recordNumber
                        + " records (the last complete block ends at byte "
                        + avro.previousSync()
                        + " of "
                        + length
                        + "); the rest of the file cannot be read",
                    null));
          }
          return;
        }
        // Reusing the record keeps its strings and arrays: the converter copies what it keeps.
        record = avro.next(record);
      } catch (IOException | RuntimeException e) {
        sink.reject(
            DeadLetter.of(
                file.path(), recordNumber + 1, null, unreadableRemainder(e, recordNumber), null));
        return;
      }
      recordNumber++;
      DeadLetter bad = converter.convert(record, builder, file.path(), recordNumber);
      if (bad == null) {
        sink.accept(builder.build());
      } else {
        builder.build();
        sink.reject(bad);
      }
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

  private static String unreadableRemainder(Throwable e, long recordsRead) {
    String what;
    if (hasCause(e, EOFException.class)) {
      what = "truncated Avro file: it ends inside a data block";
    } else if (String.valueOf(e.getMessage()).contains("Invalid sync")) {
      what = "corrupt Avro data block: its sync marker does not match the header's";
    } else {
      what = "unreadable Avro data block";
    }
    return what
        + " after "
        + recordsRead
        + " records; the rest of the file cannot be read ("
        + describe(e)
        + ")";
  }

  private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
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
