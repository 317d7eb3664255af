package io.millrace.transforms;

import io.millrace.examples.ExamplesAvro;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.transforms.coders.ExampleCoder;
import io.millrace.transforms.io.ExamplesArtifact;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.file.DataFileStream;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;

/**
 * Reads one split of an examples artifact (what ingest writes) back into examples, shard by shard:
 * the raw eval records the evaluator scores, exactly as ingestion split them.
 */
public final class ReadExamplesArtifact extends PTransform<PBegin, PCollection<Example>> {
  private static final long serialVersionUID = 1L;
  private final List<String> shards;
  private final ExampleSchema schema;

  private ReadExamplesArtifact(List<String> shards, ExampleSchema schema) {
    this.shards = shards;
    this.schema = schema;
  }

  /**
   * @throws IOException when the directory is not an examples artifact
   * @throws IllegalArgumentException when it has no such split
   */
  public static ReadExamplesArtifact split(Path artifact, String split) throws IOException {
    ExamplesArtifact examples = ExamplesArtifact.open(artifact);
    if (examples.manifest().splits().stream().noneMatch(s -> s.name().equals(split))) {
      throw new IllegalArgumentException(
          artifact
              + " has no split '"
              + split
              + "'; it has "
              + examples.manifest().splits().stream()
                  .map(io.millrace.examples.ExamplesManifest.Split::name)
                  .toList());
    }
    List<String> shards = new ArrayList<>();
    for (Path file : examples.files(split)) {
      shards.add(file.toAbsolutePath().toString());
    }
    return new ReadExamplesArtifact(shards, examples.schema());
  }

  @Override
  public PCollection<Example> expand(PBegin begin) {
    return begin
        .apply("ListShards", Create.of(shards).withCoder(StringUtf8Coder.of()))
        .apply("SpreadShards", Reshuffle.viaRandomKey())
        .apply("ReadShards", ParDo.of(new ReadShardFn(schema)))
        .setCoder(ExampleCoder.of(schema));
  }

  private static final class ReadShardFn extends DoFn<String, Example> {
    private static final long serialVersionUID = 1L;
    private final ExampleSchema schema;

    ReadShardFn(ExampleSchema schema) {
      this.schema = schema;
    }

    @ProcessElement
    public void process(@Element String shard, OutputReceiver<Example> out) throws IOException {
      try (InputStream in =
              Channels.newInputStream(
                  FileSystems.open(FileSystems.matchNewResource(shard, false)));
          DataFileStream<Example> avro = new DataFileStream<>(in, ExamplesAvro.reader(schema))) {
        while (avro.hasNext()) {
          out.output(avro.next());
        }
      } catch (IOException e) {
        throw new IOException(shard + ": examples shard unreadable: " + e.getMessage(), e);
      }
    }
  }
}
