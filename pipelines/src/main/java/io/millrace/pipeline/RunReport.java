package io.millrace.pipeline;

import io.millrace.artifact.ArtifactDirectory;
import io.millrace.report.Html;
import io.millrace.stage.EvaluationStage;
import io.millrace.stage.IngestStage;
import io.millrace.stage.SchemaStage;
import io.millrace.stage.StatisticsJob;
import io.millrace.stage.StatisticsStage;
import io.millrace.stage.TrainJob;
import io.millrace.stage.TrainStage;
import io.millrace.stage.TransformStage;
import io.millrace.stage.ValidationStage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** {@code runs/<run>/report.html}: a run's decision and stages, linking every stage's report. */
final class RunReport {
  private RunReport() {}

  /** Writes the report of a run into {@code directory}; returns the file. */
  static Path write(
      Path directory,
      String run,
      String pipeline,
      String code,
      String decision,
      List<RunResult.StageResult> stages)
      throws IOException {
    Files.createDirectories(directory);
    Path file = directory.resolve("report.html");
    StringBuilder html = new StringBuilder();
    html.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
        .append(Html.escape(run))
        .append("</title><style>body{font-family:sans-serif;margin:2em}")
        .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;")
        .append("text-align:left;vertical-align:top}.cached{color:#777}</style></head><body>\n");
    html.append("<h1>Run ").append(Html.escape(run)).append("</h1>\n");
    html.append("<p>Pipeline <b>")
        .append(Html.escape(pipeline))
        .append("</b>, code ")
        .append(Html.escape(code))
        .append("</p>\n<h2>Decision</h2>\n<p><b>")
        .append(Html.escape(decision))
        .append("</b></p>\n<h2>Stages</h2>\n<table><tr><th>stage</th><th>outcome</th>")
        .append("<th>seconds</th><th>reports</th><th>properties</th></tr>\n");
    for (RunResult.StageResult r : stages) {
      html.append("<tr class=\"")
          .append(r.outcome() == RunResult.Outcome.CACHED ? "cached" : "ran")
          .append("\"><td>")
          .append(r.stage())
          .append("</td><td>")
          .append(r.outcome())
          .append("</td><td>")
          .append(String.format(Locale.ROOT, "%.1f", r.elapsed().toMillis() / 1000.0))
          .append("</td><td>");
      for (Map.Entry<String, Path> link : links(r).entrySet()) {
        if (Files.exists(link.getValue())) {
          html.append("<a href=\"")
              .append(Html.escape(directory.relativize(link.getValue()).toString()))
              .append("\">")
              .append(Html.escape(link.getKey()))
              .append("</a><br>");
        }
      }
      html.append("</td><td>");
      new TreeMap<>(r.properties())
          .forEach(
              (k, v) ->
                  html.append(Html.escape(k)).append(" = ").append(Html.escape(v)).append("<br>"));
      html.append("</td></tr>\n");
    }
    html.append("</table>\n</body></html>\n");
    ArtifactDirectory.writeAtomically(file, html.toString().getBytes(StandardCharsets.UTF_8));
    return file;
  }

  /** The reports a stage wrote, by what the link says. */
  private static Map<String, Path> links(RunResult.StageResult r) {
    Map<String, Path> links = new LinkedHashMap<>();
    Map<String, Path> out = r.outputs();
    switch (r.stage()) {
      case IngestStage.NAME -> links.put("manifest", out.get("examples").resolve("manifest.json"));
      case StatisticsStage.NAME ->
          links.put("statistics report", out.get("statistics").resolve(StatisticsJob.REPORT_FILE));
      case SchemaStage.NAME -> links.put("schema.pbtxt", out.get("schema"));
      case ValidationStage.NAME ->
          links.put("anomalies", out.get("anomalies").resolve("report.html"));
      case TransformStage.NAME -> {
        Path dir = out.get("transform").getParent();
        links.put("pre-transform statistics", dir.resolve("statistics/pre/report.html"));
        links.put("post-transform statistics", dir.resolve("statistics/post/report.html"));
      }
      case TrainStage.NAME -> {
        Path dir = out.get("model").getParent();
        links.put("trials", dir.resolve(TrainJob.TRIALS_JSON));
        links.put("model.json (training curve)", out.get("model").resolve("model.json"));
      }
      case EvaluationStage.NAME ->
          links.put("evaluation report", out.get("evaluation").resolve("report.html"));
      default -> links.putAll(out);
    }
    return links;
  }
}
