package io.millrace.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.TextFormat;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureSpec;
import io.millrace.record.FeatureType;
import io.millrace.schema.SchemaFiles;
import io.millrace.stats.StatisticsAccumulator;
import io.millrace.stats.StatisticsOptions;
import io.millrace.tfmd.Anomalies;
import io.millrace.tfmd.AnomalyInfo;
import io.millrace.tfmd.AnomalyInfo.Type;
import io.millrace.tfmd.DatasetFeatureStatistics;
import io.millrace.tfmd.Schema;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One small data set per kind of anomaly, checked against TFDV's reason types and texts. */
class StatisticsValidatorKindsTest {

  /** Statistics of examples built by {@code fill} on a fresh builder per example. */
  private static DatasetFeatureStatistics stats(
      ExampleSchema schema, int n, java.util.function.BiConsumer<Integer, Example.Builder> fill) {
    StatisticsAccumulator acc = StatisticsAccumulator.create(schema, StatisticsOptions.defaults());
    for (int i = 0; i < n; i++) {
      Example.Builder b = schema.newExample();
      fill.accept(i, b);
      acc.add(b.build());
    }
    return acc.toProto().getDatasets(0);
  }

  private static Schema schema(String text) {
    try {
      return SchemaFiles.parse(text);
    } catch (TextFormat.ParseException e) {
      throw new AssertionError(e);
    }
  }

  private static AnomalyInfo only(Anomalies anomalies, String feature) {
    assertEquals(List.of(feature), new ArrayList<>(anomalies.getAnomalyInfoMap().keySet()));
    return anomalies.getAnomalyInfoOrThrow(feature);
  }

  private static List<Type> types(AnomalyInfo info) {
    return info.getReasonList().stream().map(AnomalyInfo.Reason::getType).toList();
  }

  private static final ExampleSchema ONE_INT =
      ExampleSchema.of(FeatureSpec.of("a", FeatureType.INT));
  private static final ExampleSchema ONE_FLOAT =
      ExampleSchema.of(FeatureSpec.of("x", FeatureType.FLOAT));
  private static final ExampleSchema ONE_STRING =
      ExampleSchema.of(FeatureSpec.of("s", FeatureType.BYTES));

  @Test
  void presenceBelowItsBounds() {
    DatasetFeatureStatistics stats =
        stats(
            ONE_INT,
            4,
            (i, b) -> {
              if (i > 0) {
                b.setInt64s(0, i);
              }
            });
    AnomalyInfo info =
        only(
            StatisticsValidator.validate(
                stats,
                schema(
                    "feature { name: 'a' type: INT presence { min_fraction: 1.0 min_count: 10 } }")),
            "a");
    assertEquals(
        List.of(Type.FEATURE_TYPE_LOW_NUMBER_PRESENT, Type.FEATURE_TYPE_LOW_FRACTION_PRESENT),
        types(info));
    assertEquals("Multiple errors", info.getShortDescription());
    assertEquals("Column dropped", info.getReason(0).getShortDescription());
    assertEquals(
        "The feature was present in fewer examples than expected: minimum count = 10, actual = 3"
            + " (a: 3 of 4 examples).",
        info.getReason(0).getDescription());
    assertEquals(
        "The feature was present in fewer examples than expected: minimum fraction = 1.000000,"
            + " actual = 0.750000 (a: 3 of 4 examples).",
        info.getReason(1).getDescription());
    assertEquals(
        info.getReason(0).getDescription() + " " + info.getReason(1).getDescription(),
        info.getDescription());
  }

  @Test
  void tooFewAndTooManyValues() {
    DatasetFeatureStatistics stats =
        stats(ONE_INT, 3, (i, b) -> b.setInt64s(0, i == 0 ? new long[0] : new long[i * 2 - 1]));
    AnomalyInfo info =
        only(
            StatisticsValidator.validate(
                stats, schema("feature { name: 'a' type: INT value_count { min: 1 max: 1 } }")),
            "a");
    assertEquals(
        List.of(Type.FEATURE_TYPE_LOW_NUMBER_VALUES, Type.FEATURE_TYPE_HIGH_NUMBER_VALUES),
        types(info));
    assertEquals("Missing values", info.getReason(0).getShortDescription());
    assertTrue(
        info.getReason(0)
            .getDescription()
            .startsWith("Some examples have fewer values than expected. a: an example has 0"));
    assertEquals("Superfluous values", info.getReason(1).getShortDescription());
    assertTrue(info.getReason(1).getDescription().contains("an example has 3 values"));
  }

