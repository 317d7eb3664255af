package io.millrace.stage;

import io.millrace.tfmd.DatasetFeatureStatisticsList;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Statistics a stage reads: a statistics artifact directory or a single stats file. */
public final class StatisticsInputs {
  private StatisticsInputs() {}

  /**
   * The statistics at a path, by split: every split of a Millrace statistics artifact, or one
   * binary {@code DatasetFeatureStatisticsList} file (Millrace's or TFDV's), named after its file.
   *
   * @param split the one split to keep, or null for all
   */
  public static Map<String, DatasetFeatureStatisticsList> load(Path path, String split)
      throws IOException {
    Map<String, DatasetFeatureStatisticsList> bySplit = new LinkedHashMap<>();
    if (Files.isDirectory(path)) {
      if (Files.notExists(path.resolve(StatisticsJob.Manifest.FILE_NAME))) {
        throw new IllegalArgumentException(
            path + " is not a statistics artifact (no manifest.json): run 'millrace stats' first");
      }
      bySplit.putAll(StatisticsJob.Result.open(path).statistics());
    } else if (Files.isRegularFile(path)) {
      bySplit.put(
          path.getFileName().toString(),
          DatasetFeatureStatisticsList.parseFrom(Files.readAllBytes(path)));
      return bySplit;
    } else {
      throw new IllegalArgumentException("no statistics at " + path);
    }
    if (split == null) {
      return bySplit;
    }
    DatasetFeatureStatisticsList chosen = bySplit.get(split);
    if (chosen == null) {
      throw new IllegalArgumentException(
          path + " has no split '" + split + "'; it has " + bySplit.keySet());
    }
    return Map.of(split, chosen);
  }

  /**
   * The one set of statistics to compare against (previous span, serving data): the split of the
   * same name when there is one, else the only split.
   */
  public static DatasetFeatureStatisticsList one(Path path, String preferredSplit)
      throws IOException {
    Map<String, DatasetFeatureStatisticsList> all = load(path, null);
    if (preferredSplit != null && all.containsKey(preferredSplit)) {
      return all.get(preferredSplit);
    }
    if (all.size() == 1) {
      return all.values().iterator().next();
    }
    throw new IllegalArgumentException(
        path + " has splits " + all.keySet() + "; name one as PATH:SPLIT");
  }
}
