package io.millrace.validate;

import io.millrace.schema.DefaultSlice;
import io.millrace.schema.Utf8Order;
import io.millrace.tfmd.Anomalies;
import io.millrace.tfmd.AnomalyInfo;
import io.millrace.tfmd.DatasetFeatureStatistics;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.tfmd.DriftSkewInfo;
import io.millrace.tfmd.Feature;
import io.millrace.tfmd.Path;
import io.millrace.tfmd.Schema;
import io.millrace.tfmd.SparseFeature;
import io.millrace.tfmd.WeightedFeature;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Validates the statistics of a data set against a schema, as TFDV's {@code validate_statistics}
 * does, and reports the result in TFDV's {@link Anomalies} message: the schema as {@code baseline},
 * one {@code anomaly_info} per nonconforming feature keyed by its serialized path, {@code
 * dataset_anomaly_info} for the example count, and {@code drift_skew_info} with every drift and
 * skew distance measured.
 *
 * <p>Reason types, short descriptions and the order of checks are TFDV's; long descriptions start
 * with TFDV's text and add the feature and the numbers behind it. Every anomaly is an ERROR unless
 * {@link ValidationOptions#withSeverity} says otherwise, as in TFDV.
 *
 * <p>TFDV details kept on purpose:
 *
 * <ul>
 *   <li>A feature that is in the schema but absent from the statistics is {@code
 *       SCHEMA_MISSING_COLUMN} only if it has a presence bound and is in the environment; one
 *       present in the statistics but in no example is {@code FEATURE_TYPE_NOT_PRESENT}.
 *   <li>Skew compares the validated (training) statistics with serving statistics, drift the
 *       validated (current) span with the previous one; the descriptions name the sides so.
 *   <li>L-infinity is computed over rank histograms, so it needs string statistics on both sides:
 *       STRING features, or categorical INT features when statistics are generated with a schema
 *       (Millrace's statistics give INT features numeric statistics only, so an {@code
 *       infinity_norm} on them measures nothing; TFDV would report a distance of 0).
 *   <li>An empty data set is not validated: the result has only {@code data_missing}.
 * </ul>
 *
 * <p>Not supported: nested (struct) features, sparse and weighted features (statistics named after
 * them are skipped), natural language, image and time domains, and the previous-version
 * example-count comparator.
 */
public final class StatisticsValidator {
  private StatisticsValidator() {}

  public static Anomalies validate(DatasetFeatureStatistics statistics, Schema schema) {
    return validate(statistics, schema, ValidationOptions.defaults());
  }

  /** Validates the default slice ("All Examples", or the only data set). */
  public static Anomalies validate(
      DatasetFeatureStatisticsList statistics, Schema schema, ValidationOptions options) {
    return validate(DefaultSlice.of(statistics), schema, options);
  }

  public static Anomalies validate(
      DatasetFeatureStatistics statistics, Schema schema, ValidationOptions options) {
    String environment = options.environment();
    Environments.checkDeclared(schema, environment);
    Anomalies.Builder result = Anomalies.newBuilder().setBaseline(schema);
    if (statistics.getNumExamples() == 0) {
      return result.setDataMissing(true).build();
    }
    result.setAnomalyNameFormat(Anomalies.AnomalyNameFormat.SERIALIZED_PATH);

    boolean byWeight = FeatureView.weighted(statistics);
    Map<String, FeatureView> current = FeatureView.byName(statistics, byWeight);
    Map<String, FeatureView> previous =
        options.previousSpan() == null
            ? null
            : FeatureView.byName(options.previousSpan(), byWeight);
    Map<String, FeatureView> serving =
        options.serving() == null ? null : FeatureView.byName(options.serving(), byWeight);

    Map<String, Feature> features = new HashMap<>();
    for (Feature feature : schema.getFeatureList()) {
      features.putIfAbsent(feature.getName(), feature);
    }
    Set<String> composite = new HashSet<>();
    schema.getSparseFeatureList().stream().map(SparseFeature::getName).forEach(composite::add);
    schema.getWeightedFeatureList().stream().map(WeightedFeature::getName).forEach(composite::add);

    FeatureChecks checks = new FeatureChecks(schema, environment);
    TreeMap<String, List<Reason>> problems = new TreeMap<>(Utf8Order.COMPARATOR);
    TreeMap<String, DriftSkewInfo.Builder> driftSkew = new TreeMap<>(Utf8Order.COMPARATOR);
    for (Map.Entry<String, FeatureView> entry : new TreeMap<>(current).entrySet()) {
      String name = entry.getKey();
      FeatureView view = entry.getValue();
      Feature feature = features.get(name);
      if (feature == null) {
        if (!composite.contains(name)) {
          problems.put(name, List.of(newColumn(name, view)));
        }
        continue;
      }
      if (Environments.isDeprecated(feature)) {
        continue;
      }
      FeatureChecks.Result checked = checks.check(feature, view);
      List<Reason> reasons = new ArrayList<>(checked.reasons());
      if (checked.compare()) {
        if (feature.hasDriftComparator()) {
          Comparators.Result drift =
              Comparators.compare(
                  Comparators.Kind.DRIFT, name, feature.getDriftComparator(), view, previous);
          reasons.addAll(drift.reasons());
          if (!drift.measurements().isEmpty()) {
            driftSkewInfo(driftSkew, name).addAllDriftMeasurements(drift.measurements());
          }
        }
        if (feature.hasSkewComparator()) {
          Comparators.Result skew =
              Comparators.compare(
                  Comparators.Kind.SKEW, name, feature.getSkewComparator(), view, serving);
          reasons.addAll(skew.reasons());
          if (!skew.measurements().isEmpty()) {
            driftSkewInfo(driftSkew, name).addAllSkewMeasurements(skew.measurements());
          }
        }
      }
      if (!reasons.isEmpty()) {
        problems.put(name, reasons);
      }
    }
    for (Feature feature : schema.getFeatureList()) {
      if (!current.containsKey(feature.getName())
          && Environments.isExistenceRequired(schema, feature, environment)) {
        problems.put(feature.getName(), List.of(missingColumn(feature.getName(), environment)));
      }
    }

    problems.forEach(
        (name, reasons) ->
            result.putAnomalyInfo(
                Texts.serializedPath(name), anomalyInfo(path(name), reasons, options)));
    Double previousExamples =
        options.previousSpan() == null
            ? null
            : FeatureView.numExamples(options.previousSpan(), byWeight);
    List<Reason> datasetReasons =
        DatasetChecks.check(
            schema.getDatasetConstraints(),
            FeatureView.numExamples(statistics, byWeight),
            previousExamples);
    if (!datasetReasons.isEmpty()) {
      result.setDatasetAnomalyInfo(anomalyInfo(null, datasetReasons, options));
    }
    driftSkew.forEach((name, info) -> result.addDriftSkewInfo(info.setPath(path(name))));
    return result.build();
  }

