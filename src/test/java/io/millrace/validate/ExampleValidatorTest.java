package io.millrace.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.TextFormat;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureSpec;
import io.millrace.record.FeatureType;
import io.millrace.schema.SchemaFiles;
import io.millrace.schema.SchemaInference;
import io.millrace.tfmd.Schema;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ExampleValidatorTest {
  private static final ExampleSchema RECORDS =
      ExampleSchema.of(
          FeatureSpec.of("payment_type", FeatureType.BYTES),
          FeatureSpec.of("trip_miles", FeatureType.FLOAT),
          FeatureSpec.of("fare", FeatureType.FLOAT),
          FeatureSpec.of("hour", FeatureType.INT),
          FeatureSpec.of("tips", FeatureType.FLOAT),
          FeatureSpec.of("flag", FeatureType.INT),
          FeatureSpec.of("count", FeatureType.FLOAT),
          FeatureSpec.of("extra", FeatureType.BYTES));

  private static final String SCHEMA =
      "feature { name: 'payment_type' type: BYTES domain: 'payment_type'"
          + "  presence { min_fraction: 1.0 min_count: 1 } value_count { min: 1 max: 1 } }"
          + "feature { name: 'trip_miles' type: FLOAT value_count { min: 1 max: 1 } }"
          + "feature { name: 'fare' type: FLOAT"
          + "  float_domain { min: 0 max: 700.07 disallow_nan: true disallow_inf: true } }"
          + "feature { name: 'hour' type: INT int_domain { min: 0 max: 23 is_categorical: true } }"
          + "feature { name: 'tips' type: FLOAT presence { min_fraction: 1.0 min_count: 1 }"
          + "  not_in_environment: 'SERVING' }"
          + "feature { name: 'flag' type: INT bool_domain { } }"
          + "feature { name: 'count' type: INT }"
          + "string_domain { name: 'payment_type' value: 'Cash' value: 'Credit Card' }"
          + "default_environment: 'TRAINING' default_environment: 'SERVING'";

  private static Schema schema() throws TextFormat.ParseException {
    return SchemaFiles.parse(SCHEMA);
  }

  /** A record that conforms, to be spoiled one feature at a time. */
  private static Example.Builder good() {
    return RECORDS
        .newExample()
        .setString(0, "Cash")
        .setFloats(1, 1.5)
        .setFloats(2, 12.25)
        .setInt64s(3, 23)
        .setFloats(4, 0.0)
        .setInt64s(5, 1);
  }

  @Test
  void aConformingRecordHasNoViolations() throws Exception {
    ExampleValidator validator = ExampleValidator.of(schema(), RECORDS, "TRAINING");
    assertEquals(List.of(), validator.violations(good().build()));
    // The float32 bound itself is within range, although 700.07 is not exactly representable.
    assertEquals(List.of(), validator.violations(good().setFloats(2, 700.07).build()));
  }

  @Test
  void reportsEachKindOfViolation() throws Exception {
    ExampleValidator validator = ExampleValidator.of(schema(), RECORDS, "TRAINING");
    Map<Example, List<String>> cases =
        Map.of(
            good().setString(0, "Prcard").build(),
            List.of("payment_type: value \"Prcard\" not in domain payment_type"),
            good().setMissing(4).build(),
            List.of("tips: missing (required in TRAINING)"),
            good().setFloats(1, 1, 2, 3).build(),
            List.of("trip_miles: 3 values, schema allows at most 1"),
            good().setFloats(1).build(),
            List.of("trip_miles: 0 values, schema requires at least 1"),
            good().setFloats(2, -3.0).build(),
            List.of("fare: -3.0 below min 0.0"),
            good().setFloats(2, Double.NaN).build(),
            List.of("fare: NaN not allowed"),
            good().setFloats(2, Double.POSITIVE_INFINITY).build(),
            List.of("fare: Infinity not allowed", "fare: Infinity above max 700.07"),
            good().setInt64s(3, 24).build(),
            List.of("hour: 24 above max 23"),
            good().setInt64s(5, 2).build(),
            List.of("flag: 2 not in {0, 1}"),
            good().setString(7, "surprise").build(),
            List.of("extra: not in schema"));
    cases.forEach((example, expected) -> assertEquals(expected, validator.violations(example)));

    assertEquals(
        List.of("count: FLOAT values, schema type is INT"),
        validator.violations(good().setFloats(6, 2.0).build()));
    assertEquals(
        List.of(
            "payment_type: missing (required in TRAINING)",
            "hour: -1 below min 0",
            "tips: missing (required in TRAINING)"),
        validator.violations(good().setMissing(0).setInt64s(3, -1).setMissing(4).build()));
  }

  @Test
  void environmentsDecideWhatIsRequired() throws Exception {
    Example withoutTips = good().setMissing(4).build();
    assertEquals(
        List.of(), ExampleValidator.of(schema(), RECORDS, "SERVING").violations(withoutTips));
    assertEquals(
        List.of("tips: missing (required)"),
        ExampleValidator.of(schema(), RECORDS, null).violations(withoutTips));
    assertEquals(
        List.of("tips: present, but not expected in SERVING"),
        ExampleValidator.of(schema(), RECORDS, "SERVING").violations(good().build()));
    assertThrows(
        IllegalArgumentException.class, () -> ExampleValidator.of(schema(), RECORDS, "STAGING"));
  }

  @Test
  void shapesNeedExactlyTheirSize() throws Exception {
    ExampleSchema records = ExampleSchema.of(FeatureSpec.of("shaped", FeatureType.INT));
    ExampleValidator validator =
        ExampleValidator.of(
            SchemaFiles.parse("feature { name: 'shaped' type: INT shape { dim { size: 2 } } }"),
            records,
            null);
    assertEquals(List.of(), validator.violations(records.newExample().setInt64s(0, 1, 2).build()));
    assertEquals(
        List.of("shaped: 1 values, shape requires exactly 2"),
        validator.violations(records.newExample().setInt64s(0, 1).build()));
  }

  @Test
  void minDomainMassToleratesOutsideValuesInAMultivalentRecord() throws Exception {
    Schema schema =
        SchemaFiles.parse(
            "feature { name: 'tags' type: BYTES string_domain { name: 'tags' value: 'a' }"
                + " distribution_constraints { min_domain_mass: 0.5 } }");
    ExampleSchema records = ExampleSchema.of(FeatureSpec.of("tags", FeatureType.BYTES));
    ExampleValidator validator = ExampleValidator.of(schema, records, null);
    assertEquals(
        List.of(),
        validator.violations(
            records
                .newExample()
                .setBytes(0, "a".getBytes(), "a".getBytes(), "b".getBytes())
                .build()));
    assertEquals(
        List.of("tags: value \"b\" not in domain tags", "tags: value \"c\" not in domain tags"),
        validator.violations(
            records
                .newExample()
                .setBytes(0, "a".getBytes(), "b".getBytes(), "c".getBytes())
                .build()));
  }

  @Test
  void survivesJavaSerialization() throws Exception {
    ExampleValidator validator = ExampleValidator.of(schema(), RECORDS, "TRAINING");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(validator);
    }
    ExampleValidator copy;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (ExampleValidator) in.readObject();
    }
    Example bad = good().setString(0, "Prcard").build();
    assertEquals(validator.violations(bad), copy.violations(bad));
    assertEquals(List.of(), copy.violations(good().build()));
  }

  @Test
  void rejectsRecordsOfAnotherLayout() throws Exception {
    ExampleValidator validator = ExampleValidator.of(schema(), RECORDS, null);
    ExampleSchema other = ExampleSchema.of(FeatureSpec.of("fare", FeatureType.FLOAT));
    assertThrows(
        IllegalArgumentException.class,
        () -> validator.violations(other.newExample().setFloats(0, 1.0).build()));
  }

  @Test
  void flagsExactlyTheEvalRecordsWithValuesTrainingNeverSaw() {
    TaxiData.Split train = TaxiData.train();
    TaxiData.Split eval = TaxiData.eval();
    Schema schema = SchemaInference.defaults().infer(train.statistics());
    ExampleValidator validator = ExampleValidator.of(schema, eval.schema(), null);
    Set<String> payments = train.distinct("payment_type");
    Set<String> companies = train.distinct("company");

    for (int i = 0; i < eval.examples().size(); i++) {
      Map<String, String> row = eval.rows().get(i);
      List<String> violations = validator.violations(eval.examples().get(i));
      List<String> expected = new java.util.ArrayList<>();
      if (!payments.contains(row.get("payment_type"))) {
        expected.add(
            "payment_type: value \"" + row.get("payment_type") + "\" not in domain payment_type");
      }
      if (!row.get("company").isEmpty() && !companies.contains(row.get("company"))) {
        expected.add("company: value \"" + row.get("company") + "\" not in domain company");
      }
      expected.sort(null);
      List<String> actual = new java.util.ArrayList<>(violations);
      actual.sort(null);
      assertEquals(expected, actual, "row " + i + ": " + row);
    }

    // Serving records lack the label: each is missing it unless told they are serving data.
    TaxiData.Split serving = TaxiData.serving();
    ExampleValidator anywhere = ExampleValidator.of(schema, serving.schema(), null);
    for (Example example : serving.examples()) {
      assertTrue(anywhere.violations(example).contains("tips: missing (required)"));
    }
  }
}
