package io.millrace.stats;

import io.millrace.tfmd.CommonStatistics;
import io.millrace.tfmd.FeatureNameStatistics;

/** Reading TFMD feature statistics whatever their kind (numeric, string, bytes, struct). */
public final class FeatureStatistics {
  private FeatureStatistics() {}

  /** The common statistics (presence, valency) of a feature, or null when it has none. */
  public static CommonStatistics common(FeatureNameStatistics feature) {
    switch (feature.getStatsCase()) {
      case NUM_STATS:
        return feature.getNumStats().getCommonStats();
      case STRING_STATS:
        return feature.getStringStats().getCommonStats();
      case BYTES_STATS:
        return feature.getBytesStats().getCommonStats();
      case STRUCT_STATS:
        return feature.getStructStats().getCommonStats();
      default:
        return null;
    }
  }
}
