package io.millrace.testing;

import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.csv.CsvFormatReader;
import io.millrace.ingest.parquet.LocalOutputFile;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Real data files of every input format, whole, cut short or corrupted in the middle, for the tests
 * that check nothing is lost without a failure. The Avro and Parquet files are written from the
 * shared taxi trips; the CSV and TFRecord files are the shared ones (or their bytes recompressed).
 */
public final class DamagedFiles {
  /** The taxi trips of {@code taxi/simple/data.csv}: 15,002 records. */
  public static final String TAXI_CSV = "taxi/simple/data.csv";

  public static final int TAXI_RECORDS = 15_002;

  private DamagedFiles() {}

  /** The first half of a file's bytes, as an interrupted copy or download leaves it. */
  public static Path cutInHalf(Path whole, Path cut) throws IOException {
    byte[] bytes = Files.readAllBytes(whole);
    return Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
  }

  /** The file with {@code length} bytes flipped starting at {@code offset}. */
  public static Path corrupt(Path whole, Path corrupt, long offset, int length) throws IOException {
    byte[] bytes = Files.readAllBytes(whole);
    for (int i = (int) offset; i < offset + length; i++) {
      bytes[i] ^= (byte) 0xA5;
    }
    return Files.write(corrupt, bytes);
  }

  /** The file with {@code length} bytes flipped in the middle. */
  public static Path corruptMiddle(Path whole, Path corrupt, int length) throws IOException {
    return corrupt(whole, corrupt, Files.size(whole) / 2 - length / 2, length);
  }

  public static Path gzip(Path plain, Path gz) throws IOException {
    try (InputStream in = Files.newInputStream(plain);
        OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      in.transferTo(out);
    }
    return gz;
  }

  public static Path gunzip(Path gz, Path plain) throws IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
      Files.copy(in, plain);
    }
    return plain;
  }

  /** The taxi trips as read from CSV: the records every other format is written from. */
  public static List<Example> taxiExamples() throws IOException {
    return CollectingSink.read(
            new CsvFormatReader(FormatOptions.defaults()), SharedData.path(TAXI_CSV))
        .examples;
  }

  /** An Avro schema of nullable long, double or string fields, one per feature. */
  public static Schema avroSchema(ExampleSchema schema) {
    SchemaBuilder.FieldAssembler<Schema> fields = SchemaBuilder.record("Trip").fields();
    for (int i = 0; i < schema.size(); i++) {
      String name = schema.name(i);
      fields =
          switch (schema.type(i)) {
            case INT -> fields.optionalLong(name);
            case FLOAT -> fields.optionalDouble(name);
            default -> fields.optionalString(name);
          };
    }
    return fields.endRecord();
  }

  private static GenericRecord record(Schema avro, Example example) {
    GenericRecord record = new GenericData.Record(avro);
    ExampleSchema schema = example.schema();
    for (int i = 0; i < schema.size(); i++) {
      if (example.isMissing(i)) {
        continue;
      }
      record.put(
          i,
          switch (schema.type(i)) {
            case INT -> example.int64s(i)[0];
            case FLOAT -> example.floats(i)[0];
            default -> new String(example.bytes(i)[0], StandardCharsets.UTF_8);
          });
    }
    return record;
  }

  /**
   * The taxi trips as an Avro container file, deflate-compressed in blocks of about {@code
   * blockBytes} (so that a damaged block is one of many).
   */
  public static Path taxiAvro(Path file, int blockBytes) throws IOException {
    List<Example> examples = taxiExamples();
    Schema avro = avroSchema(examples.get(0).schema());
    try (DataFileWriter<GenericRecord> writer =
        new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(avro))) {
      writer.setCodec(CodecFactory.deflateCodec(6));
      writer.setSyncInterval(blockBytes);
      writer.create(avro, file.toFile());
      for (Example e : examples) {
        writer.append(record(avro, e));
      }
    }
    return file;
  }

  /**
   * The taxi trips as a Parquet file, Snappy-compressed, in row groups of about {@code
   * rowGroupBytes}, with page checksums (as parquet-mr writes them by default).
   */
  public static Path taxiParquet(Path file, int rowGroupBytes) throws IOException {
    List<Example> examples = taxiExamples();
    Schema avro = avroSchema(examples.get(0).schema());
    try (ParquetWriter<GenericRecord> writer =
        AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
            .withSchema(avro)
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .withRowGroupSize(rowGroupBytes)
            .withPageSize(4096)
            .withPageWriteChecksumEnabled(true)
            .build()) {
      for (Example e : examples) {
        writer.write(record(avro, e));
      }
    }
    return file;
  }
}
