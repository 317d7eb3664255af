package io.millrace.stage;

import io.millrace.schema.SchemaFiles;
import io.millrace.tfmd.Anomalies;
import io.millrace.tfmd.AnomalyInfo;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.tfmd.Schema;
import io.millrace.validate.AnomaliesArtifact;
import io.millrace.validate.StatisticsValidator;
import io.millrace.validate.ValidationOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Validation of statistics against a schema, the way TFDV's {@code validate_statistics} does, split
 * by split: anomalies, drift against the previous span and skew against serving data. The decisions
 * (blocking, drifted features) are fields of the result; whether a run stops on them is the
 * caller's.
 */
public final class ValidationStage
    extends AbstractStage<ValidationStage.Settings, ValidationStage.Result> {
  public static final String NAME = "validation";

  /**
   * @param environment the data's environment in the schema (e.g. SERVING), or null
   * @param split validate only this split; null: every split
   */
  public record Settings(String environment, String split) {}

  /**
   * What validation found.
   *
   * @param anomalies the anomalies artifact; null when nothing was written
   * @param bySplit the anomalies of each split
   * @param blocking whether an anomaly has severity ERROR
   * @param blockingBesidesDrift whether one would block even if drift did not
   * @param drifted the features whose drift exceeds their comparator's threshold
   * @param errors each blocking anomaly as "split/feature: description"
   * @param count the number of anomalies
   * @param driftAgainst the statistics drift was measured against, or null
   */
  public record Result(
      StageArtifact.Anomalies anomalies,
      Map<String, Anomalies> bySplit,
      boolean blocking,
      boolean blockingBesidesDrift,
      List<String> drifted,
      List<String> errors,
      int count,
      Path driftAgainst)
      implements StageResult {
    @Override
    public Map<String, StageArtifact> outputs() {
      return anomalies == null ? Map.of() : Map.of("anomalies", anomalies);
    }

    @Override
    public Map<String, String> properties() {
      Map<String, String> properties = new LinkedHashMap<>();
      properties.put("blocking", Boolean.toString(blocking));
      properties.put("anomalies", Integer.toString(count));
      properties.put("drift_against", driftAgainst == null ? "" : driftAgainst.toString());
      properties.put("errors", String.join("; ", errors));
      properties.put("drifted", String.join(",", drifted));
      properties.put("blocking_besides_drift", Boolean.toString(blockingBesidesDrift));
      return properties;
    }

    @Override
    public Map<String, String> outputProperties(String output) {
      return properties();
    }

    @Override
    public String summary() {
      return count
          + " anomalies"
          + (blocking ? ", BLOCKING" : "")
          + (driftAgainst != null ? ", drift checked against the previous span" : "");
    }
  }

  private final StageArtifact.Statistics statistics;
  private final StageArtifact.Schema schema;
  private final StageArtifact.Statistics previous;
  private final StageArtifact.Statistics serving;

  /**
   * @param previous the previous span's statistics, for drift; null: none
   * @param serving serving data's statistics, for skew; null: none
   */
  public ValidationStage(
      StageArtifact.Statistics statistics,
      StageArtifact.Schema schema,
      StageArtifact.Statistics previous,
      StageArtifact.Statistics serving,
      Settings settings) {
    super(NAME, settings, Result.class);
    this.statistics = statistics;
    this.schema = schema;
    this.previous = previous;
    this.serving = serving;
  }

  @Override
  public Map<String, StageArtifact> inputs() {
    Map<String, StageArtifact> inputs = new LinkedHashMap<>();
    inputs.put("statistics", statistics);
    inputs.put("schema", schema);
    if (previous != null) {
      inputs.put("previous_span", previous);
    }
    if (serving != null) {
      inputs.put("serving", serving);
    }
    return inputs;
  }

  /** Validates; writes the anomalies artifact at the context's directory unless it is null. */
  @Override
  public Result run(StageContext context) throws IOException {
    Schema parsed = SchemaFiles.read(schema.path());
    Map<String, DatasetFeatureStatisticsList> bySplit =
        StatisticsInputs.load(statistics.path(), settings().split());
    Map<String, Anomalies> anomalies = new LinkedHashMap<>();
    boolean blocking = false;
    boolean blockingBesidesDrift = false;
    TreeSet<String> drifted = new TreeSet<>();
    List<String> errors = new ArrayList<>();
    int count = 0;
    for (Map.Entry<String, DatasetFeatureStatisticsList> split : bySplit.entrySet()) {
      ValidationOptions options = ValidationOptions.defaults();
      if (settings().environment() != null) {
        options = options.withEnvironment(settings().environment());
      }
      if (previous != null) {
        options = options.withPreviousSpan(StatisticsInputs.one(previous.path(), split.getKey()));
      }
      if (serving != null) {
        options = options.withServing(StatisticsInputs.one(serving.path(), split.getKey()));
      }
      Anomalies found = StatisticsValidator.validate(split.getValue(), parsed, options);
      anomalies.put(split.getKey(), found);
      blocking |= StatisticsValidator.blocking(found);
      blockingBesidesDrift |= found.hasDatasetAnomalyInfo();
      count += found.getAnomalyInfoCount() + (found.hasDatasetAnomalyInfo() ? 1 : 0);
      for (Map.Entry<String, AnomalyInfo> a : new TreeMap<>(found.getAnomalyInfoMap()).entrySet()) {
        if (hasDrift(a.getValue())) {
          drifted.add(a.getKey());
        }
        if (a.getValue().getSeverity() == AnomalyInfo.Severity.ERROR) {
          errors.add(split.getKey() + "/" + a.getKey() + ": " + a.getValue().getShortDescription());
          blockingBesidesDrift |= hasOtherThanDrift(a.getValue());
        }
      }
    }
    StageArtifact.Anomalies written = null;
    if (context.directory() != null) {
      AnomaliesArtifact.write(
          context.directory(),
          "Validation against " + schema.path().toAbsolutePath().normalize(),
          bySplit,
          anomalies,
          context.overwrite());
      written = new StageArtifact.Anomalies(context.directory());
    }
    return new Result(
        written,
        anomalies,
        blocking,
        blockingBesidesDrift,
        List.copyOf(drifted),
        errors,
        count,
        previous == null ? null : previous.path());
  }

  /** Whether one of an anomaly's reasons is drift between spans beyond a comparator threshold. */
  static boolean hasDrift(AnomalyInfo info) {
    return info.getReasonList().stream().anyMatch(r -> isDrift(r.getType()));
  }

  /** Whether an anomaly has a reason other than drift. */
  static boolean hasOtherThanDrift(AnomalyInfo info) {
    return info.getReasonCount() == 0
        || info.getReasonList().stream().anyMatch(r -> !isDrift(r.getType()));
  }

  private static boolean isDrift(AnomalyInfo.Type type) {
    return type == AnomalyInfo.Type.COMPARATOR_L_INFTY_HIGH
        || type == AnomalyInfo.Type.COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH;
  }
}
