package io.millrace.validate;

import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.LocalSourceFile;
import io.millrace.ingest.csv.CsvFormatReader;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.schema.DefaultSlice;
import io.millrace.stats.StatisticsAccumulator;
import io.millrace.stats.StatisticsOptions;
import io.millrace.testing.CollectingSink;
import io.millrace.testing.SharedData;
import io.millrace.tfmd.DatasetFeatureStatistics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The TFX taxi tutorial splits (train, eval, serving), read once per test run: as records, as
 * Millrace statistics, and as plain rows of strings for computing expectations independently.
 */
public final class TaxiData {
  private static final Map<String, Split> SPLITS = new HashMap<>();

  /** One split: its records, their statistics, and the raw CSV rows. */
  public record Split(
      ExampleSchema schema,
      List<Example> examples,
      DatasetFeatureStatistics statistics,
      List<Map<String, String>> rows) {

    /** The non-empty cells of a column. */
    public List<String> column(String name) {
      List<String> values = new ArrayList<>();
      for (Map<String, String> row : rows) {
        String cell = row.get(name);
        if (cell != null && !cell.isEmpty()) {
          values.add(cell);
        }
      }
      return values;
    }

    public Set<String> distinct(String name) {
      return new TreeSet<>(column(name));
    }
  }

  private TaxiData() {}

  public static Split train() {
    return split("train");
  }

  public static Split eval() {
    return split("eval");
  }

  public static Split serving() {
    return split("serving");
  }

  public static synchronized Split split(String name) {
    return SPLITS.computeIfAbsent(name, TaxiData::load);
  }

  private static Split load(String name) {
    Path file = SharedData.path("taxi/tutorial/" + name + ".csv");
    try {
      CsvFormatReader reader = new CsvFormatReader(FormatOptions.defaults());
      LocalSourceFile source = new LocalSourceFile(file);
      ExampleSchema schema = reader.inferSchema(List.of(source));
      CollectingSink sink = new CollectingSink();
      reader.read(source, schema, sink);
      if (!sink.deadLetters.isEmpty()) {
        throw new IllegalStateException("dead letters in " + file + ": " + sink.deadLetters);
      }
      StatisticsAccumulator stats =
          StatisticsAccumulator.create(schema, StatisticsOptions.defaults());
      sink.examples.forEach(stats::add);
      return new Split(
          schema, List.copyOf(sink.examples), DefaultSlice.of(stats.toProto()), rows(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A naive split on commas: the taxi tutorial files have no quoted cells. */
  private static List<Map<String, String>> rows(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file);
    List<String> header = Arrays.asList(lines.get(0).split(",", -1));
    List<Map<String, String>> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split(",", -1);
      Map<String, String> row = new LinkedHashMap<>();
      for (int i = 0; i < header.size(); i++) {
        row.put(header.get(i), cells[i]);
      }
      rows.add(row);
    }
    return rows;
  }
}
