package io.millrace.evaluate;

import io.millrace.report.Html;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Renders an {@link Evaluation} as one small self-contained HTML page: the blessing decision first
 * (with every failing threshold), then candidate and baseline side by side overall and per slice,
 * and the candidate's training loss curve as an inline SVG. Every text from the data goes through
 * {@link Html#escape}.
 */
public final class EvaluationReport {
  private static final String NONE = "\u2013";

  private final Evaluation evaluation;
  private final StringBuilder out = new StringBuilder(1 << 14);

  private EvaluationReport(Evaluation evaluation) {
    this.evaluation = evaluation;
  }

  public static String html(Evaluation evaluation) {
    return new EvaluationReport(evaluation).render();
  }

  private String render() {
    ModelMetrics candidate = evaluation.candidateMetrics();
    ModelMetrics baseline = evaluation.baselineMetrics();
    String title = "Model evaluation: " + evaluation.candidate().name();
    out.append("<!DOCTYPE html>\n")
        .append("<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n")
        .append("<meta charset=\"utf-8\"/>\n<title>")
        .append(Html.escape(title))
        .append("</title>\n<style>\n")
        .append(CSS)
        .append("</style>\n</head>\n<body>\n<h1>")
        .append(Html.escape(title))
        .append("</h1>\n");
    blessing();
    models(candidate, baseline);
    overall(candidate, baseline);
    slices(candidate, baseline);
    lossCurve(evaluation.candidate().trainingLoss(), evaluation.candidate().evalLoss());
    out.append("</body>\n</html>\n");
    return out.toString();
  }

  private void blessing() {
    ModelValidation.Result v = evaluation.validation();
    out.append("<section id=\"blessing\" class=\"")
        .append(v.blessed() ? "ok" : "bad")
        .append("\">\n<h2>")
        .append(v.blessed() ? "BLESSED" : "NOT BLESSED")
        .append("</h2>\n");
    if (!v.failures().isEmpty()) {
      out.append("<table class=\"list\">\n<tr><th>slice</th><th>metric</th><th>candidate</th>")
          .append("<th>baseline</th><th>threshold</th><th>failure</th></tr>\n");
      for (ModelValidation.Failure f : v.failures()) {
        out.append("<tr><td>")
            .append(Html.escape(sliceName(f.slice())))
            .append("</td><td>")
            .append(Html.escape(f.metric()))
            .append("</td><td class=\"n\">")
            .append(num(f.candidateValue()))
            .append("</td><td class=\"n\">")
            .append(num(f.baselineValue()))
            .append("</td><td>")
            .append(Html.escape(f.threshold()))
            .append("</td><td>")
            .append(Html.escape(f.message()))
            .append("</td></tr>\n");
      }
      out.append("</table>\n");
    } else {
      out.append("<p>Every threshold passed.</p>\n");
    }
    if (!v.skipped().isEmpty()) {
      out.append("<p class=\"note\">Skipped:</p>\n<ul class=\"note\">\n");
      for (ModelValidation.Skipped s : v.skipped()) {
        out.append("<li>")
            .append(Html.escape(sliceName(s.slice()) + " " + s.metric() + ": " + s.threshold()))
            .append(" (")
            .append(Html.escape(s.reason()))
            .append(")</li>\n");
      }
      out.append("</ul>\n");
    }
    out.append("</section>\n");
  }

  private void models(ModelMetrics candidate, ModelMetrics baseline) {
    out.append("<h2>Models</h2>\n<table class=\"list\">\n<tr><th></th><th>candidate</th>")
        .append(baseline == null ? "" : "<th>baseline</th>")
        .append("</tr>\n");
    Evaluation.ModelRef c = evaluation.candidate();
    Evaluation.ModelRef b = evaluation.baseline();
    row("name", c.name(), b == null ? null : b.name(), baseline != null);
    row("task", c.task(), b == null ? null : b.task(), baseline != null);
    row("path", c.path(), b == null ? null : b.path(), baseline != null);
    row("fingerprint", c.fingerprint(), b == null ? null : b.fingerprint(), baseline != null);
    row(
        "examples evaluated",
        count(candidate.exampleCount()),
        baseline == null ? null : count(baseline.exampleCount()),
        baseline != null);
    row(
        "records without a usable label",
        count(candidate.unusableLabels()),
        baseline == null ? null : count(baseline.unusableLabels()),
        baseline != null);
    out.append("</table>\n");
  }

  private void row(String name, String candidate, String baseline, boolean withBaseline) {
    out.append("<tr><th>")
        .append(Html.escape(name))
        .append("</th><td>")
        .append(Html.escape(candidate == null ? NONE : candidate))
        .append("</td>");
    if (withBaseline) {
      out.append("<td>").append(Html.escape(baseline == null ? NONE : baseline)).append("</td>");
    }
    out.append("</tr>\n");
  }

  private void overall(ModelMetrics candidate, ModelMetrics baseline) {
    out.append("<h2>Overall</h2>\n<table class=\"list\">\n<tr><th>metric</th><th>candidate</th>");
    boolean intervals = !candidate.intervals().isEmpty();
    if (intervals) {
      out.append("<th>95% interval (bootstrap)</th>");
    }
    if (baseline != null) {
      out.append("<th>baseline</th><th>change</th>");
    }
    out.append("</tr>\n");
    Map<String, Double> c = candidate.overall();
    Map<String, Double> b = baseline == null ? null : baseline.overall();
    for (Map.Entry<String, Double> e : c.entrySet()) {
      out.append("<tr><td>")
          .append(Html.escape(e.getKey()))
          .append("</td><td class=\"n\">")
          .append(num(e.getValue()))
          .append("</td>");
      if (intervals) {
        Bootstrap.Interval iv = candidate.intervals().get(e.getKey());
        out.append("<td class=\"n\">")
            .append(iv == null ? NONE : "[" + num(iv.lower()) + ", " + num(iv.upper()) + "]")
            .append("</td>");
      }
      if (b != null) {
        Double bv = b.get(e.getKey());
        out.append("<td class=\"n\">")
            .append(num(bv))
            .append("</td><td class=\"n\">")
            .append(bv == null ? NONE : signed(e.getValue() - bv))
            .append("</td>");
      }
      out.append("</tr>\n");
    }
    out.append("</table>\n");
  }

  private static List<String> keyMetrics(String kind) {
    return switch (kind) {
      case "MULTICLASS" -> List.of("accuracy", "log_loss");
      case "REGRESSION" -> List.of("root_mean_squared_error", "mean_absolute_error");
      default -> List.of("auc", "accuracy", "log_loss", "calibration");
    };
  }

  private void slices(ModelMetrics candidate, ModelMetrics baseline) {
    Set<String> keys = new LinkedHashSet<>(candidate.slices().keySet());
    if (baseline != null) {
      keys.addAll(baseline.slices().keySet());
    }
    if (keys.size() <= 1) {
      return;
    }
    List<String> metrics = keyMetrics(candidate.kind());
    out.append("<h2>Slices</h2>\n<table class=\"list\">\n<tr><th>slice</th><th>examples</th>");
    for (String m : metrics) {
      out.append("<th>")
          .append(Html.escape(m))
          .append(baseline == null ? "" : "<br/><span class=\"note\">cand. / base.</span>")
          .append("</th>");
    }
    out.append("</tr>\n");
    for (String key : keys) {
      out.append("<tr><td>")
          .append(Html.escape(sliceName(key)))
          .append("</td><td class=\"n\">")
          .append(num(candidate.metric(key, "example_count")))
          .append("</td>");
      for (String m : metrics) {
        out.append("<td class=\"n\">").append(num(candidate.metric(key, m)));
        if (baseline != null) {
          out.append(" / ").append(num(baseline.metric(key, m)));
        }
        out.append("</td>");
      }
      out.append("</tr>\n");
    }
    out.append("</table>\n");
    if (!candidate.droppedSlices().isEmpty()) {
      out.append("<p class=\"note\">")
          .append(candidate.droppedSlices().size())
          .append(" slices with fewer than ")
          .append(evaluation.config().minSliceSize())
          .append(" examples are not shown: ")
          .append(Html.escape(String.join("; ", candidate.droppedSlices())))
          .append("</p>\n");
    }
  }

  /** The training curves: loss per epoch on the training data and, if any, on the eval split. */
  private void lossCurve(List<Double> trainLoss, List<Double> evalLoss) {
    List<List<Double>> series = new ArrayList<>();
    for (List<Double> curve : List.of(orEmpty(trainLoss), orEmpty(evalLoss))) {
      series.add(curve);
    }
    List<Double> finite = new ArrayList<>();
    int n = 0;
    for (List<Double> curve : series) {
      n = Math.max(n, curve.size());
      for (Double v : curve) {
        if (v != null && Double.isFinite(v)) {
          finite.add(v);
        }
      }
    }
    if (finite.isEmpty()) {
      return;
    }
    double min = finite.stream().mapToDouble(Double::doubleValue).min().orElse(0);
    double max = finite.stream().mapToDouble(Double::doubleValue).max().orElse(1);
    if (max == min) {
      max = min + 1;
    }
    int width = 420;
    int height = 160;
    int left = 50;
    int right = width - 10;
    int top = 10;
    int bottom = height - 30;
    out.append("<h2>Candidate training curves</h2>\n<p>loss per epoch: ")
        .append("<span class=\"k0\">training</span>")
        .append(series.get(1).isEmpty() ? "" : ", <span class=\"k1\">evaluation split</span>")
        .append("</p>\n<svg xmlns=\"http://www.w3.org/2000/svg\"")
        .append(" id=\"loss-curve\" width=\"")
        .append(width)
        .append("\" height=\"")
        .append(height)
        .append("\" role=\"img\" aria-label=\"loss per epoch\">\n")
        .append("<path class=\"ax\" d=\"M")
        .append(left)
        .append(' ')
        .append(top)
        .append("V")
        .append(bottom)
        .append("H")
        .append(right)
        .append("\"/>\n");
    StringBuilder points = new StringBuilder();
    for (int s = 0; s < series.size(); s++) {
      List<Double> curve = series.get(s);
      if (curve.isEmpty()) {
        continue;
      }
      out.append("<path class=\"l").append(s).append("\" d=\"");
      boolean first = true;
      for (int i = 0; i < curve.size(); i++) {
        Double v = curve.get(i);
        if (v == null || !Double.isFinite(v)) {
          continue;
        }
        double x = n == 1 ? (left + right) / 2.0 : left + (right - left) * i / (double) (n - 1);
        double y = bottom - (bottom - top) * (v - min) / (max - min);
        out.append(first ? "M" : "L").append(String.format(Locale.ROOT, "%.1f %.1f", x, y));
        first = false;
        points
            .append(
                String.format(
                    Locale.ROOT,
                    "<circle class=\"c%d\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\">",
                    s,
                    x,
                    y))
            .append("<title>")
            .append(s == 0 ? "training" : "evaluation")
            .append(", epoch ")
            .append(i + 1)
            .append(": ")
            .append(num(v))
            .append("</title></circle>\n");
      }
      out.append("\"/>\n");
    }
    out.append(points)
        .append(text(left - 4, top + 4, num(max), "end"))
        .append(text(left - 4, bottom, num(min), "end"))
        .append(text(left, bottom + 16, "epoch 1", "start"))
        .append(text(right, bottom + 16, "epoch " + n, "end"))
        .append("</svg>\n");
  }

  private static List<Double> orEmpty(List<Double> values) {
    return values == null ? List.of() : values;
  }

  private static String text(double x, double y, String s, String anchor) {
    return String.format(
            Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", x, y, anchor)
        + Html.escape(s)
        + "</text>\n";
  }

  private static String sliceName(String key) {
    return key == null || key.isEmpty() ? "Overall" : key;
  }

  private static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static String num(Double v) {
    if (v == null) {
      return NONE;
    }
    if (v.isNaN()) {
      return "NaN";
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return String.format(Locale.ROOT, "%,d", v.longValue());
    }
    return String.format(Locale.ROOT, "%.4g", v);
  }

  private static String signed(double v) {
    return Double.isNaN(v) ? "NaN" : (v > 0 ? "+" : "") + String.format(Locale.ROOT, "%.4g", v);
  }

  private static final String CSS =
      "body{font:14px/1.4 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;"
          + "margin:0 24px 48px;color:#202124;background:#f8f9fa}\n"
          + "h1{font-size:22px;margin:20px 0 8px}\n"
          + "h2{font-size:18px;margin:24px 0 8px}\n"
          + "table.list{border-collapse:collapse;background:#fff;font-size:13px}\n"
          + "table.list th,table.list td{border:1px solid #dadce0;padding:3px 8px;"
          + "text-align:left;vertical-align:top}\n"
          + "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
          + "#blessing{border-radius:6px;padding:4px 12px 10px;margin:8px 0 16px;background:#fff}\n"
          + "#blessing.ok{border:2px solid #188038}\n#blessing.ok h2{color:#188038}\n"
          + "#blessing.bad{border:2px solid #c5221f}\n#blessing.bad h2{color:#c5221f}\n"
          + ".note{color:#5f6368}\n"
          + "svg{display:block;background:#fff;border:1px solid #dadce0;border-radius:6px}\n"
          + "svg text{font:10px sans-serif;fill:#5f6368}\n"
          + "svg path{fill:none;stroke-width:1.5}\n"
          + "svg path.ax{stroke:#9aa0a6;stroke-width:1}\n"
          + ".l0{stroke:#1a73e8}\n.l1{stroke:#e8710a}\ncircle.c0{fill:#1a73e8}\n"
          + "circle.c1{fill:#e8710a}\n.k0{color:#1a73e8}\n.k1{color:#e8710a}\n";
}
