package io.millrace.transform.tf;

import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.csv.CsvFormatReader;
import io.millrace.record.Example;
import io.millrace.testing.CollectingSink;
import io.millrace.testing.SharedData;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.TransformAnalyzer;
import io.millrace.transform.TransformSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/** The taxi tutorial data and the example transform of {@code examples/taxi}, fitted once. */
final class Taxi {
  private static FittedTransform fitted;

  private Taxi() {}

  static List<Example> read(String file) throws IOException {
    CollectingSink sink =
        CollectingSink.read(
            new CsvFormatReader(FormatOptions.defaults()),
            SharedData.path("taxi/tutorial/" + file));
    if (!sink.deadLetters.isEmpty()) {
      throw new IllegalStateException(file + ": " + sink.deadLetters.size() + " rejected rows");
    }
    return sink.examples;
  }

  static Path spec() {
    for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path file = dir.resolve("examples/taxi/transform.json");
      if (Files.exists(file)) {
        return file;
      }
    }
    throw new IllegalStateException("examples/taxi/transform.json not found");
  }

  /** The taxi transform fitted on train.csv without a runner. */
  static synchronized FittedTransform fitted() throws IOException {
    if (fitted == null) {
      List<Example> train = read("train.csv");
      TransformAnalyzer analyzer =
          TransformAnalyzer.create(TransformSpec.read(spec()), train.get(0).schema());
      train.forEach(analyzer::add);
      fitted = analyzer.fit("");
    }
    return fitted;
  }
}
