package io.millrace.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureSpec;
import io.millrace.record.FeatureType;
import io.millrace.stats.StatisticsAccumulator;
import io.millrace.stats.StatisticsOptions;
import io.millrace.tfmd.DatasetFeatureStatistics;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.tfmd.Feature;
import io.millrace.tfmd.Schema;
import io.millrace.tfmd.StringDomain;
import io.millrace.validate.StatisticsValidator;
import io.millrace.validate.TaxiData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SchemaInferenceTest {

  private static Map<String, Feature> byName(Schema schema) {
    return schema.getFeatureList().stream()
        .collect(Collectors.toMap(Feature::getName, Function.identity()));
  }

  private static StringDomain domain(Schema schema, String name) {
    return schema.getStringDomainList().stream()
        .filter(d -> d.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void infersTaxiTrainingSchemaAsTfdvDoes() {
    TaxiData.Split train = TaxiData.train();
    Schema schema = SchemaInference.defaults().infer(train.statistics());
    Map<String, Feature> features = byName(schema);

    assertEquals(18, schema.getFeatureCount());
    List<String> names = schema.getFeatureList().stream().map(Feature::getName).toList();
    assertEquals(names.stream().sorted().toList(), names, "features in name order, as TFDV");

    Feature payment = features.get("payment_type");
    assertEquals(io.millrace.tfmd.FeatureType.BYTES, payment.getType());
    assertEquals("payment_type", payment.getDomain());
    assertEquals(1.0, payment.getPresence().getMinFraction());
    assertEquals(1, payment.getPresence().getMinCount());
    assertEquals(1, payment.getValueCount().getMin());
    assertEquals(1, payment.getValueCount().getMax());
    assertEquals(
        new ArrayList<>(train.distinct("payment_type")),
        domain(schema, "payment_type").getValueList());

    // Missing in a third of the rows: min_count only, no min_fraction to trip over next span.
    Feature company = features.get("company");
    assertTrue(train.column("company").size() < train.rows().size());
    assertFalse(company.getPresence().hasMinFraction());
    assertEquals(1, company.getPresence().getMinCount());
    assertEquals("company", company.getDomain());
    assertEquals(
        new ArrayList<>(train.distinct("company")), domain(schema, "company").getValueList());

    // Never filled in: present in no example, so nothing is required of it.
    Feature tract = features.get("pickup_census_tract");
    assertEquals(0, tract.getPresence().getMinCount());
    assertFalse(tract.hasValueCount());
    assertFalse(tract.hasDomain());

    for (String code :
        List.of(
            "trip_start_hour",
            "trip_start_day",
            "trip_start_month",
            "pickup_community_area",
            "dropoff_community_area")) {
      assertTrue(features.get(code).getIntDomain().getIsCategorical(), code);
      assertFalse(features.get(code).getIntDomain().hasMin(), code);
    }
    for (String quantity :
        List.of("trip_seconds", "trip_start_timestamp", "dropoff_census_tract")) {
      assertFalse(features.get(quantity).hasIntDomain(), quantity);
    }
    assertFalse(features.get("fare").hasFloatDomain());
    assertEquals(io.millrace.tfmd.FeatureType.FLOAT, features.get("fare").getType());
    assertFalse(schema.hasDatasetConstraints());
    assertEquals(0, schema.getDefaultEnvironmentCount());

    // The schema accepts the data it was inferred from.
    assertEquals(0, StatisticsValidator.validate(train.statistics(), schema).getAnomalyInfoCount());
  }

  @Test
  void infersRangesOnlyWhenAskedAndTheyAcceptTheirOwnData() {
    TaxiData.Split train = TaxiData.train();
    Schema schema =
        SchemaInference.create(InferenceOptions.defaults().withInferNumericRanges(true))
            .infer(train.statistics());
    Map<String, Feature> features = byName(schema);
    double maxFare =
        train.column("fare").stream().mapToDouble(Double::parseDouble).max().orElseThrow();
    assertEquals(0.0f, features.get("fare").getFloatDomain().getMin());
    assertEquals((float) maxFare, features.get("fare").getFloatDomain().getMax());
    assertEquals(0, features.get("trip_start_hour").getIntDomain().getMin());
    assertEquals(23, features.get("trip_start_hour").getIntDomain().getMax());
    assertTrue(features.get("trip_start_hour").getIntDomain().getIsCategorical());
    assertEquals(0, StatisticsValidator.validate(train.statistics(), schema).getAnomalyInfoCount());
  }

  @Test
  void stringDomainsOnlyUpToTheLimit() {
    TaxiData.Split train = TaxiData.train();
    int companies = train.distinct("company").size();
    Schema schema =
        SchemaInference.create(InferenceOptions.defaults().withMaxStringDomainSize(companies - 1))
            .infer(train.statistics());
    assertFalse(byName(schema).get("company").hasDomain());
    assertEquals("payment_type", byName(schema).get("payment_type").getDomain());
    assertEquals(1, schema.getStringDomainCount());
  }

  @Test
  void infersShapesForRequiredFixedValencyFeaturesWhenAsked() {
    Schema schema =
        SchemaInference.create(InferenceOptions.defaults().withInferFeatureShape(true))
            .infer(TaxiData.train().statistics());
    Map<String, Feature> features = byName(schema);
    assertEquals(1, features.get("payment_type").getShape().getDim(0).getSize());
    assertFalse(features.get("payment_type").hasValueCount());
    assertTrue(features.get("company").hasValueCount(), "sometimes missing: no shape");
  }

  private static DatasetFeatureStatistics statistics(ExampleSchema schema, List<Example> examples) {
    StatisticsAccumulator acc = StatisticsAccumulator.create(schema, StatisticsOptions.defaults());
    examples.forEach(acc::add);
    return acc.toProto().getDatasets(0);
  }

  @Test
  void integerIdentifiersAndSparseCodesAreNotCategorical() {
    ExampleSchema schema =
        ExampleSchema.of(
            FeatureSpec.of("id", FeatureType.INT),
            FeatureSpec.of("flag", FeatureType.INT),
            FeatureSpec.of("sparse_code", FeatureType.INT),
            FeatureSpec.of("constant", FeatureType.INT));
    List<Example> examples = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      examples.add(
          schema
              .newExample()
              .setInt64s(0, i)
              .setInt64s(1, i % 2)
              .setInt64s(2, (i % 10) * 1000)
              .setInt64s(3, 7)
              .build());
    }
    Map<String, Feature> features =
        byName(SchemaInference.defaults().infer(statistics(schema, examples)));
    assertFalse(features.get("id").hasIntDomain(), "one occurrence per value");
    assertTrue(features.get("flag").getIntDomain().getIsCategorical());
    assertFalse(features.get("sparse_code").hasIntDomain(), "10 values spread over 0..9000");
    assertFalse(features.get("constant").hasIntDomain(), "a single value");
    Map<String, Feature> none =
        byName(
            SchemaInference.create(InferenceOptions.defaults().withCategoricalIntMaxValues(0))
                .infer(statistics(schema, examples)));
    assertFalse(none.get("flag").hasIntDomain());
  }

  @Test
  void variableValencyGivesOnlyAMinimum() {
    ExampleSchema schema =
        ExampleSchema.of(
            FeatureSpec.of("tags", FeatureType.BYTES), FeatureSpec.of("empty", FeatureType.INT));
    List<Example> examples = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      byte[][] tags = new byte[1 + i % 3][];
      for (int t = 0; t < tags.length; t++) {
        tags[t] = ("t" + t).getBytes();
      }
      examples.add(schema.newExample().setBytes(0, tags).setInt64s(1, new long[i % 2]).build());
    }
    Map<String, Feature> features =
        byName(SchemaInference.defaults().infer(statistics(schema, examples)));
    assertEquals(1, features.get("tags").getValueCount().getMin());
    assertFalse(features.get("tags").getValueCount().hasMax());
    assertFalse(features.get("empty").hasValueCount(), "some lists are empty");
    assertEquals(1.0, features.get("empty").getPresence().getMinFraction());
  }

  @Test
  void infersFromTheDefaultSliceOfAList() {
    DatasetFeatureStatistics all = TaxiData.train().statistics();
    DatasetFeatureStatisticsList list =
        DatasetFeatureStatisticsList.newBuilder()
            .addDatasets(DatasetFeatureStatistics.newBuilder().setName("payment_type_Cash"))
            .addDatasets(all)
            .build();
    assertEquals(SchemaInference.defaults().infer(all), SchemaInference.defaults().infer(list));
    DatasetFeatureStatisticsList slicesOnly =
        DatasetFeatureStatisticsList.newBuilder()
            .addDatasets(DatasetFeatureStatistics.newBuilder().setName("a"))
            .addDatasets(DatasetFeatureStatistics.newBuilder().setName("b"))
            .build();
    assertThrows(
        IllegalArgumentException.class, () -> SchemaInference.defaults().infer(slicesOnly));
  }

  @Test
  void optionsAreImmutable() {
    InferenceOptions defaults = InferenceOptions.defaults();
    InferenceOptions changed = defaults.withMaxStringDomainSize(5).withInferNumericRanges(true);
    assertEquals(100, defaults.maxStringDomainSize());
    assertFalse(defaults.inferNumericRanges());
    assertEquals(5, changed.maxStringDomainSize());
    assertTrue(changed.inferNumericRanges());
    assertThrows(IllegalArgumentException.class, () -> defaults.withCategoricalIntMaxValues(-1));
  }
}
