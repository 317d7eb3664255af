package io.millrace.schema;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.TextFormat;
import io.millrace.tfmd.Feature;
import io.millrace.tfmd.FeatureComparator;
import io.millrace.tfmd.InfinityNorm;
import io.millrace.tfmd.Schema;
import io.millrace.validate.TaxiData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaFilesTest {
  @TempDir Path dir;

  private static String resource(String name) throws IOException {
    try (InputStream in = SchemaFilesTest.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static int featureIndex(Schema schema, String name) {
    for (int i = 0; i < schema.getFeatureCount(); i++) {
      if (schema.getFeature(i).getName().equals(name)) {
        return i;
      }
    }
    throw new AssertionError("no feature " + name);
  }

  @Test
  void inferredSchemaSurvivesHandEditing() throws Exception {
    Schema inferred = SchemaInference.defaults().infer(TaxiData.train().statistics());
    Path file = dir.resolve("schema.pbtxt");
    SchemaFiles.write(inferred, file);
    String written = Files.readString(file);
    assertTrue(written.startsWith("# "), written);
    assertEquals(SchemaFiles.toText(inferred), written);
    assertEquals(inferred, SchemaFiles.read(file));

    // What a curator does in an editor: environments, a label kept out of serving, a comparator,
    // a tolerated share of unknown companies, and comments of their own.
    String edited =
        "# Curated by hand.\n"
            + written
                .replace(
                    "  name: \"tips\"\n",
                    "  name: \"tips\"\n  not_in_environment: \"SERVING\"  # the label\n")
                .replace(
                    "  name: \"company\"\n  value_count",
                    "  name: \"company\"\n"
                        + "  distribution_constraints { min_domain_mass: 0.9 }\n"
                        + "  drift_comparator { infinity_norm { threshold: 0.001 } }\n"
                        + "  value_count")
            + "default_environment: \"TRAINING\"\n"
            + "default_environment: \"SERVING\"\n";
    Files.writeString(file, edited);
    Schema curated = SchemaFiles.read(file);

    Schema.Builder expected = inferred.toBuilder();
    Feature.Builder tips = expected.getFeatureBuilder(featureIndex(inferred, "tips"));
    tips.addNotInEnvironment("SERVING");
    Feature.Builder company = expected.getFeatureBuilder(featureIndex(inferred, "company"));
    company.getDistributionConstraintsBuilder().setMinDomainMass(0.9);
    company.setDriftComparator(
        FeatureComparator.newBuilder()
            .setInfinityNorm(InfinityNorm.newBuilder().setThreshold(0.001)));
    expected.addDefaultEnvironment("TRAINING").addDefaultEnvironment("SERVING");
    assertEquals(expected.build(), curated);

    // Written again: exactly the print of the parsed message (comments do not survive).
    Path again = dir.resolve("again.pbtxt");
    SchemaFiles.write(curated, again);
    assertArrayEquals(
        SchemaFiles.toText(curated).getBytes(StandardCharsets.UTF_8), Files.readAllBytes(again));
    assertEquals(curated, SchemaFiles.read(again));
    SchemaFiles.write(SchemaFiles.read(again), again);
    assertArrayEquals(
        SchemaFiles.toText(curated).getBytes(StandardCharsets.UTF_8), Files.readAllBytes(again));
  }

  @Test
  void readsAndRewritesTfdvsOwnSchema() throws Exception {
    Path file = dir.resolve("tfdv.pbtxt");
    Files.writeString(file, resource("/tfmd/tfdv_taxi_schema.pbtxt"));
    Schema schema = SchemaFiles.read(file);

    assertEquals(List.of("TRAINING", "SERVING"), schema.getDefaultEnvironmentList());
    Feature company = schema.getFeature(featureIndex(schema, "company"));
    assertEquals(0.9, company.getDistributionConstraints().getMinDomainMass());
    assertEquals(0.01, company.getSkewComparator().getInfinityNorm().getThreshold());
    assertEquals(0.001, company.getDriftComparator().getInfinityNorm().getThreshold());
    Feature payment = schema.getFeature(featureIndex(schema, "payment_type"));
    assertEquals(0.01, payment.getDriftComparator().getJensenShannonDivergence().getThreshold());
    assertEquals(
        List.of("SERVING"),
        schema.getFeature(featureIndex(schema, "tips")).getNotInEnvironmentList());
    assertEquals(1, payment.getShape().getDim(0).getSize());

    Path rewritten = dir.resolve("rewritten.pbtxt");
    SchemaFiles.write(schema, rewritten);
    assertEquals(schema, SchemaFiles.read(rewritten));
    assertEquals(
        SchemaFiles.HEADER + TextFormat.printer().escapingNonAscii(false).printToString(schema),
        Files.readString(rewritten));
  }

  @Test
  void writesAtomicallyOverAnExistingFileLeavingNoTemporaries() throws Exception {
    Path file = dir.resolve("nested/schema.pbtxt");
    Schema first = SchemaFiles.parse("feature { name: \"a\" type: INT }");
    Schema second = SchemaFiles.parse("feature { name: \"b\" type: FLOAT }");
    SchemaFiles.write(first, file);
    SchemaFiles.write(second, file);
    assertEquals(second, SchemaFiles.read(file));
    try (Stream<Path> files = Files.list(file.getParent())) {
      assertEquals(List.of(file), files.toList());
    }
  }

  @Test
  void keepsNonAsciiTextReadable() throws Exception {
    Schema schema =
        SchemaFiles.parse("string_domain { name: \"city\" value: \"Zürich\" value: \"東京\" }");
    Path file = dir.resolve("schema.pbtxt");
    SchemaFiles.write(schema, file);
    assertTrue(Files.readString(file).contains("\"Zürich\""));
    assertEquals(schema, SchemaFiles.read(file));
  }

  @Test
  void rejectsTextThatIsNotASchema() throws Exception {
    Path file = dir.resolve("bad.pbtxt");
    Files.writeString(file, "feature { nme: \"a\" }");
    IOException e = assertThrows(IOException.class, () -> SchemaFiles.read(file));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }
}
