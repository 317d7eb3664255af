package io.millrace.testing;

import io.millrace.examples.ExamplesAvro;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.file.DataFileReader;

/** Reads back the Avro shards a composite wrote into a split's directory (no manifest needed). */
public final class ExampleShards {
  private ExampleShards() {}

  public static List<Example> read(Path directory, ExampleSchema schema) throws IOException {
    List<Example> examples = new ArrayList<>();
    try (DirectoryStream<Path> shards = Files.newDirectoryStream(directory, "part-*.avro")) {
      for (Path shard : shards) {
        try (DataFileReader<Example> reader =
            new DataFileReader<>(shard.toFile(), ExamplesAvro.reader(schema))) {
          reader.forEach(examples::add);
        }
      }
    }
    return examples;
  }
}
