package io.millrace.tfmd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.TextFormat;
import com.google.protobuf.util.JsonFormat;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Our own TensorFlow Metadata protos: round trips, TFDV's text format, upstream field numbers. */
class TfmdProtosTest {

  private static DatasetFeatureStatisticsList sampleStatistics() {
    CommonStatistics common =
        CommonStatistics.newBuilder()
            .setNumNonMissing(990)
            .setNumMissing(10)
            .setMinNumValues(1)
            .setMaxNumValues(1)
            .setAvgNumValues(1.0f)
            .setTotNumValues(990)
            .addPresenceAndValencyStats(
                PresenceAndValencyStatistics.newBuilder()
                    .setNumNonMissing(990)
                    .setNumMissing(10)
                    .setMinNumValues(1)
                    .setMaxNumValues(1)
                    .setTotNumValues(990))
            .build();
    FeatureNameStatistics fare =
        FeatureNameStatistics.newBuilder()
            .setName("fare")
            .setType(FeatureNameStatistics.Type.FLOAT)
            .setNumStats(
                NumericStatistics.newBuilder()
                    .setCommonStats(common)
                    .setMean(11.5)
                    .setStdDev(3.25)
                    .setMin(0.0)
                    .setMedian(9.75)
                    .setMax(700.07)
                    .addHistograms(
                        Histogram.newBuilder()
                            .setType(Histogram.HistogramType.QUANTILES)
                            .addBuckets(
                                Histogram.Bucket.newBuilder()
                                    .setLowValue(0)
                                    .setHighValue(9.75)
                                    .setSampleCount(495))
                            .addBuckets(
                                Histogram.Bucket.newBuilder()
                                    .setLowValue(9.75)
                                    .setHighValue(700.07)
                                    .setSampleCount(495))))
            .build();
    FeatureNameStatistics payment =
        FeatureNameStatistics.newBuilder()
            .setPath(Path.newBuilder().addStep("payment_type"))
            .setType(FeatureNameStatistics.Type.STRING)
            .setStringStats(
                StringStatistics.newBuilder()
                    .setCommonStats(common)
                    .setUnique(2)
                    .setAvgLength(6.5f)
                    .addTopValues(
                        StringStatistics.FreqAndValue.newBuilder()
                            .setValue("Cash")
                            .setFrequency(600))
                    .addTopValues(
                        StringStatistics.FreqAndValue.newBuilder()
                            .setValue("Credit Card")
                            .setFrequency(390))
                    .setRankHistogram(
                        RankHistogram.newBuilder()
                            .addBuckets(
                                RankHistogram.Bucket.newBuilder()
                                    .setLowRank(0)
                                    .setHighRank(0)
                                    .setLabel("Cash")
                                    .setSampleCount(600))))
            .addCustomStats(CustomStatistic.newBuilder().setName("domain_info").setStr("x"))
            .build();
    return DatasetFeatureStatisticsList.newBuilder()
        .addDatasets(
            DatasetFeatureStatistics.newBuilder()
                .setName("train")
                .setNumExamples(1000)
                .addFeatures(fare)
                .addFeatures(payment))
        .build();
  }

  @Test
  void statisticsRoundTripThroughBinary() throws Exception {
    DatasetFeatureStatisticsList stats = sampleStatistics();
    byte[] bytes = stats.toByteArray();
    DatasetFeatureStatisticsList parsed = DatasetFeatureStatisticsList.parseFrom(bytes);
    assertEquals(stats, parsed);
    FeatureNameStatistics payment = parsed.getDatasets(0).getFeatures(1);
    assertEquals(FeatureNameStatistics.FieldIdCase.PATH, payment.getFieldIdCase());
    assertEquals(FeatureNameStatistics.StatsCase.STRING_STATS, payment.getStatsCase());
    assertEquals("Cash", payment.getStringStats().getTopValues(0).getValue());
  }

  @Test
  void statisticsRoundTripThroughJson() throws Exception {
    DatasetFeatureStatisticsList stats = sampleStatistics();
    String json = JsonFormat.printer().print(stats);
    assertTrue(json.contains("\"numExamples\": \"1000\""), json);
    assertTrue(json.contains("\"totNumValues\": \"990\""), json);
    DatasetFeatureStatisticsList.Builder parsed = DatasetFeatureStatisticsList.newBuilder();
    JsonFormat.parser().merge(json, parsed);
    assertEquals(stats, parsed.build());
  }

