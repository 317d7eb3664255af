package io.millrace.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureSpec;
import io.millrace.record.FeatureType;
import java.util.List;
import org.junit.jupiter.api.Test;

class SliceKeysTest {
  private static final ExampleSchema SCHEMA =
      ExampleSchema.of(
          FeatureSpec.of("a", FeatureType.BYTES), FeatureSpec.of("h", FeatureType.INT));
  private static final List<List<String>> DEFINITIONS =
      List.of(List.of("a"), List.of("h"), List.of("a", "h"));

  @Test
  void sliceKeysCoverEveryValueAndCross() {
    Example record = SCHEMA.newExample().setString(0, "x").setInt64s(1, 3, 4).build();
    assertEquals(
        List.of("a=x", "h=3", "h=4", "a=x,h=3", "a=x,h=4"), SliceKeys.of(record, DEFINITIONS));
  }

  @Test
  void aMissingFeatureIsInNoSliceOfItsDefinitions() {
    Example missing = SCHEMA.newExample().setString(0, "x").build();
    assertEquals(List.of("a=x"), SliceKeys.of(missing, DEFINITIONS));
  }
}
