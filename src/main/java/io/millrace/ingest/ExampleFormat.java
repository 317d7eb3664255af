package io.millrace.ingest;

import io.millrace.ingest.avro.AvroFormatReader;
import io.millrace.ingest.csv.CsvFormatReader;
import io.millrace.ingest.parquet.ParquetFormatReader;
import io.millrace.ingest.tfrecord.TfRecordFormatReader;
import java.util.Locale;

/** The input formats {@code ReadExamples} reads. */
public enum ExampleFormat {
  CSV,
  AVRO,
  PARQUET,
  /** TFRecord files of {@code tf.Example}, GZIP-compressed or not. */
  TFRECORD;

  public FormatReader reader(FormatOptions options) {
    switch (this) {
      case CSV:
        return new CsvFormatReader(options);
      case AVRO:
        return new AvroFormatReader(options);
      case PARQUET:
        return new ParquetFormatReader(options);
      default:
        return new TfRecordFormatReader(options);
    }
  }

  /**
   * Tells the format from a file name: {@code .csv}, {@code .avro}, {@code .parquet}, {@code
   * .tfrecord} (each optionally followed by {@code .gz}), and TFX's {@code *tfrecord*.gz}.
   *
   * @throws InputException when the name does not tell
   */
  public static ExampleFormat fromFileName(String path) {
    String name = path.substring(path.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
    String base = name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
    if (base.endsWith(".csv") || base.endsWith(".txt")) {
      return CSV;
    }
    if (base.endsWith(".avro")) {
      return AVRO;
    }
    if (base.endsWith(".parquet") || base.endsWith(".parq")) {
      return PARQUET;
    }
    if (base.endsWith(".tfrecord") || base.endsWith(".tfrecords") || name.contains("tfrecord")) {
      return TFRECORD;
    }
    throw new InputException(
        "cannot tell the format of '"
            + path
            + "' from its name; name it with --format csv|avro|parquet|tfrecord");
  }
}
