package io.millrace.schema;

import io.millrace.stats.StatisticsAccumulator;
import io.millrace.tfmd.DatasetFeatureStatistics;
import io.millrace.tfmd.DatasetFeatureStatisticsList;

/** Picks the statistics of the whole data set out of a list that may also hold slices. */
public final class DefaultSlice {
  private DefaultSlice() {}

  /**
   * TFDV's rule for inference and validation: the only data set, or else the one named "All
   * Examples"; anything else is an error rather than a guess.
   */
  public static DatasetFeatureStatistics of(DatasetFeatureStatisticsList list) {
    if (list.getDatasetsCount() == 1) {
      return list.getDatasets(0);
    }
    for (DatasetFeatureStatistics dataset : list.getDatasetsList()) {
      if (dataset.getName().equals(StatisticsAccumulator.ALL_EXAMPLES)) {
        return dataset;
      }
    }
    throw new IllegalArgumentException(
        "statistics have "
            + list.getDatasetsCount()
            + " data sets and none is the default slice \""
            + StatisticsAccumulator.ALL_EXAMPLES
            + "\"");
  }
}
