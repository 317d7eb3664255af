package io.millrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.millrace.ingest.FormatOptions;
import io.millrace.record.FeatureType;
import io.millrace.schema.InferenceOptions;
import io.millrace.stats.StatisticsOptions;
import io.millrace.tfmd.AnomalyInfo;
import io.millrace.tfmd.DatasetFeatureStatistics;
import io.millrace.validate.ValidationOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The option records of the core: a record built directly is held to the rules its withers enforce,
 * and one shipped inside a DoFn (Java serialization) arrives equal.
 */
class OptionRecordsTest {
  @Test
  void theCanonicalConstructorsEnforceTheRules() {
    StatisticsOptions d = StatisticsOptions.defaults();
    assertThrows(IllegalArgumentException.class, () -> d.withTopK(0));
    assertThrows(
        IllegalArgumentException.class,
        () -> new StatisticsOptions(20, 0, 10, 400, 100_000, 1000, null, List.of()));
    assertThrows(
        IllegalArgumentException.class,
        () -> new StatisticsOptions(20, 1000, 10, 7, 100_000, 1000, null, List.of()));
    assertThrows(
        IllegalArgumentException.class,
        () -> new StatisticsOptions(20, 1000, 10, 400, 100_000, 1000, null, List.of(List.of())));
    assertThrows(IllegalArgumentException.class, () -> d.withSlice());
    assertThrows(NullPointerException.class, () -> d.withWeightFeature(null));

    assertThrows(
        IllegalArgumentException.class, () -> new FormatOptions(',', Map.of(), Set.of(), 0));
    assertEquals(Set.of(""), new FormatOptions(',', Map.of(), Set.of(), 1).missingValues());
    assertEquals(
        List.of("NA", ""),
        List.copyOf(FormatOptions.defaults().withMissingValues(Set.of("NA")).missingValues()));

    assertThrows(IllegalArgumentException.class, () -> new InferenceOptions(-1, 100, false, false));
    assertThrows(
        IllegalArgumentException.class,
        () -> InferenceOptions.defaults().withCategoricalIntMaxValues(-1));
  }

  @Test
  void withersReplaceOneComponent() {
    StatisticsOptions sliced =
        StatisticsOptions.defaults().withTopK(5).withSlice("a").withSlice("a", "b");
    assertEquals(5, sliced.topK());
    assertEquals(List.of(List.of("a"), List.of("a", "b")), sliced.slices());
    assertEquals(StatisticsOptions.defaults().histogramBuckets(), sliced.histogramBuckets());

    ValidationOptions v =
        ValidationOptions.defaults()
            .withEnvironment("SERVING")
            .withSeverity(AnomalyInfo.Type.SCHEMA_NEW_COLUMN, AnomalyInfo.Severity.WARNING);
    assertEquals("SERVING", v.environment());
    assertEquals(AnomalyInfo.Severity.WARNING, v.severity(AnomalyInfo.Type.SCHEMA_NEW_COLUMN));
    assertEquals(
        AnomalyInfo.Severity.ERROR,
        v.severity(AnomalyInfo.Type.ENUM_TYPE_UNEXPECTED_STRING_VALUES));
  }

  @Test
  void optionsSurviveJavaSerializationAsADoFnShipsThem() throws Exception {
    List<Object> options =
        List.of(
            StatisticsOptions.defaults().withSlice("payment_type").withWeightFeature("w"),
            FormatOptions.defaults()
                .withDelimiter(';')
                .withFeatureTypes(Map.of("fare", FeatureType.FLOAT))
                .withMissingValues(Set.of("NA")),
            InferenceOptions.defaults().withInferFeatureShape(true),
            ValidationOptions.defaults()
                .withPreviousSpan(
                    DatasetFeatureStatistics.newBuilder().setName("x").setNumExamples(3).build())
                .withSeverity(AnomalyInfo.Type.SCHEMA_NEW_COLUMN, AnomalyInfo.Severity.WARNING));
    for (Object o : options) {
      assertEquals(o, roundTrip(o), o.getClass().getSimpleName());
    }
  }

  private static Object roundTrip(Object o) throws IOException, ClassNotFoundException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(o);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return in.readObject();
    }
  }
}