  @Test
  void typeDifferentFromTheSchemas() {
    DatasetFeatureStatistics stats = stats(ONE_FLOAT, 2, (i, b) -> b.setFloats(0, 1.5));
    AnomalyInfo info =
        only(StatisticsValidator.validate(stats, schema("feature { name: 'x' type: INT }")), "x");
    assertEquals(List.of(Type.UNEXPECTED_DATA_TYPE), types(info));
    assertEquals("Expected data of type: INT but got FLOAT", info.getShortDescription());
  }

  @Test
  void integersOutOfRange() {
    DatasetFeatureStatistics stats = stats(ONE_INT, 3, (i, b) -> b.setInt64s(0, i * 25 - 1));
    AnomalyInfo info =
        only(
            StatisticsValidator.validate(
                stats, schema("feature { name: 'a' type: INT int_domain { min: 0 max: 23 } }")),
            "a");
    assertEquals(List.of(Type.INT_TYPE_SMALL_INT, Type.INT_TYPE_BIG_INT), types(info));
    assertEquals("Out-of-range values", info.getReason(0).getShortDescription());
    assertTrue(info.getReason(0).getDescription().startsWith("Unexpectedly small value: -1."));
    assertTrue(info.getReason(1).getDescription().startsWith("Unexpectedly large value: 49."));
  }

  @Test
  void floatsOutOfRangeNanAndInfinity() {
    double[] values = {-3.0, Double.NaN, Double.POSITIVE_INFINITY, 5.0};
    DatasetFeatureStatistics stats = stats(ONE_FLOAT, 4, (i, b) -> b.setFloats(0, values[i]));
    AnomalyInfo info =
        only(
            StatisticsValidator.validate(
                stats,
                schema(
                    "feature { name: 'x' type: FLOAT float_domain { min: 0 max: 100"
                        + " disallow_nan: true disallow_inf: true } }")),
            "x");
    assertEquals(
        List.of(
            Type.FLOAT_TYPE_HAS_NAN,
            Type.FLOAT_TYPE_SMALL_FLOAT,
            Type.FLOAT_TYPE_BIG_FLOAT,
            Type.FLOAT_TYPE_HAS_INF),
        types(info));
    assertTrue(info.getReason(0).getDescription().startsWith("Float feature has NaN values."));
    assertTrue(
        info.getReason(1)
            .getDescription()
            .startsWith("Unexpectedly low values: -3<0(upto six significant digits)."));
    assertTrue(info.getReason(3).getDescription().startsWith("Float feature has Inf values."));

    // Allowed when the domain does not forbid them.
    assertEquals(
        0,
        StatisticsValidator.validate(
                stats,
                schema("feature { name: 'x' type: FLOAT float_domain { min: -5 max: inf } }"))
            .getAnomalyInfoCount());
  }

  @Test
  void featureInNoExampleAndColumnsMissingOrNew() {
    ExampleSchema schema =
        ExampleSchema.of(
            FeatureSpec.of("a", FeatureType.INT), FeatureSpec.of("extra", FeatureType.BYTES));
    DatasetFeatureStatistics stats = stats(schema, 2, (i, b) -> b.setString(1, "v"));
    Anomalies anomalies =
        StatisticsValidator.validate(
            stats,
            schema(
                "feature { name: 'a' type: INT presence { min_count: 1 } }"
                    + " feature { name: 'gone' type: INT presence { min_count: 1 } }"
                    + " feature { name: 'optional' type: INT presence { min_count: 0 } }"
                    + " feature { name: 'old' type: FLOAT lifecycle_stage: DEPRECATED"
                    + "   presence { min_count: 1 } }"));
    assertEquals(
        List.of(Type.FEATURE_TYPE_NOT_PRESENT), types(anomalies.getAnomalyInfoOrThrow("a")));
    assertEquals(
        "The feature was not present in any examples. a is missing in all 2 examples.",
        anomalies.getAnomalyInfoOrThrow("a").getDescription());
    assertEquals(
        List.of(Type.SCHEMA_MISSING_COLUMN), types(anomalies.getAnomalyInfoOrThrow("gone")));
    AnomalyInfo extra = anomalies.getAnomalyInfoOrThrow("extra");
    assertEquals(List.of(Type.SCHEMA_NEW_COLUMN), types(extra));
    assertEquals("New column", extra.getShortDescription());
    assertTrue(extra.getDescription().startsWith("New column (column in data but not in schema)."));
    assertFalse(anomalies.containsAnomalyInfo("optional"));
    assertFalse(anomalies.containsAnomalyInfo("old"));
  }