  /**
   * Whether the anomalies should stop a pipeline: any anomaly of severity ERROR, or no data at all
   * (TFDV's {@code data_missing}), since an empty span validates nothing.
   */
  public static boolean blocking(Anomalies anomalies) {
    if (anomalies.getDataMissing()) {
      return true;
    }
    if (anomalies.hasDatasetAnomalyInfo()
        && anomalies.getDatasetAnomalyInfo().getSeverity() == AnomalyInfo.Severity.ERROR) {
      return true;
    }
    for (AnomalyInfo info : anomalies.getAnomalyInfoMap().values()) {
      if (info.getSeverity() == AnomalyInfo.Severity.ERROR) {
        return true;
      }
    }
    return false;
  }

  private static Reason newColumn(String name, FeatureView view) {
    return new Reason(
        AnomalyInfo.Type.SCHEMA_NEW_COLUMN,
        "New column",
        "New column (column in data but not in schema). "
            + name
            + " has "
            + view.type()
            + " statistics and is present in "
            + Texts.count(view.numPresent())
            + " of "
            + Texts.count(view.numExamples())
            + " examples.");
  }

  private static Reason missingColumn(String name, String environment) {
    return new Reason(
        AnomalyInfo.Type.SCHEMA_MISSING_COLUMN,
        "Column dropped",
        "Column is completely missing. The statistics have no feature "
            + name
            + ", which the schema requires"
            + (environment == null ? "" : " in environment " + environment)
            + ".");
  }

  /**
   * TFDV's {@code GetAnomalyInfo}: all reasons (only the first when all say "new column"), the long
   * descriptions joined, "Multiple errors" as summary when there are several, and the highest
   * severity among them.
   */
  private static AnomalyInfo anomalyInfo(
      Path path, List<Reason> reasons, ValidationOptions options) {
    List<Reason> kept = reasons;
    if (reasons.stream().allMatch(r -> r.type() == AnomalyInfo.Type.SCHEMA_NEW_COLUMN)) {
      kept = reasons.subList(0, 1);
    }
    AnomalyInfo.Builder info = AnomalyInfo.newBuilder();
    if (path != null) {
      info.setPath(path);
    }
    String description = "";
    String shortDescription = "";
    AnomalyInfo.Severity severity = AnomalyInfo.Severity.UNKNOWN;
    for (Reason reason : kept) {
      info.addReason(reason.toProto());
      if (description.isEmpty()) {
        description = reason.description();
        shortDescription = reason.shortDescription();
      } else if (!reason.description().isEmpty()) {
        description = description + " " + reason.description();
        shortDescription = "Multiple errors";
      }
      AnomalyInfo.Severity s = options.severity(reason.type());
      if (s.getNumber() > severity.getNumber()) {
        severity = s;
      }
    }
    return info.setDescription(description)
        .setShortDescription(shortDescription)
        .setSeverity(severity)
        .build();
  }

  private static DriftSkewInfo.Builder driftSkewInfo(
      Map<String, DriftSkewInfo.Builder> infos, String name) {
    return infos.computeIfAbsent(name, n -> DriftSkewInfo.newBuilder());
  }

  private static Path path(String name) {
    return Path.newBuilder().addStep(name).build();
  }
}
