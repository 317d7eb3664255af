package io.millrace.validate;

import static io.millrace.validate.Texts.sixDigits;

import io.millrace.tfmd.AnomalyInfo.Type;
import io.millrace.tfmd.DatasetConstraints;
import io.millrace.tfmd.NumericValueComparator;
import java.util.ArrayList;
import java.util.List;

/** Checks of the data set as a whole: TFDV's dataset constraints on the number of examples. */
final class DatasetChecks {
  private DatasetChecks() {}

  /**
   * @param previousExamples the previous span's example count, or null without a previous span
   */
  static List<Reason> check(
      DatasetConstraints constraints, double numExamples, Double previousExamples) {
    List<Reason> reasons = new ArrayList<>();
    if (constraints.hasNumExamplesDriftComparator() && previousExamples != null) {
      reasons.addAll(
          driftComparator(
              constraints.getNumExamplesDriftComparator(), numExamples, previousExamples));
    }
    if (constraints.hasMinExamplesCount() && numExamples < constraints.getMinExamplesCount()) {
      reasons.add(
          new Reason(
              Type.DATASET_LOW_NUM_EXAMPLES,
              "Low num examples in dataset.",
              "The dataset has "
                  + sixDigits(numExamples)
                  + " examples, which is fewer than expected. The schema requires at least "
                  + constraints.getMinExamplesCount()
                  + " (dataset_constraints.min_examples_count)."));
    }
    if (constraints.hasMaxExamplesCount() && numExamples > constraints.getMaxExamplesCount()) {
      reasons.add(
          new Reason(
              Type.DATASET_HIGH_NUM_EXAMPLES,
              "High num examples in dataset.",
              "The dataset has "
                  + sixDigits(numExamples)
                  + " examples, which is more than expected. The schema allows at most "
                  + constraints.getMaxExamplesCount()
                  + " (dataset_constraints.max_examples_count)."));
    }
    return reasons;
  }

  /** The ratio of this span's examples to the previous span's, within the comparator's bounds. */
  private static List<Reason> driftComparator(
      NumericValueComparator comparator, double numExamples, double previous) {
    List<Reason> reasons = new ArrayList<>();
    String control = "previous span";
    double ratio = previous != 0 ? numExamples / previous : Double.NaN;
    if (comparator.hasMaxFractionThreshold()) {
      double max = comparator.getMaxFractionThreshold();
      if (previous == 0) {
        reasons.add(
            new Reason(
                Type.COMPARATOR_HIGH_NUM_EXAMPLES,
                "High num examples in current dataset versus the " + control + ", which has 0.",
                "The "
                    + control
                    + " has 0 examples, so there is a high number of examples in the current"
                    + " dataset versus the "
                    + control
                    + "."));
      } else if (ratio > max) {
        reasons.add(
            new Reason(
                Type.COMPARATOR_HIGH_NUM_EXAMPLES,
                "High num examples in current dataset versus the " + control + ".",
                "The ratio of num examples in the current dataset versus the "
                    + control
                    + " is "
                    + sixDigits(ratio)
                    + " (up to six significant digits), which is above the threshold "
                    + sixDigits(max)
                    + "."));
      }
    }
    if (comparator.hasMinFractionThreshold() && previous != 0) {
      double min = comparator.getMinFractionThreshold();
      if (ratio < min) {
        reasons.add(
            new Reason(
                Type.COMPARATOR_LOW_NUM_EXAMPLES,
                "Low num examples in current dataset versus the " + control + ".",
                "The ratio of num examples in the current dataset versus the "
                    + control
                    + " is "
                    + sixDigits(ratio)
                    + " (up to six significant digits), which is below the threshold "
                    + sixDigits(min)
                    + "."));
      }
    }
    return reasons;
  }
}
