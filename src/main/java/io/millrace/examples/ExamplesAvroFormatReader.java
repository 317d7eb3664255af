package io.millrace.examples;

import io.millrace.ingest.ExampleSink;
import io.millrace.ingest.FileDamage;
import io.millrace.ingest.FormatReader;
import io.millrace.ingest.SourceFile;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.apache.avro.file.DataFileStream;

/**
 * Reads the Avro shards of an examples artifact (what {@code millrace ingest} writes) straight into
 * examples, so that later stages read ingested splits through the same path as raw input.
 */
public final class ExamplesAvroFormatReader implements FormatReader {
  private static final long serialVersionUID = 1L;
  private final ExampleSchema schema;

  public ExamplesAvroFormatReader(ExampleSchema schema) {
    this.schema = schema;
  }

  /** The artifact's manifest fixes the schema; the shards are not consulted. */
  @Override
  public ExampleSchema inferSchema(List<? extends SourceFile> files) {
    return schema;
  }

  @Override
  public void read(SourceFile file, ExampleSchema schema, ExampleSink sink) {
    long recordNumber = 0;
    try (InputStream in = file.open();
        DataFileStream<Example> avro = new DataFileStream<>(in, ExamplesAvro.reader(schema))) {
      while (avro.hasNext()) {
        Example example = avro.next();
        recordNumber++;
        sink.accept(example);
      }
    } catch (IOException | RuntimeException e) {
      // Written by this project, a shard is never bad record by record: it is damaged.
      sink.damaged(
          FileDamage.of(
              file.path(),
              recordNumber + 1,
              0,
              false,
              recordNumber,
              FileDamage.Lost.atLeast(1),
              null,
              "examples shard unreadable after "
                  + recordNumber
                  + " records ("
                  + e
                  + "); the artifact is damaged, ingest again"));
    }
  }
}