  @Test
  void parsesTfdvWrittenTaxiSchema() throws Exception {
    String text;
    try (InputStream in = getClass().getResourceAsStream("/tfmd/tfdv_taxi_schema.pbtxt")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Schema.Builder builder = Schema.newBuilder();
    TextFormat.getParser().merge(text, builder);
    Schema schema = builder.build();

    assertEquals(18, schema.getFeatureCount());
    assertEquals(List.of("TRAINING", "SERVING"), schema.getDefaultEnvironmentList());
    Map<String, Feature> byName = new HashMap<>();
    schema.getFeatureList().forEach(f -> byName.put(f.getName(), f));

    Feature payment = byName.get("payment_type");
    assertEquals(FeatureType.BYTES, payment.getType());
    assertEquals(Feature.DomainInfoCase.DOMAIN, payment.getDomainInfoCase());
    assertEquals("payment_type", payment.getDomain());
    assertEquals(1.0, payment.getPresence().getMinFraction());
    assertEquals(1, payment.getPresence().getMinCount());
    assertEquals(1, payment.getShape().getDim(0).getSize());
    assertEquals(0.01, payment.getSkewComparator().getInfinityNorm().getThreshold());
    assertEquals(0.01, payment.getDriftComparator().getJensenShannonDivergence().getThreshold());
    assertFalse(payment.getDriftComparator().hasInfinityNorm());

    Feature company = byName.get("company");
    assertEquals(Feature.ShapeTypeCase.VALUE_COUNT, company.getShapeTypeCase());
    assertEquals(1, company.getValueCount().getMax());
    assertEquals(0.9, company.getDistributionConstraints().getMinDomainMass());
    // proto2 default when the constraint is present but the field is not set.
    assertEquals(1.0, DistributionConstraints.getDefaultInstance().getMinDomainMass());

    Feature hour = byName.get("trip_start_hour");
    assertTrue(hour.getIntDomain().getIsCategorical());
    assertTrue(hour.getIntDomain().hasMin());
    assertEquals(0, hour.getIntDomain().getMin());
    assertEquals(23, hour.getIntDomain().getMax());
    assertEquals(700.07f, byName.get("fare").getFloatDomain().getMax());
    assertEquals(List.of("SERVING"), byName.get("tips").getNotInEnvironmentList());
    assertFalse(byName.get("fare").hasLifecycleStage());

    StringDomain paymentDomain =
        schema.getStringDomainList().stream()
            .filter(d -> d.getName().equals("payment_type"))
            .findFirst()
            .orElseThrow();
    assertEquals(7, paymentDomain.getValueCount());
    assertEquals("Credit Card", paymentDomain.getValue(1));

    // Text format round trip, as TFDV's write_schema_text would do it.
    Schema.Builder again = Schema.newBuilder();
    TextFormat.getParser().merge(TextFormat.printer().printToString(schema), again);
    assertEquals(schema, again.build());
  }

  @Test
  void parsesCuratedSchemaExtras() throws Exception {
    String text =
        "feature { name: \"tags\" value_counts { value_count { min: 1 } value_count { max: 4 } }"
            + " type: BYTES string_domain { value: \"a\" is_categorical: CATEGORICAL_YES }"
            + " unique_constraints { min: 1 max: 2 } lifecycle_stage: PRODUCTION"
            + " drift_comparator { normalized_abs_difference { threshold: 0.2 }"
            + " jensen_shannon_divergence { threshold: 0.1 source { type: QUANTILES } } }"
            + " annotation { tag: \"user_feature\" comment: \"free text\" } }"
            + " feature { name: \"emb\" type: FLOAT float_domain { is_embedding: true"
            + " embedding_dim: 8 disallow_nan: true } sequence_metadata"
            + " { sequential_status: SEQUENTIAL_NO joint_group: \"g\" } }"
            + " feature { name: \"ts\" type: INT time_domain { integer_format: UNIX_SECONDS }"
            + " in_environment: \"TRAINING\" }"
            + " weighted_feature { name: \"w\" feature { step: \"tags\" }"
            + " weight_feature { step: \"wt\" } }"
            + " sparse_feature { name: \"sp\" index_feature { name: \"idx\" }"
            + " value_feature { name: \"val\" } }"
            + " dataset_constraints { min_examples_count: 10"
            + " num_examples_drift_comparator { min_fraction_threshold: 0.5 } }"
            + " represent_variable_length_as_ragged: true"
            + " tensor_representation_group { key: \"\" value { tensor_representation {"
            + " key: \"emb\" value { dense_tensor { column_name: \"emb\""
            + " shape { dim { size: 8 } } default_value { float_value: 0 } } } } } }";
    Schema.Builder builder = Schema.newBuilder();
    TextFormat.getParser().merge(text, builder);
    Schema schema = builder.build();
    assertEquals(2, schema.getFeature(0).getValueCounts().getValueCountCount());
    assertEquals(LifecycleStage.PRODUCTION, schema.getFeature(0).getLifecycleStage());
    assertEquals(
        HistogramSelection.Type.QUANTILES,
        schema
            .getFeature(0)
            .getDriftComparator()
            .getJensenShannonDivergence()
            .getSource()
            .getType());
    assertEquals(8, schema.getFeature(1).getFloatDomain().getEmbeddingDim());
    assertEquals(
        TimeDomain.IntegerTimeFormat.UNIX_SECONDS,
        schema.getFeature(2).getTimeDomain().getIntegerFormat());
    assertEquals(
        8,
        schema
            .getTensorRepresentationGroupOrThrow("")
            .getTensorRepresentationOrThrow("emb")
            .getDenseTensor()
            .getShape()
            .getDim(0)
            .getSize());
  }

  @Test
  void anomaliesRoundTrip() throws Exception {
    Anomalies anomalies =
        Anomalies.newBuilder()
            .setBaseline(Schema.newBuilder().addFeature(Feature.newBuilder().setName("fare")))
            .setAnomalyNameFormat(Anomalies.AnomalyNameFormat.SERIALIZED_PATH)
            .putAnomalyInfo(
                "fare",
                AnomalyInfo.newBuilder()
                    .setPath(Path.newBuilder().addStep("fare"))
                    .setSeverity(AnomalyInfo.Severity.ERROR)
                    .setShortDescription("Out-of-range values")
                    .addReason(
                        AnomalyInfo.Reason.newBuilder()
                            .setType(AnomalyInfo.Type.FLOAT_TYPE_BIG_FLOAT)
                            .setShortDescription("Out-of-range values"))
                    .build())
            .addDriftSkewInfo(
                DriftSkewInfo.newBuilder()
                    .setPath(Path.newBuilder().addStep("payment_type"))
                    .addSkewMeasurements(
                        DriftSkewInfo.Measurement.newBuilder()
                            .setType(DriftSkewInfo.Measurement.Type.L_INFTY)
                            .setValue(0.02)
                            .setThreshold(0.01)))
            .build();
    assertEquals(anomalies, Anomalies.parseFrom(anomalies.toByteArray()));
    Anomalies.Builder fromText = Anomalies.newBuilder();
    TextFormat.getParser().merge(TextFormat.printer().printToString(anomalies), fromText);
    assertEquals(anomalies, fromText.build());
    assertEquals(AnomalyInfo.Type.UNKNOWN_TYPE, AnomalyInfo.Reason.getDefaultInstance().getType());
  }

  private static int number(Descriptor message, String field) {
    return message.findFieldByName(field).getNumber();
  }

  @Test
  void fieldNumbersMatchUpstream() {
    assertEquals(8, number(CommonStatistics.getDescriptor(), "tot_num_values"));
    assertEquals(10, number(CommonStatistics.getDescriptor(), "presence_and_valency_stats"));
    assertEquals(4, number(DatasetFeatureStatistics.getDescriptor(), "weighted_num_examples"));
    assertEquals(8, number(FeatureNameStatistics.getDescriptor(), "path"));
    assertEquals(7, number(FeatureNameStatistics.getDescriptor(), "struct_stats"));
    assertEquals(4, number(Histogram.Bucket.getDescriptor(), "sample_count"));
    assertEquals(5, number(RankHistogram.Bucket.getDescriptor(), "sample_count"));
    assertEquals(18, number(Feature.getDescriptor(), "skew_comparator"));
    assertEquals(21, number(Feature.getDescriptor(), "drift_comparator"));
    assertEquals(23, number(Feature.getDescriptor(), "shape"));
    assertEquals(14, number(Feature.getDescriptor(), "presence"));
    assertEquals(32, number(Feature.getDescriptor(), "value_counts"));
    assertEquals(13, number(Schema.getDescriptor(), "tensor_representation_group"));
    assertEquals(9, number(Anomalies.getDescriptor(), "drift_skew_info"));
    assertEquals(2, number(Anomalies.getDescriptor(), "anomaly_info"));
    assertEquals(63, AnomalyInfo.Type.COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH.getNumber());
    assertEquals(86, AnomalyInfo.Type.CUSTOM_VALIDATION.getNumber());
    assertEquals(2, FeatureType.INT.getNumber());
    assertEquals(2, FeatureNameStatistics.Type.STRING.getNumber());
    assertEquals(9, LifecycleStage.VALIDATION_DERIVED.getNumber());
    assertEquals("tensorflow.metadata.v0.Schema", Schema.getDescriptor().getFullName());
  }
}
