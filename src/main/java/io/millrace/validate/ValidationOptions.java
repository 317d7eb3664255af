package io.millrace.validate;

import io.millrace.schema.DefaultSlice;
import io.millrace.tfmd.AnomalyInfo;
import io.millrace.tfmd.DatasetFeatureStatistics;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import java.io.Serializable;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link StatisticsValidator} compares the statistics with besides the schema. The defaults
 * validate against the schema alone, with every anomaly an error, as TFDV's {@code
 * validate_statistics(stats, schema)}.
 *
 * @param environment the environment the data is from (e.g. "SERVING"), or null to expect every
 *     feature
 * @param previousSpan the previous span's statistics, for drift comparators; null when there are
 *     none
 * @param serving serving data's statistics, for skew comparators; null when there are none
 * @param severities the anomaly types reported with another severity than ERROR
 */
public record ValidationOptions(
    String environment,
    DatasetFeatureStatistics previousSpan,
    DatasetFeatureStatistics serving,
    Map<AnomalyInfo.Type, AnomalyInfo.Severity> severities)
    implements Serializable {

  public ValidationOptions {
    EnumMap<AnomalyInfo.Type, AnomalyInfo.Severity> copy = new EnumMap<>(AnomalyInfo.Type.class);
    copy.putAll(Objects.requireNonNull(severities, "severities"));
    severities = Collections.unmodifiableMap(copy);
  }

  public static ValidationOptions defaults() {
    return new ValidationOptions(null, null, null, Map.of());
  }

  /** The severity of an anomaly type: ERROR unless overridden. */
  public AnomalyInfo.Severity severity(AnomalyInfo.Type type) {
    return severities.getOrDefault(type, AnomalyInfo.Severity.ERROR);
  }

  /** Must be one of the schema's {@code default_environment}s, as in TFDV. */
  public ValidationOptions withEnvironment(String environment) {
    return new ValidationOptions(
        Objects.requireNonNull(environment, "environment"), previousSpan, serving, severities);
  }

  public ValidationOptions withPreviousSpan(DatasetFeatureStatistics previous) {
    return new ValidationOptions(
        environment, Objects.requireNonNull(previous, "previous"), serving, severities);
  }

  /** The default slice of the previous span's statistics. */
  public ValidationOptions withPreviousSpan(DatasetFeatureStatisticsList previous) {
    return withPreviousSpan(DefaultSlice.of(previous));
  }

  public ValidationOptions withServing(DatasetFeatureStatistics serving) {
    return new ValidationOptions(
        environment, previousSpan, Objects.requireNonNull(serving, "serving"), severities);
  }

  /** The default slice of the serving statistics. */
  public ValidationOptions withServing(DatasetFeatureStatisticsList serving) {
    return withServing(DefaultSlice.of(serving));
  }

  /**
   * Reports an anomaly type with another severity (TFDV's {@code severity_overrides}), e.g. new
   * columns as WARNING so that they do not block.
   */
  public ValidationOptions withSeverity(AnomalyInfo.Type type, AnomalyInfo.Severity severity) {
    EnumMap<AnomalyInfo.Type, AnomalyInfo.Severity> more = new EnumMap<>(AnomalyInfo.Type.class);
    more.putAll(severities);
    more.put(Objects.requireNonNull(type), Objects.requireNonNull(severity));
    return new ValidationOptions(environment, previousSpan, serving, more);
  }
}
