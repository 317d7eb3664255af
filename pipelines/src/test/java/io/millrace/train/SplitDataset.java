package io.millrace.train;

import com.google.common.hash.Hashing;
import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.csv.CsvFormatReader;
import io.millrace.record.Example;
import io.millrace.testing.CollectingSink;
import io.millrace.testing.SharedData;
import io.millrace.transform.FeatureTransformer;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.TransformAnalyzer;
import io.millrace.transform.TransformSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A shared data set split deterministically into train and eval by the FarmHash Fingerprint64 of
 * each CSV line (one in three to eval), with a transform fitted on the train rows; cached per JVM.
 */
record SplitDataset(
    String name,
    FittedTransform fitted,
    TransformedData.Layout layout,
    List<Example> trainRecords,
    List<Example> evalRecords,
    List<String> evalLines,
    String header,
    TrainingData train,
    TrainingData eval) {

  static final Set<String> MISSING = Set.of("NA");
  private static final Map<String, SplitDataset> CACHE = new ConcurrentHashMap<>();

  static FormatOptions formatOptions() {
    return FormatOptions.defaults().withMissingValues(MISSING);
  }

  /** The taxi trips with the label {@code big_tipper} (BINARY). */
  static SplitDataset taxi() {
    return load("taxi/big_tipper/data.csv", "taxi_big_tipper.json", "big_tipper");
  }

  /** Palmer penguins with the label {@code species} (MULTICLASS, 3 classes). */
  static SplitDataset penguins() {
    return load("penguins/penguins.csv", "penguins.json", "species");
  }

  /** Diamonds with the label {@code price_z}, the price's z-score (REGRESSION). */
  static SplitDataset diamonds() {
    return load("diamonds/diamonds.csv", "diamonds_price.json", "price_z");
  }

  private static SplitDataset load(String file, String spec, String label) {
    return CACHE.computeIfAbsent(file, f -> read(f, spec, label));
  }

  private static SplitDataset read(String file, String specResource, String label) {
    try {
      Path path = SharedData.path(file);
      CollectingSink sink = CollectingSink.read(new CsvFormatReader(formatOptions()), path);
      if (!sink.deadLetters.isEmpty()) {
        throw new IllegalStateException(file + ": rejected records " + sink.deadLetters);
      }
      List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
      List<String> body = lines.subList(1, lines.size());
      if (body.size() != sink.examples.size()) {
        throw new IllegalStateException(
            file + ": " + body.size() + " lines but " + sink.examples.size() + " records");
      }
      List<Example> train = new ArrayList<>();
      List<Example> eval = new ArrayList<>();
      List<String> evalLines = new ArrayList<>();
      for (int i = 0; i < body.size(); i++) {
        long hash =
            Hashing.farmHashFingerprint64()
                .hashString(body.get(i), StandardCharsets.UTF_8)
                .asLong();
        if (Math.floorMod(hash, 3L) == 0) {
          eval.add(sink.examples.get(i));
          evalLines.add(body.get(i));
        } else {
          train.add(sink.examples.get(i));
        }
      }
      TransformSpec spec =
          TransformSpec.read(
              Path.of("src", "test", "resources", "io", "millrace", "train").resolve(specResource));
      TransformAnalyzer analyzer = TransformAnalyzer.create(spec, train.get(0).schema());
      train.forEach(analyzer::add);
      FittedTransform fitted = analyzer.fit(file);
      FeatureTransformer transformer = fitted.transformer();
      TransformedData.Layout layout = TransformedData.layout(fitted, label);
      return new SplitDataset(
          file,
          fitted,
          layout,
          train,
          eval,
          evalLines,
          lines.get(0),
          TransformedData.of(layout, train.stream().map(transformer::apply).toList()),
          TransformedData.of(layout, eval.stream().map(transformer::apply).toList()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes the eval rows as a CSV file (header first). */
  Path writeEvalCsv(Path file) throws IOException {
    List<String> out = new ArrayList<>();
    out.add(header);
    out.addAll(evalLines);
    Files.write(file, out, StandardCharsets.UTF_8);
    return file;
  }
}
