package io.millrace.validate;

import io.millrace.schema.DefaultSlice;
import io.millrace.tfmd.AnomalyInfo;
import io.millrace.tfmd.DatasetFeatureStatistics;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import java.io.Serializable;
import java.util.EnumMap;
import java.util.Objects;

/**
 * What {@link StatisticsValidator} compares the statistics with besides the schema. Immutable;
 * {@code withX} methods return copies. The defaults validate against the schema alone, with every
 * anomaly an error, as TFDV's {@code validate_statistics(stats, schema)}.
 */
public final class ValidationOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String environment;
  private final DatasetFeatureStatistics previousSpan;
  private final DatasetFeatureStatistics serving;
  private final EnumMap<AnomalyInfo.Type, AnomalyInfo.Severity> severities;

  private ValidationOptions(
      String environment,
      DatasetFeatureStatistics previousSpan,
      DatasetFeatureStatistics serving,
      EnumMap<AnomalyInfo.Type, AnomalyInfo.Severity> severities) {
    this.environment = environment;
    this.previousSpan = previousSpan;
    this.serving = serving;
    this.severities = severities;
  }

  public static ValidationOptions defaults() {
    return new ValidationOptions(null, null, null, new EnumMap<>(AnomalyInfo.Type.class));
  }

  /** The environment the data is from (e.g. "SERVING"), or null to expect every feature. */
  public String environment() {
    return environment;
  }

  /** The previous span's statistics, for drift comparators; null when there are none. */
  public DatasetFeatureStatistics previousSpan() {
    return previousSpan;
  }

  /** Serving data's statistics, for skew comparators; null when there are none. */
  public DatasetFeatureStatistics serving() {
    return serving;
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
    EnumMap<AnomalyInfo.Type, AnomalyInfo.Severity> more = new EnumMap<>(severities);
    more.put(Objects.requireNonNull(type), Objects.requireNonNull(severity));
    return new ValidationOptions(environment, previousSpan, serving, more);
  }
}
