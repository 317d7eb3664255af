package io.millrace.transform;

import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureSpec;
import io.millrace.record.FeatureType;
import io.millrace.transform.TransformSpec.VocabularyOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The generic no-skew property's inputs, shared by every path's test (pipeline, runtime, TensorFlow
 * graph): one step of every kind, and random records with missing values, unseen strings, values
 * beyond the training range and extreme magnitudes.
 */
public final class TransformTestData {
  private TransformTestData() {}

  public static final ExampleSchema RAW =
      ExampleSchema.of(
          FeatureSpec.of("x", FeatureType.FLOAT),
          FeatureSpec.of("n", FeatureType.INT),
          FeatureSpec.of("color", FeatureType.BYTES),
          FeatureSpec.of("city", FeatureType.BYTES));

  /** One step of every kind. */
  public static final TransformSpec EVERY_KIND =
      TransformSpec.builder()
          .zScore("x_z", "x")
          .scaleTo01("x_01", "x")
          .scaleByMinMax("n_mm", "n", -1, 1)
          .bucketize("x_bucket", "x", 7)
          .log1p("n_log", "n")
          .fillMissingWith(0)
          .clip("x_clip", "x", -2, 2)
          .passthrough("n_raw", "n")
          .vocabulary(
              "color_id", "color", VocabularyOptions.defaults().withTopK(5).withNumOovBuckets(3))
          .vocabulary("city_id", "city", VocabularyOptions.defaults().withFrequencyThreshold(20))
          .vocabulary("color_one_hot", "color", VocabularyOptions.defaults().withNumOovBuckets(2))
          .oneHot()
          .hashStrings("city_hash", "city", 50)
          .hashedCross("color_x_n", "color", "n", 30)
          .expression("label", "x > 0.5 * n and not (n == 3)")
          .expression("ratio", "(x + 1) / (n - 2)")
          .build();

  /**
   * Random records; {@code wild} adds unseen strings, NaN and huge values. Wild integers stay
   * within 2^53, where the graph's float64 input holds them exactly.
   */
  public static List<Example> records(long seed, int count, boolean wild) {
    Random random = new Random(seed);
    String[] colors = {"red", "green", "blue", "cyan", "magenta", "yellow", "black", ""};
    List<Example> examples = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Example.Builder b = RAW.newExample();
      double x = random.nextGaussian() * 3;
      if (wild && random.nextInt(10) == 0) {
        x = random.nextBoolean() ? 1e300 * random.nextGaussian() : Double.NaN;
      }
      if (random.nextInt(15) == 0) {
        b.setMissing(0);
      } else {
        b.setFloats(0, x);
      }
      long n =
          wild && random.nextInt(10) == 0
              ? random.nextLong() >> 10 // |n| <= 2^53
              : random.nextInt(10);
      if (random.nextInt(20) == 0) {
        b.setMissing(1);
      } else {
        b.setInt64s(1, n);
      }
      String color =
          wild && random.nextInt(5) == 0
              ? "unseen-" + random.nextInt(1000)
              : colors[random.nextInt(colors.length)];
      b.setBytes(2, color.getBytes(StandardCharsets.UTF_8));
      if (random.nextInt(12) == 0) {
        b.setMissing(3);
      } else {
        b.setString(3, "city" + (int) Math.abs(random.nextGaussian() * 10));
      }
      examples.add(b.build());
    }
    return examples;
  }
}
