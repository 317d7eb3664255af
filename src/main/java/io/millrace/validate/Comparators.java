package io.millrace.validate;

import static io.millrace.validate.Texts.sixDigits;

import io.millrace.tfmd.AnomalyInfo.Type;
import io.millrace.tfmd.DriftSkewInfo;
import io.millrace.tfmd.FeatureComparator;
import io.millrace.tfmd.HistogramSelection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Drift (against the previous span) and skew (against serving data) of one feature, TFDV's {@code
 * UpdateFeatureComparatorDirect}: every configured distance is measured and reported in {@code
 * drift_skew_info} whether or not it crosses its threshold; crossing it is an anomaly.
 */
final class Comparators {
  /** Drift or skew, with the names TFDV uses for the two sides in descriptions. */
  enum Kind {
    DRIFT("current", "previous"),
    SKEW("training", "serving");

    final String treatment;
    final String control;

    Kind(String treatment, String control) {
      this.treatment = treatment;
      this.control = control;
    }
  }

  record Result(List<Reason> reasons, List<DriftSkewInfo.Measurement> measurements) {}

  private Comparators() {}

  /**
   * @param controls the control data set's features by name, or null when there is none
   */
  static Result compare(
      Kind kind,
      String name,
      FeatureComparator comparator,
      FeatureView treatment,
      Map<String, FeatureView> controls) {
    List<Reason> reasons = new ArrayList<>();
    List<DriftSkewInfo.Measurement> measurements = new ArrayList<>();
    boolean linf = comparator.getInfinityNorm().hasThreshold();
    boolean jsd = comparator.getJensenShannonDivergence().hasThreshold();
    if ((!linf && !jsd) || controls == null) {
      return new Result(reasons, measurements);
    }
    FeatureView control = controls.get(name);
    if (control == null) {
      reasons.add(
          new Reason(
              Type.COMPARATOR_CONTROL_DATA_MISSING,
              kind.control + " data missing",
              kind.control
                  + " data is missing. The "
                  + kind.control
                  + " statistics have no feature "
                  + name
                  + " to compare with."));
      return new Result(reasons, measurements);
    }
    if (linf && treatment.hasStringStats() && control.hasStringStats()) {
      double threshold = comparator.getInfinityNorm().getThreshold();
      Distances.LInfinity distance =
          Distances.lInfinity(treatment.valueCounts(), control.valueCounts());
      measurements.add(
          measurement(DriftSkewInfo.Measurement.Type.L_INFTY, distance.distance(), threshold));
      if (distance.distance() > threshold) {
        reasons.add(
            new Reason(
                Type.COMPARATOR_L_INFTY_HIGH,
                "High Linfty distance between " + kind.treatment + " and " + kind.control,
                "The Linfty distance between "
                    + kind.treatment
                    + " and "
                    + kind.control
                    + " is "
                    + sixDigits(distance.distance())
                    + " (up to six significant digits), above the threshold "
                    + sixDigits(threshold)
                    + ". The feature value with maximum difference is: "
                    + distance.value()
                    + " ("
                    + name
                    + ": frequency "
                    + sixDigits(distance.treatmentFrequency())
                    + " in "
                    + kind.treatment
                    + ", "
                    + sixDigits(distance.controlFrequency())
                    + " in "
                    + kind.control
                    + ")."));
      }
    }
    if (jsd) {
      double threshold = comparator.getJensenShannonDivergence().getThreshold();
      OptionalDouble divergence =
          jensenShannon(
              treatment, control, comparator.getJensenShannonDivergence().getSource().getType());
      if (divergence.isPresent()) {
        double value = divergence.getAsDouble();
        measurements.add(
            measurement(
                DriftSkewInfo.Measurement.Type.JENSEN_SHANNON_DIVERGENCE, value, threshold));
        if (value > threshold) {
          reasons.add(
              new Reason(
                  Type.COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH,
                  "High approximate Jensen-Shannon divergence between "
                      + kind.treatment
                      + " and "
                      + kind.control,
                  "The approximate Jensen-Shannon divergence between "
                      + kind.treatment
                      + " and "
                      + kind.control
                      + " is "
                      + sixDigits(value)
                      + " (up to six significant digits), above the threshold "
                      + sixDigits(threshold)
                      + ". Feature: "
                      + name
                      + "."));
        }
      }
    }
    return new Result(reasons, measurements);
  }

  /** Over value distributions when both sides have them, else over numeric histograms. */
  private static OptionalDouble jensenShannon(
      FeatureView treatment, FeatureView control, HistogramSelection.Type source) {
    if (!treatment.valueCounts().isEmpty() && !control.valueCounts().isEmpty()) {
      return Distances.jensenShannon(treatment.valueCounts(), control.valueCounts());
    }
    var a = treatment.histogram(source);
    var b = control.histogram(source);
    if (a != null && b != null) {
      return Distances.jensenShannon(a, b);
    }
    return OptionalDouble.empty();
  }

  private static DriftSkewInfo.Measurement measurement(
      DriftSkewInfo.Measurement.Type type, double value, double threshold) {
    return DriftSkewInfo.Measurement.newBuilder()
        .setType(type)
        .setValue(value)
        .setThreshold(threshold)
        .build();
  }
}
