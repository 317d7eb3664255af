package io.millrace.transforms.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.millrace.ingest.ExampleFormat;
import io.millrace.ingest.FormatOptions;
import io.millrace.split.Splits;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An input spec is one pattern divided by hash splits, or one pattern per split; never both. */
class InputSpecTest {
  @Test
  void theRulesHoldHoweverASpecIsBuilt() {
    FormatOptions options = FormatOptions.defaults();
    assertThrows(IllegalArgumentException.class, () -> InputSpec.ofSplits(Map.of()));
    assertThrows(
        IllegalArgumentException.class, () -> InputSpec.ofSplits(Map.of("../eval", "b/*.csv")));
    assertThrows(
        IllegalArgumentException.class,
        () -> InputSpec.ofSplits(Map.of("train", "a/*.csv")).withSplits(Splits.trainEval()));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new InputSpec("a/*.csv", Map.of("train", "b/*.csv"), null, null, null, options, null));
    assertThrows(
        IllegalArgumentException.class,
        () -> new InputSpec(null, Map.of(), null, null, null, options, null));
  }

  @Test
  void withersKeepTheOtherComponentsAndSpecsTravelInADoFn() throws Exception {
    InputSpec spec =
        InputSpec.of("data/span-{SPAN}/*.csv", Splits.trainEval())
            .withSpans(1, 3)
            .withFormat(ExampleFormat.CSV)
            .withFormatOptions(FormatOptions.defaults().withDelimiter(';'));
    assertEquals("data/span-{SPAN}/*.csv", spec.pattern());
    assertEquals(1L, spec.firstSpan());
    assertEquals(3L, spec.lastSpan());
    assertEquals(ExampleFormat.CSV, spec.format());
    assertEquals(';', spec.formatOptions().delimiter());

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(spec);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      InputSpec copy = (InputSpec) in.readObject();
      assertEquals(spec.pattern(), copy.pattern());
      assertEquals(spec.formatOptions(), copy.formatOptions());
      assertEquals(spec.firstSpan(), copy.firstSpan());
    }
  }
}