  @Test
  void minDomainMassToleratesASmallShareOfUnknownValues() {
    DatasetFeatureStatistics stats =
        stats(ONE_STRING, 20, (i, b) -> b.setString(0, i == 0 ? "c" : "a"));
    String domain = " string_domain { name: 'd' value: 'a' value: 'b' }";
    assertEquals(
        0,
        StatisticsValidator.validate(
                stats,
                schema(
                    "feature { name: 's' type: BYTES domain: 'd'"
                        + " distribution_constraints { min_domain_mass: 0.9 } }"
                        + domain))
            .getAnomalyInfoCount());
    AnomalyInfo strict =
        only(
            StatisticsValidator.validate(
                stats,
                schema(
                    "feature { name: 's' type: BYTES domain: 'd'"
                        + " distribution_constraints { min_domain_mass: 0.96 } }"
                        + domain)),
            "s");
    assertEquals(List.of(Type.ENUM_TYPE_UNEXPECTED_STRING_VALUES), types(strict));
    assertTrue(
        strict
            .getDescription()
            .startsWith("Examples contain values missing from the schema: c (~5%). "),
        strict.getDescription());
    assertTrue(strict.getDescription().contains("\"c\" (1 of 20, 5%)"), strict.getDescription());
    // No constraint: nothing outside the domain is allowed.
    only(
        StatisticsValidator.validate(
            stats, schema("feature { name: 's' type: BYTES string_domain { value: 'a' } }")),
        "s");
    // A domain the schema does not declare is a schema error, not a data error.
    assertEquals(
        List.of(Type.INVALID_SCHEMA_SPECIFICATION),
        types(
            only(
                StatisticsValidator.validate(
                    stats, schema("feature { name: 's' type: BYTES domain: 'nowhere' }")),
                "s")));
  }

  @Test
  void uniqueValuesAndBooleans() {
    DatasetFeatureStatistics strings = stats(ONE_STRING, 4, (i, b) -> b.setString(0, "v" + i % 2));
    assertEquals(
        List.of(Type.FEATURE_TYPE_LOW_UNIQUE),
        types(
            only(
                StatisticsValidator.validate(
                    strings,
                    schema("feature { name: 's' type: BYTES unique_constraints { min: 3 } }")),
                "s")));
    DatasetFeatureStatistics ints = stats(ONE_INT, 3, (i, b) -> b.setInt64s(0, i));
    assertEquals(
        List.of(Type.FEATURE_TYPE_NO_UNIQUE),
        types(
            only(
                StatisticsValidator.validate(
                    ints, schema("feature { name: 'a' type: INT unique_constraints { max: 3 } }")),
                "a")));
    assertEquals(
        List.of(Type.BOOL_TYPE_BIG_INT),
        types(
            only(
                StatisticsValidator.validate(
                    ints, schema("feature { name: 'a' type: INT bool_domain { } }")),
                "a")));
  }

