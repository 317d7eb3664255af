package io.millrace.report;

import static io.millrace.report.ReportFormat.common;
import static io.millrace.report.ReportFormat.compact;
import static io.millrace.report.ReportFormat.featureName;
import static io.millrace.report.ReportFormat.percent;
import static io.millrace.report.ReportFormat.totalValues;
import static io.millrace.report.ReportFormat.truncate;

import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.StoragePaths;
import io.millrace.tfmd.Anomalies;
import io.millrace.tfmd.AnomalyInfo;
import io.millrace.tfmd.CommonStatistics;
import io.millrace.tfmd.DatasetFeatureStatistics;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.tfmd.FeatureNameStatistics;
import io.millrace.tfmd.NumericStatistics;
import io.millrace.tfmd.StringStatistics;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Human-readable views of TFDV statistics: a fixed-width {@link #summaryTable terminal table} of
 * one data set, and a self-contained {@link #html HTML report} of one or more splits, in the manner
 * of Facets Overview.
 *
 * <pre>{@code
 * System.out.println(StatisticsReport.summaryTable(stats.getDatasets(0)));
 * StatisticsReport.writeHtml(
 *     Path.of("stats.html"), "taxi", Map.of("train", trainStats), null);
 * }</pre>
 */
public final class StatisticsReport {
  /** The widest feature name, top value or data set name a terminal table shows in full. */
  static final int MAX_TEXT_WIDTH = 32;

  private StatisticsReport() {}

  /**
   * A fixed-width table of one data set's statistics for a terminal: one row per feature, numeric
   * features (mean, std dev, min, median, max, zeros) apart from string ones (unique values, top
   * value, average length).
   */
  public static String summaryTable(DatasetFeatureStatistics stats) {
    return summaryTable(stats, null);
  }

  /**
   * As {@link #summaryTable(DatasetFeatureStatistics)}, marking the features that have anomalies
   * with {@code !} and listing the anomalies' short descriptions below the tables.
   *
   * @param anomaliesOrNull the anomalies of the data set, or null for none
   */
  public static String summaryTable(DatasetFeatureStatistics stats, Anomalies anomaliesOrNull) {
    Objects.requireNonNull(stats, "stats");
    Map<String, AnomalyInfo> anomalies = ReportFormat.anomaliesByFeature(anomaliesOrNull);
    long numExamples = stats.getNumExamples();
    StringBuilder out = new StringBuilder();
    out.append("Statistics of \"")
        .append(terminalSafe(truncate(stats.getName(), 2 * MAX_TEXT_WIDTH)))
        .append("\": ")
        .append(numExamples)
        .append(numExamples == 1 ? " example, " : " examples, ")
        .append(stats.getFeaturesCount())
        .append(stats.getFeaturesCount() == 1 ? " feature\n" : " features\n");

    TextTable numeric =
        new TextTable(
            new String[] {
              "", "feature", "type", "present", "missing", "mean", "std dev", "min", "median",
              "max", "zeros"
            },
            "lllrrrrrrrr");
    TextTable strings =
        new TextTable(
            new String[] {
              "", "feature", "type", "present", "missing", "unique", "top value", "top %", "avg len"
            },
            "lllrrrlrr");
    for (FeatureNameStatistics f : stats.getFeaturesList()) {
      String name = featureName(f);
      CommonStatistics common = common(f);
      String flag = anomalies.containsKey(name) ? "!" : "";
      String shownName = terminalSafe(truncate(name, MAX_TEXT_WIDTH));
      String present = percent(common.getNumNonMissing(), numExamples);
      String missing = compact(common.getNumMissing());
      if (f.hasNumStats()) {
        NumericStatistics n = f.getNumStats();
        boolean hasValues = common.getTotNumValues() > 0 || common.getNumNonMissing() > 0;
        String[] centers = ReportFormat.centers(n);
        numeric.add(
            flag,
            shownName,
            ReportFormat.typeName(f),
            present,
            missing,
            hasValues ? centers[0] : "-",
            hasValues ? compact(n.getStdDev()) : "-",
            hasValues ? centers[1] : "-",
            hasValues ? centers[2] : "-",
            hasValues ? centers[3] : "-",
            hasValues ? percent(n.getNumZeros(), totalValues(f)) : "-");
      } else {
        String unique = ReportFormat.unique(f);
        String top = "-";
        String topShare = "-";
        String avgLength = "-";
        if (f.hasStringStats()) {
          StringStatistics s = f.getStringStats();
          if (s.getTopValuesCount() > 0) {
            StringStatistics.FreqAndValue first = s.getTopValues(0);
            top = terminalSafe(truncate(first.getValue(), MAX_TEXT_WIDTH));
            topShare = percent(first.getFrequency(), totalValues(f));
          }
          if (common.getTotNumValues() > 0) {
            avgLength = compact(s.getAvgLength());
          }
        } else if (f.hasBytesStats() && common.getTotNumValues() > 0) {
          avgLength = compact(f.getBytesStats().getAvgNumBytes());
        }
        strings.add(
            flag,
            shownName,
            ReportFormat.typeName(f),
            present,
            missing,
            unique == null ? "-" : unique,
            top,
            topShare,
            avgLength);
      }
    }
    if (!numeric.isEmpty()) {
      out.append("\nNumeric features (").append(numeric.size()).append(")\n");
      numeric.render(out);
    }
    if (!strings.isEmpty()) {
      out.append("\nString features (").append(strings.size()).append(")\n");
      strings.render(out);
    }
    appendAnomalies(out, anomaliesOrNull, anomalies);
    return out.toString();
  }

  private static void appendAnomalies(
      StringBuilder out, Anomalies proto, Map<String, AnomalyInfo> byFeature) {
    if (proto == null) {
      return;
    }
    boolean dataset = proto.hasDatasetAnomalyInfo();
    int count = byFeature.size() + (dataset ? 1 : 0);
    if (count == 0 && !proto.getDataMissing()) {
      out.append("\nNo anomalies.\n");
      return;
    }
    out.append("\nAnomalies (").append(count).append(")\n");
    if (proto.getDataMissing()) {
      out.append("  ! data missing\n");
    }
    if (dataset) {
      out.append("  ! (data set): ")
          .append(terminalSafe(ReportFormat.shortDescription(proto.getDatasetAnomalyInfo())))
          .append('\n');
    }
    for (Map.Entry<String, AnomalyInfo> e : byFeature.entrySet()) {
      out.append("  ! ")
          .append(terminalSafe(e.getKey()))
          .append(": ")
          .append(terminalSafe(ReportFormat.shortDescription(e.getValue())))
          .append('\n');
    }
  }

  /**
   * A self-contained HTML report (inline CSS and SVG, no scripts, nothing fetched) of the
   * statistics of one or more splits, in the manner of Facets Overview: the anomalies first, then
   * per data set (All Examples, then each slice, collapsed) a card per feature with its key numbers
   * and a chart, the splits side by side in each (a column and a bar color per split).
   *
   * <p>The markup is well-formed XML (XHTML-compatible), and all user data (feature names, values,
   * split and slice names, anomaly texts) is escaped.
   *
   * @param statsBySplit the statistics by split name, in the order to show them (use a {@link
   *     java.util.LinkedHashMap})
   * @param anomaliesOrNull anomalies to show, or null
   */
  public static String html(
      String title,
      Map<String, DatasetFeatureStatisticsList> statsBySplit,
      Anomalies anomaliesOrNull) {
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(statsBySplit, "statsBySplit");
    return new HtmlReport(title, statsBySplit, anomaliesOrNull).render();
  }

  /**
   * Writes {@link #html} to a file atomically: to a temporary file in the same directory, then
   * moved over {@code file} with {@link StandardCopyOption#ATOMIC_MOVE}, so that readers see the
   * old report or the whole new one, never a part.
   */
  public static void writeHtml(
      Path file,
      String title,
      Map<String, DatasetFeatureStatisticsList> statsBySplit,
      Anomalies anomaliesOrNull)
      throws IOException {
    writeAtomically(
        file, html(title, statsBySplit, anomaliesOrNull).getBytes(StandardCharsets.UTF_8));
  }

  static void writeAtomically(Path file, byte[] content) throws IOException {
    Path target = file.toAbsolutePath();
    if (StoragePaths.isRemote(target)) {
      ArtifactDirectory.writeAtomically(target, content);
      return;
    }
    Path dir = target.getParent();
    Files.createDirectories(dir);
    // Not Files.createTempFile: its owner-only permissions would stay on the report.
    Path temp = dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      try (FileChannel channel =
          FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(content);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /**
   * User data made harmless for a terminal: control characters (escape sequences) and bidirectional
   * overrides become {@code ?}.
   */
  static String terminalSafe(String s) {
    StringBuilder out = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean unsafe =
          c < 0x20
              || (c >= 0x7f && c <= 0x9f)
              || (c >= 0x202a && c <= 0x202e)
              || (c >= 0x2066 && c <= 0x2069)
              || c == 0x200e
              || c == 0x200f;
      if (unsafe && out == null) {
        out = new StringBuilder(s.length()).append(s, 0, i);
      }
      if (out != null) {
        out.append(unsafe ? '?' : c);
      }
    }
    return out == null ? s : out.toString();
  }

  /** Rows of cells, rendered in columns as wide as their widest cell. */
  private static final class TextTable {
    private final String[] header;
    private final String alignments;
    private final List<String[]> rows = new ArrayList<>();

    TextTable(String[] header, String alignments) {
      this.header = header;
      this.alignments = alignments;
    }

    void add(String... cells) {
      rows.add(cells);
    }

    boolean isEmpty() {
      return rows.isEmpty();
    }

    int size() {
      return rows.size();
    }

    void render(StringBuilder out) {
      int[] widths = new int[header.length];
      for (int c = 0; c < header.length; c++) {
        widths[c] = width(header[c]);
        for (String[] row : rows) {
          widths[c] = Math.max(widths[c], width(row[c]));
        }
      }
      // The flag column: "!" or nothing, always a column wide so that rows align.
      widths[0] = 1;
      renderRow(out, header, widths);
      for (String[] row : rows) {
        renderRow(out, row, widths);
      }
    }

    private void renderRow(StringBuilder out, String[] cells, int[] widths) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < cells.length; c++) {
        if (c > 0) {
          line.append(c == 1 ? " " : "  ");
        }
        int pad = widths[c] - width(cells[c]);
        if (alignments.charAt(c) == 'r') {
          line.append(" ".repeat(pad)).append(cells[c]);
        } else {
          line.append(cells[c]).append(" ".repeat(pad));
        }
      }
      int end = line.length();
      while (end > 0 && line.charAt(end - 1) == ' ') {
        end--;
      }
      out.append(line, 0, end).append('\n');
    }

    private static int width(String s) {
      return s.codePointCount(0, s.length());
    }
  }
}
