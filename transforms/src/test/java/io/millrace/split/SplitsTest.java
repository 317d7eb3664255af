package io.millrace.split;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureSpec;
import io.millrace.record.FeatureType;
import io.millrace.testing.TestPipelineExtension;
import io.millrace.transforms.SplitExamples;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestPipelineExtension.class)
class SplitsTest {
  private static final ExampleSchema SCHEMA =
      ExampleSchema.of(
          FeatureSpec.of("user", FeatureType.BYTES), FeatureSpec.of("n", FeatureType.INT));

  private static List<Example> examples(int count) {
    List<Example> examples = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      examples.add(SCHEMA.newExample().setString(0, "user" + (i % 50)).setInt64s(1, i).build());
    }
    return examples;
  }

  @Test
  void splitsInTheRatioOfBucketsAndAgainTheSameWay() {
    Splits.Assigner assigner = Splits.trainEval().assigner(SCHEMA);
    Splits.Assigner another = Splits.trainEval().assigner(SCHEMA);
    int[] counts = new int[2];
    for (Example e : examples(30_000)) {
      int split = assigner.assign(e);
      assertEquals(split, another.assign(e));
      counts[split]++;
    }
    // 2:1 within 2% of the total
    assertEquals(20_000, counts[0], 600);
    assertEquals(10_000, counts[1], 600);
  }

  @Test
  void hashingOnAFeatureKeepsEachKeyInOneSplit() {
    Splits.Assigner assigner = Splits.parse("a=1,b=1,c=1").hashedOn("user").assigner(SCHEMA);
    Map<String, Integer> splitOfUser = new HashMap<>();
    for (Example e : examples(5_000)) {
      String user = new String(e.bytes(0)[0]);
      int split = assigner.assign(e);
      assertEquals(split, (int) splitOfUser.computeIfAbsent(user, u -> split));
    }
    assertEquals(3, splitOfUser.values().stream().distinct().count());
  }

  @Test
  void rejectsBadSpecsAndFloatKeys() {
    assertThrows(IllegalArgumentException.class, () -> Splits.parse("train=2,eval"));
    assertThrows(IllegalArgumentException.class, () -> Splits.parse("train=0"));
    assertThrows(IllegalArgumentException.class, () -> Splits.parse("a=1,a=2"));
    ExampleSchema floats = ExampleSchema.of(FeatureSpec.of("x", FeatureType.FLOAT));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Splits.trainEval().hashedOn("x").validate(floats));
    assertTrue(e.getMessage().contains("FLOAT"));
  }

  @Test
  void splitExamplesAgreesWithTheAssigner(TestPipeline pipeline) {
    List<Example> all = examples(2_000);
    Splits splits = Splits.trainEval();
    Splits.Assigner assigner = splits.assigner(SCHEMA);
    List<Example> train = new ArrayList<>();
    List<Example> eval = new ArrayList<>();
    all.forEach(e -> (assigner.assign(e) == 0 ? train : eval).add(e));

    PCollectionList<Example> parts =
        pipeline
            .apply(Create.of(all).withCoder(io.millrace.transforms.coders.ExampleCoder.of(SCHEMA)))
            .apply(SplitExamples.into(splits));
    PCollection<Example> trainOut = parts.get(0);
    PAssert.that(trainOut).containsInAnyOrder(train);
    PAssert.that(parts.get(1)).containsInAnyOrder(eval);
    pipeline.run().waitUntilFinish();
  }
}
