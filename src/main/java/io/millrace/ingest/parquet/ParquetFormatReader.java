package io.millrace.ingest.parquet;

import io.millrace.ingest.DeadLetter;
import io.millrace.ingest.ExampleSink;
import io.millrace.ingest.FileDamage;
import io.millrace.ingest.FileRange;
import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.FormatReader;
import io.millrace.ingest.InputException;
import io.millrace.ingest.SourceFile;
import io.millrace.ingest.avro.GenericRecordConverter;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * Reads Parquet files (any codec parquet-hadoop supports: uncompressed, Snappy, GZIP, ZSTD, LZ4
 * raw), one example per row, through parquet-avro.
 *
 * <p>Columns map to features as the file's Avro view does (see {@link GenericRecordConverter}): the
 * Avro schema parquet-avro stored in the file, or else the one it derives from the Parquet schema.
 * Integers, booleans, {@code DATE} (days since the epoch) and {@code TIMESTAMP} (the stored number,
 * in the column's unit: milliseconds or microseconds since the epoch) are INT; floats, doubles and
 * decimals are FLOAT; strings, enums and binaries are BYTES; an optional column is nullable and a
 * {@code LIST} of these is multivalent. Nested groups and maps fail schema inference. Files are
 * opened through {@link SourceFile#openSeekable()}, never a Hadoop file system.
 *
 * <p>Damage is a {@link FileDamage}: a row group that cannot be decoded is skipped and reading goes
 * on with the next one, its unread rows lost as counted exactly by the footer; a file without its
 * footer (cut short, or not Parquet) holds nothing readable (schema and row groups are described
 * only there), at least one row lost; a file whose schema maps to other features has all its rows,
 * counted by the footer, lost. Page checksums are verified where the writer stored them, so corrupt
 * pages are reported rather than read as wrong values.
 */
public final class ParquetFormatReader implements FormatReader {
  private static final long serialVersionUID = 1L;

  private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

  /** Where parquet-avro keeps the writer's Avro schema (AvroReadSupport's keys, new and old). */
  private static final String AVRO_SCHEMA_KEY = "parquet.avro.schema";

  private static final String OLD_AVRO_SCHEMA_KEY = "avro.schema";

  private static final long DECODED_BYTES_PER_VALUE = 8;

  private final FormatOptions options;

  public ParquetFormatReader(FormatOptions options) {
    this.options = options;
  }

  @Override
  public ExampleSchema inferSchema(List<? extends SourceFile> files) throws IOException {
    if (files.isEmpty()) {
      throw new InputException("no Parquet files to infer a schema from");
    }
    Configuration conf = configuration();
    ExampleSchema first = null;
    String firstPath = null;
    for (SourceFile file : files) {
      InputFile input = new SourceInputFile(file);
      String footerProblem = footerProblem(input);
      if (footerProblem != null) {
        throw new InputException(file.path() + ": " + footerProblem);
      }
      ExampleSchema schema;
      try {
        schema =
            GenericRecordConverter.exampleSchema(
                avroSchema(readFooter(input), conf, file.path()),
                file.path(),
                options.featureTypes());
      } catch (InputException e) {
        throw e;
      } catch (IOException | RuntimeException e) {
        throw new InputException(
            "cannot read the Parquet footer of " + file.path() + ": " + describe(e), e);
      }
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
    read(file, FileRange.whole(), schema, sink);
  }

  /**
   * Splits a large file into runs of whole row groups, each numbered by the rows before it. Sizes
   * are of the decoded values, estimated as 8 bytes a value: reading costs per value, while
   * dictionary and run-length encoding make even the uncompressed pages tiny (flights-3m: 3M rows
   * in 13 MB). A file whose footer cannot be read is read whole, which reports why.
   */
  @Override
  public List<FileRange> split(SourceFile file, ExampleSchema schema, long targetBytes)
      throws IOException {
    List<FileRange> whole = List.of(FileRange.whole());
    InputFile input = new SourceInputFile(file);
    if (footerProblem(input) != null) {
      return whole;
    }
    List<BlockMetaData> blocks;
    try {
      blocks = readFooter(input).getBlocks();
    } catch (IOException | RuntimeException e) {
      return whole;
    }
    List<FileRange> ranges = new ArrayList<>();
    long rowsBefore = 0;
    long start = -1;
    long firstRow = 0;
    long decoded = 0;
    for (BlockMetaData block : blocks) {
      if (start < 0) {
        start = block.getStartingPos();
        firstRow = rowsBefore + 1;
      }
      long end = block.getStartingPos() + block.getCompressedSize();
      rowsBefore += block.getRowCount();
      decoded += block.getRowCount() * block.getColumns().size() * DECODED_BYTES_PER_VALUE;
      if (decoded >= targetBytes) {
        ranges.add(new FileRange(start, end, firstRow));
        start = -1;
        decoded = 0;
      }
    }
    if (start >= 0) {
      BlockMetaData last = blocks.get(blocks.size() - 1);
      ranges.add(new FileRange(start, last.getStartingPos() + last.getCompressedSize(), firstRow));
    }
    return ranges.size() > 1 ? ranges : whole;
  }

  @Override
  public void read(SourceFile file, FileRange range, ExampleSchema schema, ExampleSink sink) {
    InputFile input = new SourceInputFile(file);
    Configuration conf = configuration();
    GenericRecordConverter converter;
    List<BlockMetaData> blocks;
    List<BlockMetaData> allBlocks;
    try {
      String footerProblem = footerProblem(input);
      if (footerProblem != null) {
        sink.damaged(FileDamage.unreadable(file.path(), footerProblem));
        return;
      }
      ParquetMetadata footer = readFooter(input);
      allBlocks = footer.getBlocks();
      blocks =
          footer.getBlocks().stream()
              .filter(b -> range.isWhole() || inRange(b, range))
              .sorted(Comparator.comparingLong(BlockMetaData::getStartingPos))
              .toList();
      converter =
          GenericRecordConverter.create(avroSchema(footer, conf, file.path()), schema, file.path());
    } catch (InputException e) {
      // Every row is unusable: the footer counts them.
      sink.damaged(
          unusable(file, range, e.getMessage(), readFooterQuietly(input), range.firstLine() - 1));
      return;
    } catch (IOException | RuntimeException e) {
      sink.damaged(FileDamage.unreadable(file.path(), "corrupt Parquet footer: " + describe(e)));
      return;
    }
    Rows rows = new Rows(file, converter, schema, sink, range.firstLine() - 1, allBlocks);
    int next = 0;
    while (next < blocks.size()) {
      int failed = rows.readFrom(input, conf, blocks, next);
      if (failed < 0) {
        return;
      }
      next = failed + 1;
    }
  }

  /**
   * Reads rows group by group, skipping a row group that cannot be decoded: its unread rows are
   * lost, counted exactly by the footer, and reading goes on with the next group. Rows of a damaged
   * group that were read before the failure are kept: their pages decoded (and passed their
   * checksums where the writer stored them). Corruption that still decodes, in a file without page
   * checksums, cannot be told from data.
   */
  private static final class Rows {
    private final SourceFile file;
    private final ExampleSchema schema;
    private final ExampleSink sink;
    private final Example.Builder builder;
    private final List<BlockMetaData> allBlocks;
    private GenericRecordConverter converter;

    /** Rows of the file before the next one, read or lost. */
    private long recordNumber;

    Rows(
        SourceFile file,
        GenericRecordConverter converter,
        ExampleSchema schema,
        ExampleSink sink,
        long rowsBefore,
        List<BlockMetaData> allBlocks) {
      this.file = file;
      this.allBlocks = allBlocks;
      this.converter = converter;
      this.schema = schema;
      this.sink = sink;
      this.builder = schema.newExample();
      this.recordNumber = rowsBefore;
    }

    /**
     * Reads the row groups {@code blocks[first..]}; returns the index of the group that failed, or
     * -1 when all were read.
     */
    int readFrom(InputFile input, Configuration conf, List<BlockMetaData> blocks, int first) {
      long readHere = 0;
      BlockMetaData last = blocks.get(blocks.size() - 1);
      try (ParquetReader<GenericRecord> reader =
          AvroParquetReader.<GenericRecord>builder(input)
              .withDataModel(GenericData.get())
              .withConf(conf)
              .usePageChecksumVerification()
              // Parquet picks the row groups whose midpoint lies in the range: ours are whole.
              .withFileRange(
                  blocks.get(first).getStartingPos(),
                  last.getStartingPos() + last.getCompressedSize())
              .build()) {
        for (GenericRecord record = reader.read(); record != null; record = reader.read()) {
          recordNumber++;
          readHere++;
          String unusable = accept(record);
          if (unusable != null) {
            // The records' schema has no feature mapping: this row and the rest are unusable.
            long left = rowsFrom(blocks, first) - readHere + 1;
            sink.damaged(
                FileDamage.of(
                    file.path(),
                    recordNumber,
                    blocks.get(first).getStartingPos(),
                    false,
                    recordNumber - 1,
                    FileDamage.Lost.exactly(left),
                    null,
                    unusable));
            recordNumber += left - 1;
            return -1;
          }
        }
        return -1;
      } catch (IOException | RuntimeException e) {
        int failed = first;
        long intoFailed = readHere;
        while (failed < blocks.size() - 1 && intoFailed >= blocks.get(failed).getRowCount()) {
          intoFailed -= blocks.get(failed).getRowCount();
          failed++;
        }
        BlockMetaData group = blocks.get(failed);
        long lost = Math.max(0, group.getRowCount() - intoFailed);
        sink.damaged(
            FileDamage.of(
                file.path(),
                recordNumber + 1,
                group.getStartingPos(),
                false,
                recordNumber,
                FileDamage.Lost.exactly(lost),
                failed + 1 < blocks.size() ? blocks.get(failed + 1).getStartingPos() : null,
                String.format(
                    "cannot decode row group %d (rows %,d to %,d, %,d bytes at byte %,d): a page"
                        + " is corrupt or cut short; %s",
                    allBlocks.indexOf(group) + 1,
                    recordNumber - intoFailed + 1,
                    recordNumber - intoFailed + group.getRowCount(),
                    group.getCompressedSize(),
                    group.getStartingPos(),
                    describe(e))));
        recordNumber += lost;
        return failed;
      }
    }

    private static long rowsFrom(List<BlockMetaData> blocks, int first) {
      return blocks.subList(first, blocks.size()).stream()
          .mapToLong(BlockMetaData::getRowCount)
          .sum();
    }

    /** Converts and hands over one row; says why not when its schema maps to no features. */
    private String accept(GenericRecord record) {
      if (record.getSchema() != converter.recordSchema()) {
        // The footer's schema equals parquet-avro's, but positions must come from the very schema
        // the records carry; this runs once per file.
        try {
          converter = GenericRecordConverter.create(record.getSchema(), schema, file.path());
        } catch (InputException e) {
          return e.getMessage();
        }
      }
      DeadLetter bad = converter.convert(record, builder, file.path(), recordNumber);
      if (bad == null) {
        sink.accept(builder.build());
      } else {
        builder.build();
        sink.reject(bad);
      }
      return null;
    }
  }

  /** A file whose rows, counted by its footer, cannot be read with the schema. */
  private static FileDamage unusable(
      SourceFile file, FileRange range, String reason, ParquetMetadata footer, long rowsBefore) {
    FileDamage.Lost lost =
        footer == null
            ? FileDamage.Lost.atLeast(1)
            : FileDamage.Lost.exactly(
                footer.getBlocks().stream()
                    .filter(b -> range.isWhole() || inRange(b, range))
                    .mapToLong(BlockMetaData::getRowCount)
                    .sum());
    return FileDamage.of(
        file.path(),
        rowsBefore + 1,
        range.isWhole() ? 0 : range.start(),
        false,
        rowsBefore,
        lost,
        null,
        reason);
  }

  private static ParquetMetadata readFooterQuietly(InputFile input) {
    try {
      return readFooter(input);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static boolean inRange(BlockMetaData block, FileRange range) {
    return block.getStartingPos() >= range.start() && block.getStartingPos() < range.end();
  }

  /**
   * Says why the file has no footer to read, or null when it ends as a Parquet file must. Checked
   * before parquet-hadoop, whose message for this case reads as an internal error.
   */
  private static String footerProblem(InputFile input) throws IOException {
    long length = input.getLength();
    if (length < 2L * MAGIC.length + 4) {
      return "not a Parquet file: only " + length + " bytes, too short to hold a Parquet footer";
    }
    byte[] tail = new byte[MAGIC.length];
    try (SeekableInputStream in = input.newStream()) {
      in.seek(length - MAGIC.length);
      in.readFully(tail);
    }
    if (!Arrays.equals(tail, MAGIC)) {
      return "no Parquet footer: the file does not end with the magic number 'PAR1', so it was cut"
          + " short (an interrupted write or copy) or is not a Parquet file";
    }
    return null;
  }

  private static ParquetMetadata readFooter(InputFile input) throws IOException {
    try (ParquetFileReader reader = ParquetFileReader.open(input)) {
      return reader.getFooter();
    }
  }

  /** The Avro schema parquet-avro reads this file with; mirrors {@code AvroReadSupport}. */
  private static Schema avroSchema(ParquetMetadata footer, Configuration conf, String path) {
    Map<String, String> metadata = footer.getFileMetaData().getKeyValueMetaData();
    String stored = metadata.get(AVRO_SCHEMA_KEY);
    if (stored == null) {
      stored = metadata.get(OLD_AVRO_SCHEMA_KEY);
    }
    try {
      if (stored != null) {
        return new Schema.Parser().parse(stored);
      }
      return new AvroSchemaConverter(conf).convert(footer.getFileMetaData().getSchema());
    } catch (RuntimeException e) {
      throw new InputException(
          path
              + ": the Parquet schema "
              + footer.getFileMetaData().getSchema()
              + " has no feature mapping: "
              + describe(e),
          e);
    }
  }

  /** Read settings; a Hadoop configuration is not serializable, so each call makes its own. */
  private static Configuration configuration() {
    Configuration conf = new Configuration(false);
    // Read the standard three-level LIST layout of other writers as arrays of values, not records.
    conf.setBoolean(AvroSchemaConverter.ADD_LIST_ELEMENT_RECORDS, false);
    return conf;
  }

  private static String describe(Throwable e) {
    StringBuilder s = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (s.length() > 0) {
        s.append(" <- ");
      }
      s.append(t.getClass().getSimpleName());
      if (t.getMessage() != null) {
        s.append(": ").append(t.getMessage());
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return s.toString();
  }
}
