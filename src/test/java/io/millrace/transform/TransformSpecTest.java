package io.millrace.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What a transform definition may say: each parameter known, typed and within its bounds. */
class TransformSpecTest {

  private static String refused(String step) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TransformSpec.fromJson("{\"steps\": [" + step + "]}"));
    return e.getMessage();
  }

  private static void says(String message, String... parts) {
    for (String part : parts) {
      assertTrue(message.contains(part), "'" + part + "' not in: " + message);
    }
  }

  @Test
  void sizesAreBoundedInsteadOfEndingInOutOfMemory() {
    says(
        refused(
            "{\"output\": \"x\", \"kind\": \"HASHED_CROSS\", \"inputs\": [\"a\", \"b\"],"
                + " \"params\": {\"num_buckets\": 2000000000}}"),
        "x: HASHED_CROSS parameter 'num_buckets'",
        "16,777,216",
        "2000000000");
    says(
        refused(
            "{\"output\": \"h\", \"kind\": \"HASH_STRINGS\", \"inputs\": [\"a\"],"
                + " \"params\": {\"num_buckets\": 20000000000}}"),
        "'num_buckets'");
    says(
        refused(
            "{\"output\": \"v\", \"kind\": \"COMPUTE_AND_APPLY_VOCABULARY\", \"inputs\": [\"a\"],"
                + " \"params\": {\"num_oov_buckets\": 100000000}}"),
        "'num_oov_buckets'");
    says(
        refused(
            "{\"output\": \"v\", \"kind\": \"COMPUTE_AND_APPLY_VOCABULARY\", \"inputs\": [\"a\"],"
                + " \"params\": {\"top_k\": 100000000}}"),
        "'top_k'");
    says(
        refused(
            "{\"output\": \"v\", \"kind\": \"COMPUTE_AND_APPLY_VOCABULARY\", \"inputs\": [\"a\"],"
                + " \"params\": {\"top_k\": 100000, \"one_hot\": true}}"),
        "one-hot");
    says(
        refused(
            "{\"output\": \"b\", \"kind\": \"BUCKETIZE\", \"inputs\": [\"a\"],"
                + " \"params\": {\"num_buckets\": 2000000000}}"),
        "'num_buckets'",
        "65,536");
  }

  @Test
  void parametersAreKnownAndTyped() {
    says(
        refused(
            "{\"output\": \"h\", \"kind\": \"HASH_STRINGS\", \"inputs\": [\"a\"],"
                + " \"params\": {\"num_buckets\": 10, \"num_bucket\": 100}}"),
        "'num_bucket'",
        "[num_buckets]");
    says(
        refused(
            "{\"output\": \"h\", \"kind\": \"HASH_STRINGS\", \"inputs\": [\"a\"],"
                + " \"params\": {\"num_buckets\": \"ten\"}}"),
        "whole number");
    says(
        refused(
            "{\"output\": \"h\", \"kind\": \"HASH_STRINGS\", \"inputs\": [\"a\"],"
                + " \"params\": {\"num_buckets\": 2.5}}"),
        "whole number");
    says(
        refused(
            "{\"output\": \"z\", \"kind\": \"SCALE_TO_Z_SCORE\", \"inputs\": [\"a\"],"
                + " \"params\": {\"fill\": \"median\"}}"),
        "'fill'");
    says(
        refused(
            "{\"output\": \"c\", \"kind\": \"CLIP\", \"inputs\": [\"a\"],"
                + " \"params\": {\"min\": 5, \"max\": 1}}"),
        "min <= max");
    says(
        refused(
            "{\"output\": \"v\", \"kind\": \"COMPUTE_AND_APPLY_VOCABULARY\", \"inputs\": [\"a\"],"
                + " \"params\": {\"default_value\": 100000000000}}"),
        "'default_value'");
  }

  @Test
  void aKeyGivenTwiceIsAnError() {
    says(
        refused(
            "{\"output\": \"h\", \"kind\": \"HASH_STRINGS\", \"inputs\": [\"a\"],"
                + " \"params\": {\"num_buckets\": 10, \"num_buckets\": 1000}}"),
        "Duplicate field 'num_buckets'");
  }

  @Test
  void anExpressionReadsTheFeaturesItNamesInOrder() {
    // The runtime reads the expression's features from its inputs by position: a different order
    // would compare fare with 0.2 * tips.
    says(
        refused(
            "{\"output\": \"big\", \"kind\": \"EXPRESSION\", \"inputs\": [\"fare\", \"tips\"],"
                + " \"params\": {\"expression\": \"tips > 0.2 * fare\"}}"),
        "[tips, fare]");
    says(
        refused(
            "{\"output\": \"big\", \"kind\": \"EXPRESSION\", \"inputs\": [\"tips\"],"
                + " \"params\": {\"expression\": \"tips > 0.2 * fare\"}}"),
        "[tips, fare]");
  }

  @Test
  void theBuildersDefinitionsAndTheShippedOnesPass() throws Exception {
    TransformSpec built = TransformTestData.EVERY_KIND;
    assertEquals(built.toJson(), TransformSpec.fromJson(built.toJson()).toJson());
    for (String example : new String[] {"taxi", "penguins"}) {
      TransformSpec.read(java.nio.file.Path.of("..", "examples", example, "transform.json"));
    }
  }

  @Test
  void theOutputSchemaIsKnownBeforeTheFitAndIsTheFittedOne() {
    for (boolean oneHot : new boolean[] {false, true}) {
      TransformSpec spec =
          oneHot
              ? TransformTestData.EVERY_KIND
              : TransformSpec.builder()
                  .passthrough("n_raw", "n")
                  .passthrough("x_raw", "x")
                  .expression("ratio", "x / n")
                  .expression("big", "x > n")
                  .vocabulary("color_id", "color", TransformSpec.VocabularyOptions.defaults())
                  .build();
      TransformAnalyzer analyzer = TransformAnalyzer.create(spec, TransformTestData.RAW);
      TransformTestData.records(1, 500, false).forEach(analyzer::add);
      assertEquals(
          analyzer.fit("").outputSchema(), spec.outputSchema(TransformTestData.RAW), spec.toJson());
    }
  }

  @Test
  void theOutputSchemaOfRecordsLackingAnInputIsRefused() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TransformTestData.EVERY_KIND.outputSchema(
                    io.millrace.record.ExampleSchema.of(
                        io.millrace.record.FeatureSpec.of(
                            "x", io.millrace.record.FeatureType.FLOAT))));
    assertTrue(e.getMessage().contains("no feature named 'n'"), e.getMessage());
  }
}
