package io.millrace.metadata;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** Runs side by side, as {@code millrace runs compare} prints them: params, data, metrics. */
public record RunComparison(List<RunSummary> runs, List<Row> rows) {

  /**
   * One compared value.
   *
   * @param section {@code param}, {@code data} or {@code metric}
   * @param values one per run, in the order of {@link #runs()}; null where a run has none
   */
  public record Row(String section, String key, List<String> values) {
    public Row {
      values = java.util.Collections.unmodifiableList(new ArrayList<>(values));
    }

    /** Whether the runs disagree (a run without the value counts as disagreeing). */
    public boolean differs() {
      return values.stream().distinct().count() > 1;
    }
  }

  public RunComparison {
    runs = List.copyOf(runs);
    rows = List.copyOf(rows);
  }

  public static RunComparison of(List<RunDetail> details) {
    List<Row> rows = new ArrayList<>();
    addSection(rows, "param", details, RunDetail::params);
    addSection(rows, "data", details, RunDetail::dataFingerprints);
    addSection(rows, "metric", details, RunDetail::metrics);
    return new RunComparison(details.stream().map(RunDetail::summary).toList(), rows);
  }

  private static void addSection(
      List<Row> rows,
      String section,
      List<RunDetail> details,
      Function<RunDetail, Map<String, String>> values) {
    Set<String> keys = new LinkedHashSet<>();
    for (RunDetail detail : details) {
      keys.addAll(values.apply(detail).keySet());
    }
    for (String key : keys) {
      List<String> row = new ArrayList<>();
      for (RunDetail detail : details) {
        row.add(values.apply(detail).get(key));
      }
      rows.add(new Row(section, key, row));
    }
  }

  public Row row(String section, String key) {
    return rows.stream()
        .filter(r -> r.section.equals(section) && r.key.equals(key))
        .findFirst()
        .orElseThrow(
            () -> new IllegalArgumentException("no " + section + " " + key + " in the comparison"));
  }

  /** A text table: one column per run, rows that differ marked with {@code *}. */
  public String render() {
    List<List<String>> table = new ArrayList<>();
    List<String> header = new ArrayList<>(List.of("", ""));
    runs.forEach(run -> header.add(run.name()));
    table.add(header);
    for (Row row : rows) {
      List<String> line = new ArrayList<>();
      line.add(row.differs() ? "*" : "");
      line.add(row.section + " " + row.key);
      row.values.forEach(v -> line.add(v == null ? "-" : v));
      table.add(line);
    }
    int columns = header.size();
    int[] widths = new int[columns];
    java.util.Arrays.fill(widths, 1);
    for (List<String> line : table) {
      for (int c = 0; c < columns; c++) {
        widths[c] = Math.max(widths[c], line.get(c).length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (List<String> line : table) {
      for (int c = 0; c < columns; c++) {
        out.append(c == 0 ? "" : "  ");
        out.append(
            c == columns - 1 ? line.get(c) : String.format("%-" + widths[c] + "s", line.get(c)));
      }
      out.append('\n');
    }
    return out.toString();
  }
}
