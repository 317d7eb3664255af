package io.millrace.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.schema.SchemaFiles;
import io.millrace.schema.SchemaInference;
import io.millrace.tfmd.Anomalies;
import io.millrace.tfmd.AnomalyInfo;
import io.millrace.tfmd.DriftSkewInfo;
import io.millrace.tfmd.Feature;
import io.millrace.tfmd.FeatureComparator;
import io.millrace.tfmd.FeatureNameStatistics;
import io.millrace.tfmd.HistogramSelection;
import io.millrace.tfmd.InfinityNorm;
import io.millrace.tfmd.JensenShannonDivergence;
import io.millrace.tfmd.Schema;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Validation of the taxi tutorial's eval and serving splits against a schema from train. */
class StatisticsValidatorTest {

  private static Schema trainSchema() {
    return SchemaInference.defaults().infer(TaxiData.train().statistics());
  }

  /** The schema with one feature changed. */
  private static Schema edit(Schema schema, String name, UnaryOperator<Feature.Builder> change) {
    Schema.Builder builder = schema.toBuilder();
    for (Feature.Builder feature : builder.getFeatureBuilderList()) {
      if (feature.getName().equals(name)) {
        change.apply(feature);
        return builder.build();
      }
    }
    throw new AssertionError("no feature " + name);
  }

  private static FeatureComparator infinityNorm(double threshold) {
    return FeatureComparator.newBuilder()
        .setInfinityNorm(InfinityNorm.newBuilder().setThreshold(threshold))
        .build();
  }

