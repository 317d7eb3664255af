package io.millrace.transforms.io;

import io.millrace.examples.ExamplesAvro;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import org.apache.avro.Schema;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileWriter;
import org.apache.beam.sdk.io.FileIO;

/**
 * A {@link FileIO.Sink} writing examples as Avro container files (Snappy-compressed), in the layout
 * of {@link ExamplesAvro}.
 */
public final class ExampleAvroSink implements FileIO.Sink<Example> {
  private static final long serialVersionUID = 1L;

  private final ExampleSchema schema;
  private transient DataFileWriter<Example> writer;

  public ExampleAvroSink(ExampleSchema schema) {
    this.schema = schema;
  }

  @Override
  public void open(WritableByteChannel channel) throws IOException {
    writer = new DataFileWriter<>(ExamplesAvro.writer()).setCodec(CodecFactory.snappyCodec());
    Schema avro = ExamplesAvro.avroSchema(schema);
    writer.create(avro, Channels.newOutputStream(channel), ExamplesAvro.syncMarker(avro));
  }

  @Override
  public void write(Example example) throws IOException {
    writer.append(example);
  }

  @Override
  public void flush() throws IOException {
    writer.flush();
  }
}
