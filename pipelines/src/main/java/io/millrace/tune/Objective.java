package io.millrace.tune;

import io.millrace.train.Task;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Which trial metric picks the best trial, and whether higher or lower wins. */
public record Objective(String metric, boolean higherIsBetter) {
  private static final Set<String> LOWER_IS_BETTER =
      Set.of(
          "eval_loss",
          "train_loss",
          "log_loss",
          "mean_squared_error",
          "root_mean_squared_error",
          "mean_absolute_error");

  /** {@code metric}'s objective, or the task's default (AUC, accuracy, mean squared error). */
  public static Objective of(String metric, Task task) {
    String name =
        metric != null
            ? metric
            : switch (task) {
              case BINARY -> "auc";
              case MULTICLASS -> "accuracy";
              case REGRESSION -> "mean_squared_error";
            };
    return new Objective(name, !LOWER_IS_BETTER.contains(name));
  }

  /** The best trial; NaN loses to any number, ties go to the lowest trial id. */
  public Optional<TrialResult> best(List<TrialResult> results) {
    Comparator<TrialResult> byValue =
        Comparator.comparingDouble(
            r -> {
              double v = r.objectiveValue();
              if (Double.isNaN(v)) {
                return Double.POSITIVE_INFINITY;
              }
              return higherIsBetter ? -v : v;
            });
    return results.stream().min(byValue.thenComparing(TrialResult::id));
  }
}
