package io.millrace.evaluate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Model validation with TFMA threshold semantics.
 *
 * <ul>
 *   <li>Value threshold: passes when {@code value >= lowerBound} and {@code value <= upperBound}
 *       (each bound optional).
 *   <li>Change threshold against a baseline, {@code diff = candidate - baseline}, {@code relative =
 *       diff / |baseline|}: for {@link Direction#HIGHER_IS_BETTER} passes when {@code diff >=
 *       absolute} and {@code relative >= relative}; for {@link Direction#LOWER_IS_BETTER} when
 *       {@code diff <= absolute} and {@code relative <= relative} (each bound optional). With a
 *       zero baseline the relative change is 0 when diff is 0, else ±infinity.
 *   <li>Thresholds are set for the overall slice {@code ""}, for named slices, or for every slice
 *       present in the candidate ({@link Thresholds.Builder#forAllSlices()}).
 *   <li>With no baseline ({@code null}) change thresholds are skipped and listed in {@link
 *       Result#skipped()}; a missing candidate slice or metric, a missing baseline slice or metric
 *       (when a baseline is given) and NaN values are failures.
 * </ul>
 */
public final class ModelValidation {

  private ModelValidation() {}

  public enum Direction {
    HIGHER_IS_BETTER,
    LOWER_IS_BETTER
  }

  /** Inclusive bounds on a metric value; either may be null. */
  public record ValueThreshold(Double lowerBound, Double upperBound) {
    public ValueThreshold {
      if (lowerBound == null && upperBound == null) {
        throw new IllegalArgumentException("value threshold needs a bound");
      }
    }

    @Override
    public String toString() {
      List<String> parts = new ArrayList<>();
      if (lowerBound != null) {
        parts.add(">= " + lowerBound);
      }
      if (upperBound != null) {
        parts.add("<= " + upperBound);
      }
      return "value " + String.join(" and ", parts);
    }
  }

  /** Change against the baseline; {@code absolute} and/or {@code relative} may be null. */
  public record ChangeThreshold(Double absolute, Double relative, Direction direction) {
    public ChangeThreshold {
      Objects.requireNonNull(direction, "direction");
      if (absolute == null && relative == null) {
        throw new IllegalArgumentException("change threshold needs absolute or relative");
      }
    }

    @Override
    public String toString() {
      String op = direction == Direction.HIGHER_IS_BETTER ? ">= " : "<= ";
      List<String> parts = new ArrayList<>();
      if (absolute != null) {
        parts.add("absolute change " + op + absolute);
      }
      if (relative != null) {
        parts.add("relative change " + op + relative);
      }
      return String.join(" and ", parts) + " (" + direction + ")";
    }
  }

  /** A value and/or change threshold on one metric. */
  public record MetricThreshold(String metric, ValueThreshold value, ChangeThreshold change) {
    public MetricThreshold {
      Objects.requireNonNull(metric, "metric");
      if (value == null && change == null) {
        throw new IllegalArgumentException("metric threshold needs value or change");
      }
    }
  }

  /**
   * Thresholds by slice key; the key {@link #ALL_SLICES} applies to every candidate slice.
   *
   * <pre>{@code
   * Thresholds t = Thresholds.builder()
   *     .valueAtLeast("auc", 0.7)
   *     .change("auc", Direction.HIGHER_IS_BETTER, -1e-10, null)
   *     .forSlice("payment_type=Cash").valueAtMost("log_loss", 0.6)
   *     .build();
   * }</pre>
   */
  public record Thresholds(Map<String, List<MetricThreshold>> bySlice) {
    public static final String ALL_SLICES = "*";

    public Thresholds {
      Map<String, List<MetricThreshold>> copy = new LinkedHashMap<>();
      bySlice.forEach((k, v) -> copy.put(k, List.copyOf(v)));
      bySlice = java.util.Collections.unmodifiableMap(copy);
    }

    public static Builder builder() {
      return new Builder();
    }

    /** Adds thresholds to the current scope (initially the overall slice {@code ""}). */
    public static final class Builder {
      private final Map<String, List<MetricThreshold>> bySlice = new LinkedHashMap<>();
      private String scope = SlicedMetrics.OVERALL;

      public Builder overall() {
        scope = SlicedMetrics.OVERALL;
        return this;
      }

      public Builder forSlice(String sliceKey) {
        scope = Objects.requireNonNull(sliceKey);
        return this;
      }

      public Builder forAllSlices() {
        scope = ALL_SLICES;
        return this;
      }

      public Builder add(MetricThreshold t) {
        bySlice.computeIfAbsent(scope, k -> new ArrayList<>()).add(t);
        return this;
      }

      public Builder value(String metric, Double lowerBound, Double upperBound) {
        return add(new MetricThreshold(metric, new ValueThreshold(lowerBound, upperBound), null));
      }

      public Builder valueAtLeast(String metric, double lowerBound) {
        return value(metric, lowerBound, null);
      }

      public Builder valueAtMost(String metric, double upperBound) {
        return value(metric, null, upperBound);
      }

      public Builder change(String metric, Direction direction, Double absolute, Double relative) {
        return add(
            new MetricThreshold(metric, null, new ChangeThreshold(absolute, relative, direction)));
      }

      public Thresholds build() {
        return new Thresholds(bySlice);
      }
    }
  }

  /** One failed check. {@code baselineValue} is null for value thresholds or missing values. */
  public record Failure(
      String slice,
      String metric,
      Double candidateValue,
      Double baselineValue,
      String threshold,
      String message) {}

  /** A change threshold not evaluated because there was no baseline. */
  public record Skipped(String slice, String metric, String threshold, String reason) {}

  public record Result(boolean blessed, List<Failure> failures, List<Skipped> skipped) {
    public Result {
      failures = List.copyOf(failures);
      skipped = List.copyOf(skipped);
    }
  }

  private static String sliceName(String slice) {
    return slice.isEmpty() ? "Overall" : "slice '" + slice + "'";
  }

  /**
   * Validates {@code candidate} metrics (slice key → metric name → value) against {@code
   * thresholds}, using {@code baselineOrNull} for change thresholds.
   */
  public static Result validate(
      Map<String, Map<String, Double>> candidate,
      Map<String, Map<String, Double>> baselineOrNull,
      Thresholds thresholds) {
    List<Failure> failures = new ArrayList<>();
    List<Skipped> skipped = new ArrayList<>();
    for (Map.Entry<String, List<MetricThreshold>> e : thresholds.bySlice().entrySet()) {
      List<String> sliceKeys =
          Thresholds.ALL_SLICES.equals(e.getKey())
              ? new ArrayList<>(candidate.keySet())
              : List.of(e.getKey());
      for (String slice : sliceKeys) {
        for (MetricThreshold t : e.getValue()) {
          check(slice, t, candidate, baselineOrNull, failures, skipped);
        }
      }
    }
    return new Result(failures.isEmpty(), failures, skipped);
  }

  private static void check(
      String slice,
      MetricThreshold t,
      Map<String, Map<String, Double>> candidate,
      Map<String, Map<String, Double>> baseline,
      List<Failure> failures,
      List<Skipped> skipped) {
    String where = sliceName(slice) + " " + t.metric();
    Map<String, Double> cand = candidate.get(slice);
    Double c = cand == null ? null : cand.get(t.metric());
    if (t.value() != null) {
      ValueThreshold v = t.value();
      String desc = v.toString();
      if (c == null || c.isNaN()) {
        failures.add(
            new Failure(
                slice,
                t.metric(),
                c,
                null,
                desc,
                where
                    + (cand == null ? ": slice missing from candidate" : ": value is " + c)
                    + ", required "
                    + desc));
      } else if ((v.lowerBound() != null && c < v.lowerBound())
          || (v.upperBound() != null && c > v.upperBound())) {
        failures.add(
            new Failure(slice, t.metric(), c, null, desc, where + " = " + c + " fails " + desc));
      }
    }
    if (t.change() != null) {
      ChangeThreshold ch = t.change();
      String desc = ch.toString();
      if (baseline == null) {
        skipped.add(new Skipped(slice, t.metric(), desc, "no baseline model"));
        return;
      }
      Map<String, Double> base = baseline.get(slice);
      Double b = base == null ? null : base.get(t.metric());
      if (c == null || c.isNaN() || b == null || b.isNaN()) {
        String why =
            c == null || c.isNaN()
                ? (cand == null ? "slice missing from candidate" : "candidate value is " + c)
                : (base == null ? "slice missing from baseline" : "baseline value is " + b);
        failures.add(
            new Failure(slice, t.metric(), c, b, desc, where + ": " + why + ", required " + desc));
        return;
      }
      double diff = c - b;
      double rel =
          b == 0
              ? (diff == 0 ? 0 : Math.copySign(Double.POSITIVE_INFINITY, diff))
              : diff / Math.abs(b);
      boolean higher = ch.direction() == Direction.HIGHER_IS_BETTER;
      List<String> broken = new ArrayList<>();
      if (ch.absolute() != null && (higher ? diff < ch.absolute() : diff > ch.absolute())) {
        broken.add("absolute change " + diff + (higher ? " < " : " > ") + ch.absolute());
      }
      if (ch.relative() != null && (higher ? rel < ch.relative() : rel > ch.relative())) {
        broken.add("relative change " + rel + (higher ? " < " : " > ") + ch.relative());
      }
      if (!broken.isEmpty()) {
        failures.add(
            new Failure(
                slice,
                t.metric(),
                c,
                b,
                desc,
                where
                    + " = "
                    + c
                    + " vs baseline "
                    + b
                    + ": "
                    + String.join(", ", broken)
                    + " ("
                    + ch.direction()
                    + ")"));
      }
    }
  }
}
