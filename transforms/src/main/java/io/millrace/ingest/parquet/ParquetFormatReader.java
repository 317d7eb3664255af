package io.millrace.ingest.parquet;

import io.millrace.ingest.ExampleSink;
import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.FormatReader;
import io.millrace.ingest.SourceFile;
import io.millrace.record.ExampleSchema;
import java.util.List;

/** Placeholder until the reader lands. */
public final class ParquetFormatReader implements FormatReader {
  private static final long serialVersionUID = 1L;

  private final FormatOptions options;

  public ParquetFormatReader(FormatOptions options) {
    this.options = options;
  }

  @Override
  public ExampleSchema inferSchema(List<? extends SourceFile> files) {
    throw new UnsupportedOperationException("not yet");
  }

  @Override
  public void read(SourceFile file, ExampleSchema schema, ExampleSink sink) {
    throw new UnsupportedOperationException("not yet");
  }
}
