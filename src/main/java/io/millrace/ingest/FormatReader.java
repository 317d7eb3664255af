package io.millrace.ingest;

import io.millrace.record.ExampleSchema;
import java.io.IOException;
import java.io.Serializable;
import java.util.List;

/**
 * Reads one input format into {@link io.millrace.record.Example}s: the pure-Java core behind {@link
 * ReadExamples}, usable without a Beam runner.
 */
public interface FormatReader extends Serializable {

  /**
   * Determines the example schema of a data set from its files (a header, a file schema, or a
   * sample of records), before any record is read in the pipeline.
   *
   * @throws InputException when the files give no usable schema; the message names the file
   */
  ExampleSchema inferSchema(List<? extends SourceFile> files) throws IOException;

  /**
   * Reads every record of one file into the sink. Bad records go to {@link ExampleSink#reject},
   * parts of the file that cannot be read (cut off, corrupt) to {@link ExampleSink#damaged} with
   * the records they lost: this method does not throw for bad input.
   */
  void read(SourceFile file, ExampleSchema schema, ExampleSink sink);

  /**
   * Divides a file into ranges that can be read independently and in parallel, each about {@code
   * targetBytes} long. By default a file is one range; formats whose records can be found without
   * reading from the start (uncompressed CSV) split large files.
   *
   * @param schema the schema the ranges will be read with
   */
  default List<FileRange> split(SourceFile file, ExampleSchema schema, long targetBytes)
      throws IOException {
    return List.of(FileRange.whole());
  }

  /** Reads the records of one range of {@link #split}, with the guarantees of {@link #read}. */
  default void read(SourceFile file, FileRange range, ExampleSchema schema, ExampleSink sink) {
    if (!range.isWhole()) {
      throw new IllegalArgumentException(getClass().getSimpleName() + " reads whole files only");
    }
    read(file, schema, sink);
  }
}