  private static FeatureNameStatistics feature(TaxiData.Split split, String name) {
    return split.statistics().getFeaturesList().stream()
        .filter(f -> f.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static List<AnomalyInfo.Type> types(AnomalyInfo info) {
    return info.getReasonList().stream().map(AnomalyInfo.Reason::getType).toList();
  }

  /** L-infinity over two CSV columns in plain Java: the value and the distance. */
  private record Expected(String value, double distance) {}

  private static Expected lInfinity(List<String> treatment, List<String> control) {
    Map<String, Double> p = new HashMap<>();
    Map<String, Double> q = new HashMap<>();
    treatment.forEach(v -> p.merge(v, 1.0 / treatment.size(), Double::sum));
    control.forEach(v -> q.merge(v, 1.0 / control.size(), Double::sum));
    Set<String> all = new TreeSet<>(p.keySet());
    all.addAll(q.keySet());
    String best = null;
    double distance = -1;
    for (String v : all) {
      double d = Math.abs(p.getOrDefault(v, 0.0) - q.getOrDefault(v, 0.0));
      if (d > distance) {
        distance = d;
        best = v;
      }
    }
    return new Expected(best, distance);
  }

  @Test
  void evalHasPaymentTypesAndCompaniesTrainingNeverSaw() {
    TaxiData.Split train = TaxiData.train();
    TaxiData.Split eval = TaxiData.eval();
    Anomalies anomalies = StatisticsValidator.validate(eval.statistics(), trainSchema());

    assertEquals(Set.of("payment_type", "company"), anomalies.getAnomalyInfoMap().keySet());
    assertEquals(Anomalies.AnomalyNameFormat.SERIALIZED_PATH, anomalies.getAnomalyNameFormat());
    assertEquals(trainSchema(), anomalies.getBaseline());
    assertTrue(StatisticsValidator.blocking(anomalies));

    for (String name : List.of("payment_type", "company")) {
      Set<String> unseen = new TreeSet<>(eval.distinct(name));
      unseen.removeAll(train.distinct(name));
      assertFalse(unseen.isEmpty(), name);

      AnomalyInfo info = anomalies.getAnomalyInfoOrThrow(name);
      assertEquals(List.of(AnomalyInfo.Type.ENUM_TYPE_UNEXPECTED_STRING_VALUES), types(info));
      assertEquals(AnomalyInfo.Severity.ERROR, info.getSeverity());
      assertEquals("Unexpected string values", info.getShortDescription());
      assertEquals(name, info.getPath().getStep(0));
      assertTrue(
          info.getDescription().startsWith("Examples contain values missing from the schema: "));
      assertEquals(
          unseen,
          DomainChecks.valuesOutsideDomain(
                  FeatureView.byName(eval.statistics(), false).get(name).valueCounts(),
                  train.distinct(name))
              .keySet());
      List<String> column = eval.column(name);
      for (String value : unseen) {
        long count = column.stream().filter(value::equals).count();
        String expected =
            "\""
                + value
                + "\" ("
                + count
                + " of "
                + column.size()
                + ", "
                + Texts.percent((double) count / column.size())
                + ")";
        assertTrue(
            info.getDescription().contains(expected), expected + " in " + info.getDescription());
      }
      for (String known : train.distinct(name)) {
        assertFalse(info.getDescription().contains("\"" + known + "\""), known);
      }
    }
    assertTrue(
        anomalies
            .getAnomalyInfoOrThrow("payment_type")
            .getDescription()
            .startsWith("Examples contain values missing from the schema: Prcard (<1%). "));
  }

  @Test
  void servingWithoutTheLabelIsMissingAColumnUnlessItsEnvironmentSaysSo() {
    TaxiData.Split serving = TaxiData.serving();
    Schema schema = trainSchema();

    AnomalyInfo tips =
        StatisticsValidator.validate(serving.statistics(), schema).getAnomalyInfoOrThrow("tips");
    assertEquals(List.of(AnomalyInfo.Type.SCHEMA_MISSING_COLUMN), types(tips));
    assertEquals("Column dropped", tips.getShortDescription());
    assertTrue(tips.getDescription().contains("tips"), tips.getDescription());

    Schema withEnvironments =
        edit(schema, "tips", f -> f.addNotInEnvironment("SERVING")).toBuilder()
            .addDefaultEnvironment("TRAINING")
            .addDefaultEnvironment("SERVING")
            .build();
    Anomalies inServing =
        StatisticsValidator.validate(
            serving.statistics(),
            withEnvironments,
            ValidationOptions.defaults().withEnvironment("SERVING"));
    assertFalse(inServing.containsAnomalyInfo("tips"), inServing.toString());
    assertFalse(StatisticsValidator.blocking(inServing), inServing.getAnomalyInfoMap().toString());

    // Training still needs the label.
    Anomalies trainingWithoutTips =
        StatisticsValidator.validate(
            serving.statistics(),
            withEnvironments,
            ValidationOptions.defaults().withEnvironment("TRAINING"));
    assertEquals(
        List.of(AnomalyInfo.Type.SCHEMA_MISSING_COLUMN),
        types(trainingWithoutTips.getAnomalyInfoOrThrow("tips")));
    // And a label that shows up in serving data is a column the environment does not expect.
    Anomalies trainInServing =
        StatisticsValidator.validate(
            TaxiData.train().statistics(),
            withEnvironments,
            ValidationOptions.defaults().withEnvironment("SERVING"));
    AnomalyInfo unexpected = trainInServing.getAnomalyInfoOrThrow("tips");
    assertEquals(List.of(AnomalyInfo.Type.SCHEMA_NEW_COLUMN), types(unexpected));
    assertEquals("Column missing in environment", unexpected.getShortDescription());

    assertThrows(
        IllegalArgumentException.class,
        () ->
            StatisticsValidator.validate(
                serving.statistics(),
                withEnvironments,
                ValidationOptions.defaults().withEnvironment("STAGING")));
  }

  @Test
  void companyDriftsBetweenTrainAndEvalByLInfinity() {
    TaxiData.Split train = TaxiData.train();
    TaxiData.Split eval = TaxiData.eval();
    Schema schema = edit(trainSchema(), "company", f -> f.setDriftComparator(infinityNorm(0.001)));
    Anomalies anomalies =
        StatisticsValidator.validate(
            eval.statistics(),
            schema,
            ValidationOptions.defaults().withPreviousSpan(train.statistics()));

    Expected expected = lInfinity(eval.column("company"), train.column("company"));
    assertEquals(1, anomalies.getDriftSkewInfoCount());
    DriftSkewInfo info = anomalies.getDriftSkewInfo(0);
    assertEquals("company", info.getPath().getStep(0));
    assertEquals(0, info.getSkewMeasurementsCount());
    DriftSkewInfo.Measurement measurement = info.getDriftMeasurements(0);
    assertEquals(DriftSkewInfo.Measurement.Type.L_INFTY, measurement.getType());
    assertEquals(expected.distance(), measurement.getValue(), 1e-12);
    assertEquals(0.001, measurement.getThreshold());

    Distances.LInfinity distance =
        Distances.lInfinity(feature(eval, "company"), feature(train, "company"));
    assertEquals(expected.value(), distance.value());
    assertEquals(expected.distance(), distance.distance(), 1e-12);

    AnomalyInfo company = anomalies.getAnomalyInfoOrThrow("company");
    assertEquals(
        List.of(
            AnomalyInfo.Type.ENUM_TYPE_UNEXPECTED_STRING_VALUES,
            AnomalyInfo.Type.COMPARATOR_L_INFTY_HIGH),
        types(company));
    assertEquals("Multiple errors", company.getShortDescription());
    AnomalyInfo.Reason drift = company.getReason(1);
    assertEquals("High Linfty distance between current and previous", drift.getShortDescription());
    assertTrue(
        drift
            .getDescription()
            .startsWith(
                "The Linfty distance between current and previous is "
                    + Texts.sixDigits(expected.distance())
                    + " (up to six significant digits), above the threshold 0.001. The feature"
                    + " value with maximum difference is: "
                    + expected.value()),
        drift.getDescription());
    assertTrue(company.getDescription().endsWith(drift.getDescription()));

    // Under a looser threshold: measured all the same, but no anomaly.
    Anomalies loose =
        StatisticsValidator.validate(
            eval.statistics(),
            edit(trainSchema(), "company", f -> f.setDriftComparator(infinityNorm(0.5))),
            ValidationOptions.defaults().withPreviousSpan(train.statistics()));
    assertEquals(
        List.of(AnomalyInfo.Type.ENUM_TYPE_UNEXPECTED_STRING_VALUES),
        types(loose.getAnomalyInfoOrThrow("company")));
    assertEquals(
        expected.distance(), loose.getDriftSkewInfo(0).getDriftMeasurements(0).getValue(), 1e-12);
  }

  @Test
  void paymentTypeSkewsBetweenTrainingAndServingByLInfinity() {
    TaxiData.Split train = TaxiData.train();
    TaxiData.Split serving = TaxiData.serving();
    Schema schema =
        edit(trainSchema(), "payment_type", f -> f.setSkewComparator(infinityNorm(0.01)));
    Anomalies anomalies =
        StatisticsValidator.validate(
            train.statistics(),
            schema,
            ValidationOptions.defaults().withServing(serving.statistics()));

    Expected expected = lInfinity(train.column("payment_type"), serving.column("payment_type"));
    DriftSkewInfo.Measurement skew = anomalies.getDriftSkewInfo(0).getSkewMeasurements(0);
    assertEquals(DriftSkewInfo.Measurement.Type.L_INFTY, skew.getType());
    assertEquals(expected.distance(), skew.getValue(), 1e-12);
    assertTrue(expected.distance() > 0.01);

    AnomalyInfo info = anomalies.getAnomalyInfoOrThrow("payment_type");
    assertEquals(List.of(AnomalyInfo.Type.COMPARATOR_L_INFTY_HIGH), types(info));
    assertEquals("High Linfty distance between training and serving", info.getShortDescription());
    assertTrue(
        info.getDescription().contains("maximum difference is: " + expected.value() + " ("),
        info.getDescription());
    Distances.LInfinity distance =
        Distances.lInfinity(feature(train, "payment_type"), feature(serving, "payment_type"));
    assertEquals(expected.value(), distance.value());
    assertTrue(
        info.getDescription()
            .contains(
                "frequency "
                    + Texts.sixDigits(distance.treatmentFrequency())
                    + " in training, "
                    + Texts.sixDigits(distance.controlFrequency())
                    + " in serving"),
        info.getDescription());
  }

  @Test
  void fareDriftsByJensenShannonDivergence() {
    TaxiData.Split train = TaxiData.train();
    TaxiData.Split eval = TaxiData.eval();
    FeatureComparator jsd =
        FeatureComparator.newBuilder()
            .setJensenShannonDivergence(JensenShannonDivergence.newBuilder().setThreshold(0.001))
            .build();
    Schema schema = edit(trainSchema(), "fare", f -> f.setDriftComparator(jsd));

    Anomalies drifted =
        StatisticsValidator.validate(
            eval.statistics(),
            schema,
            ValidationOptions.defaults().withPreviousSpan(train.statistics()));
    DriftSkewInfo.Measurement measurement = drifted.getDriftSkewInfo(0).getDriftMeasurements(0);
    assertEquals(DriftSkewInfo.Measurement.Type.JENSEN_SHANNON_DIVERGENCE, measurement.getType());
    double divergence = measurement.getValue();
    assertTrue(divergence > 0 && divergence < 1, "divergence " + divergence);
    assertEquals(
        divergence,
        Distances.jensenShannon(
                feature(eval, "fare"), feature(train, "fare"), HistogramSelection.Type.STANDARD)
            .orElseThrow());
    if (divergence > 0.001) {
      assertEquals(
          List.of(AnomalyInfo.Type.COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH),
          types(drifted.getAnomalyInfoOrThrow("fare")));
    }

    Anomalies same =
        StatisticsValidator.validate(
            train.statistics(),
            schema,
            ValidationOptions.defaults().withPreviousSpan(train.statistics()));
    assertEquals(0.0, same.getDriftSkewInfo(0).getDriftMeasurements(0).getValue());
    assertFalse(same.containsAnomalyInfo("fare"));
  }

  @Test
  void tfdvsOwnTaxiSchemaValidatesEval() throws IOException {
    Schema schema;
    try (InputStream in = getClass().getResourceAsStream("/tfmd/tfdv_taxi_schema.pbtxt")) {
      schema = SchemaFiles.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    TaxiData.Split eval = TaxiData.eval();
    Anomalies anomalies =
        StatisticsValidator.validate(
            eval.statistics(),
            schema,
            ValidationOptions.defaults()
                .withPreviousSpan(TaxiData.train().statistics())
                .withServing(TaxiData.serving().statistics()));

    // The CSV leaves pickup_census_tract empty; TFDV's schema requires it.
    assertEquals(
        List.of(AnomalyInfo.Type.FEATURE_TYPE_NOT_PRESENT),
        types(anomalies.getAnomalyInfoOrThrow("pickup_census_tract")));
    // The JSD drift comparator on a string feature compares value distributions.
    DriftSkewInfo payment =
        anomalies.getDriftSkewInfoList().stream()
            .filter(d -> d.getPath().getStep(0).equals("payment_type"))
            .findFirst()
            .orElseThrow();
    assertEquals(
        DriftSkewInfo.Measurement.Type.JENSEN_SHANNON_DIVERGENCE,
        payment.getDriftMeasurements(0).getType());
    assertEquals(DriftSkewInfo.Measurement.Type.L_INFTY, payment.getSkewMeasurements(0).getType());
    // Missing dropoffs break the fixed shape TFDV inferred for them.
    assertTrue(
        types(anomalies.getAnomalyInfoOrThrow("dropoff_latitude"))
            .contains(AnomalyInfo.Type.INVALID_FEATURE_SHAPE));
    for (AnomalyInfo info : anomalies.getAnomalyInfoMap().values()) {
      assertFalse(info.getDescription().isEmpty(), info.toString());
      assertFalse(info.getShortDescription().isEmpty(), info.toString());
      assertEquals(AnomalyInfo.Severity.ERROR, info.getSeverity());
    }
  }
}
