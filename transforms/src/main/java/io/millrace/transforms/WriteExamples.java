package io.millrace.transforms;

import io.millrace.record.Example;
import io.millrace.transforms.coders.ExampleCoder;
import io.millrace.transforms.io.CommitShards;
import io.millrace.transforms.io.ExampleAvroSink;
import io.millrace.transforms.io.WriteShards;
import java.nio.file.Path;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;

/**
 * Writes examples as the Avro shards of one split of an examples artifact ({@code
 * part-NNNNN-of-MMMMM.avro}, the layout ingest and transform write), and outputs what was written.
 *
 * <pre>{@code
 * transformed.apply(WriteExamples.to(output.resolve("eval")));
 * }</pre>
 *
 * <p>The schema comes from the examples' {@link ExampleCoder}.
 */
public final class WriteExamples
    extends PTransform<PCollection<Example>, PCollection<CommitShards.Written>> {
  private static final long serialVersionUID = 1L;
  private final String directory;

  private WriteExamples(String directory) {
    this.directory = directory;
  }

  public static WriteExamples to(Path directory) {
    return new WriteExamples(directory.toString());
  }

  public static WriteExamples to(String directory) {
    return new WriteExamples(directory);
  }

  @Override
  public PCollection<CommitShards.Written> expand(PCollection<Example> examples) {
    if (!(examples.getCoder() instanceof ExampleCoder coder)) {
      throw new IllegalArgumentException(
          "WriteExamples needs the examples' schema: give them an ExampleCoder, not "
              + examples.getCoder());
    }
    return examples.apply(
        "WriteShards", WriteShards.to(directory, ".avro", new ExampleAvroSink(coder.schema())));
  }
}
