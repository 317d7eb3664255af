package io.millrace.transforms.coders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureSpec;
import io.millrace.record.FeatureType;
import java.io.ByteArrayOutputStream;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;

class ExampleCoderTest {
  private static final ExampleSchema SCHEMA =
      ExampleSchema.of(
          FeatureSpec.of("id", FeatureType.INT),
          FeatureSpec.of("score", FeatureType.FLOAT),
          FeatureSpec.of("tags", FeatureType.BYTES));

  @Test
  void roundTripsMissingEmptyAndMultivalentFeatures() throws Exception {
    ExampleCoder coder = ExampleCoder.of(SCHEMA);
    Example[] examples = {
      SCHEMA
          .newExample()
          .setInt64s(0, Long.MIN_VALUE, -1, 0, Long.MAX_VALUE)
          .setFloats(1, Double.NaN, -0.0, Double.NEGATIVE_INFINITY, 1e-300)
          .setBytes(2, new byte[0], "naïve".getBytes("UTF-8"), new byte[] {(byte) 0xff})
          .build(),
      SCHEMA.newExample().build(),
      SCHEMA.newExample().setInt64s(0).setFloats(1).setBytes(2).build()
    };
    for (Example example : examples) {
      CoderProperties.coderDecodeEncodeEqual(coder, example);
      CoderProperties.coderDeterministic(coder, example, example);
      CoderProperties.coderSerializable(coder);
    }
  }

  @Test
  void missingAndEmptyEncodeDifferently() throws Exception {
    Coder<Example> coder = ExampleCoder.of(SCHEMA);
    Example missing = SCHEMA.newExample().build();
    Example empty = SCHEMA.newExample().setInt64s(0).build();
    assertNotEquals(missing, empty);
    assertNotEquals(
        new String(CoderUtils.encodeToByteArray(coder, missing), "ISO-8859-1"),
        new String(CoderUtils.encodeToByteArray(coder, empty), "ISO-8859-1"));
    assertEquals(
        empty, CoderUtils.decodeFromByteArray(coder, CoderUtils.encodeToByteArray(coder, empty)));
  }

  @Test
  void rejectsExamplesOfAnotherSchema() {
    ExampleSchema other = ExampleSchema.of(FeatureSpec.of("id", FeatureType.FLOAT));
    Example example = other.newExample().setFloats(0, 1.0).build();
    assertThrows(
        IllegalArgumentException.class,
        () -> ExampleCoder.of(SCHEMA).encode(example, new ByteArrayOutputStream()));
  }

  @Test
  void builderRejectsValuesOfTheWrongType() {
    assertThrows(IllegalArgumentException.class, () -> SCHEMA.newExample().setFloats(0, 1.0));
    assertThrows(
        IllegalArgumentException.class, () -> SCHEMA.newExample().setRaw(2, new long[] {1}));
  }
}