  @Test
  void exampleCountsOfTheDataset() {
    DatasetFeatureStatistics stats = stats(ONE_INT, 5, (i, b) -> b.setInt64s(0, i));
    DatasetFeatureStatistics previous = stats(ONE_INT, 20, (i, b) -> b.setInt64s(0, i));
    Anomalies low =
        StatisticsValidator.validate(
            stats,
            schema(
                "feature { name: 'a' type: INT } dataset_constraints { min_examples_count: 100"
                    + " num_examples_drift_comparator { min_fraction_threshold: 0.5 } }"),
            ValidationOptions.defaults().withPreviousSpan(previous));
    assertEquals(0, low.getAnomalyInfoCount());
    AnomalyInfo dataset = low.getDatasetAnomalyInfo();
    assertEquals(
        List.of(Type.COMPARATOR_LOW_NUM_EXAMPLES, Type.DATASET_LOW_NUM_EXAMPLES), types(dataset));
    assertFalse(dataset.hasPath());
    assertTrue(
        dataset
            .getReason(0)
            .getDescription()
            .startsWith(
                "The ratio of num examples in the current dataset versus the previous span is 0.25"));
    assertTrue(
        dataset
            .getReason(1)
            .getDescription()
            .startsWith("The dataset has 5 examples, which is fewer than expected."));
    assertTrue(StatisticsValidator.blocking(low));

    Anomalies high =
        StatisticsValidator.validate(
            stats,
            schema(
                "feature { name: 'a' type: INT } dataset_constraints { max_examples_count: 2 }"));
    assertEquals(List.of(Type.DATASET_HIGH_NUM_EXAMPLES), types(high.getDatasetAnomalyInfo()));
    assertEquals(
        "High num examples in dataset.", high.getDatasetAnomalyInfo().getShortDescription());
  }

  @Test
  void comparatorWithoutControlData() {
    DatasetFeatureStatistics stats = stats(ONE_STRING, 3, (i, b) -> b.setString(0, "v"));
    DatasetFeatureStatistics previous = stats(ONE_INT, 3, (i, b) -> b.setInt64s(0, i));
    AnomalyInfo info =
        only(
            StatisticsValidator.validate(
                stats,
                schema(
                    "feature { name: 's' type: BYTES drift_comparator { infinity_norm"
                        + " { threshold: 0.1 } } }"),
                ValidationOptions.defaults().withPreviousSpan(previous)),
            "s");
    assertEquals(List.of(Type.COMPARATOR_CONTROL_DATA_MISSING), types(info));
    assertEquals("previous data missing", info.getShortDescription());
  }

  @Test
  void severityOverridesDecideWhatBlocks() {
    ExampleSchema schema =
        ExampleSchema.of(
            FeatureSpec.of("a", FeatureType.INT), FeatureSpec.of("extra", FeatureType.INT));
    DatasetFeatureStatistics stats = stats(schema, 2, (i, b) -> b.setInt64s(0, i).setInt64s(1, i));
    Schema known = schema("feature { name: 'a' type: INT }");
    assertTrue(StatisticsValidator.blocking(StatisticsValidator.validate(stats, known)));
    Anomalies warned =
        StatisticsValidator.validate(
            stats,
            known,
            ValidationOptions.defaults()
                .withSeverity(Type.SCHEMA_NEW_COLUMN, AnomalyInfo.Severity.WARNING));
    assertEquals(AnomalyInfo.Severity.WARNING, warned.getAnomalyInfoOrThrow("extra").getSeverity());
    assertFalse(StatisticsValidator.blocking(warned));
  }

  @Test
  void emptyDataIsMissingDataNotValidated() {
    Schema schema = schema("feature { name: 'a' type: INT presence { min_count: 1 } }");
    Anomalies anomalies = StatisticsValidator.validate(stats(ONE_INT, 0, (i, b) -> {}), schema);
    assertTrue(anomalies.getDataMissing());
    assertEquals(schema, anomalies.getBaseline());
    assertEquals(0, anomalies.getAnomalyInfoCount());
    assertTrue(StatisticsValidator.blocking(anomalies));
    assertFalse(StatisticsValidator.blocking(Anomalies.getDefaultInstance()));
  }

  @Test
  void keysAreTfdvSerializedPaths() {
    ExampleSchema schema = ExampleSchema.of(FeatureSpec.of("user.age", FeatureType.INT));
    Anomalies anomalies =
        StatisticsValidator.validate(
            stats(schema, 1, (i, b) -> b.setInt64s(0, 1)),
            schema("feature { name: 'x' type: INT }"));
    AnomalyInfo info = anomalies.getAnomalyInfoOrThrow("'user.age'");
    assertEquals("user.age", info.getPath().getStep(0));
  }
}
