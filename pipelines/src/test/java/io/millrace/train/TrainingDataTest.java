package io.millrace.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TrainingDataTest {

  @Test
  void epochOrderIsASeededPermutation() {
    TrainingData data = SyntheticData.generate(1000, 3, 5, 1L);
    int[] a = data.epochOrder(7L, 0);
    assertArrayEquals(a, data.epochOrder(7L, 0));
    assertFalse(Arrays.equals(a, data.epochOrder(7L, 1)));
    assertFalse(Arrays.equals(a, data.epochOrder(8L, 0)));
    int[] sorted = a.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < sorted.length; i++) {
      assertEquals(i, sorted[i]);
    }
  }

  @Test
  void epochBatchesDoNotDependOnTheOrderTheRowsWereReadIn() {
    TrainingData data = SyntheticData.generate(1000, 3, 5, 1L);
    // The same rows as another shard layout would hand them over: permuted.
    TrainingData permuted = SyntheticData.permuted(data, 99L);
    for (int epoch = 0; epoch < 2; epoch++) {
      TrainingData.Batch expected = data.batch(data.epochOrder(7L, epoch), 0, data.numRows());
      TrainingData.Batch actual =
          permuted.batch(permuted.epochOrder(7L, epoch), 0, permuted.numRows());
      assertArrayEquals(expected.features(), actual.features());
      assertArrayEquals(expected.labels(), actual.labels());
      assertArrayEquals(expected.ids()[0], actual.ids()[0]);
    }
  }

  @Test
  void batchCopiesRowsInOrder() {
    float[] x = {0, 1, 10, 11, 20, 21};
    float[] y = {0, 1, 0};
    TrainingData data = TrainingData.builder(x, 2, y).addIdColumn(new long[] {4, 5, 6}, 7).build();
    TrainingData.Batch batch = data.batch(new int[] {2, 0, 1}, 0, 2);
    assertEquals(2, batch.size());
    assertArrayEquals(new float[] {20, 21, 0, 1}, batch.features());
    assertArrayEquals(new float[] {0, 0}, batch.labels());
    assertArrayEquals(new long[] {6, 4}, batch.ids()[0]);
  }

  @Test
  void rejectsBadShapesAndIds() {
    assertThrows(
        IllegalArgumentException.class, () -> TrainingData.builder(new float[5], 2, new float[3]));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            TrainingData.builder(new float[6], 2, new float[3])
                .addIdColumn(new long[] {0, 1, 3}, 3));
  }

  @Test
  void labelsMustFitTheTask() {
    float[] x = new float[3];
    assertThrows(
        IllegalArgumentException.class,
        () -> TrainingData.builder(x, 1, new float[] {0, 1, 2}).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> TrainingData.builder(x, 1, new float[] {0, 1, 3}).task(Task.MULTICLASS, 3).build());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            TrainingData.builder(x, 1, new float[] {0, 0.5f, 2}).task(Task.MULTICLASS, 3).build());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            TrainingData.builder(x, 1, new float[] {0, Float.NaN, 2})
                .task(Task.REGRESSION)
                .build());
    assertThrows(
        IllegalArgumentException.class, () -> TrainingData.builder(x, 1, x).task(Task.MULTICLASS));
    TrainingData multi =
        TrainingData.builder(x, 1, new float[] {0, 1, 2}).task(Task.MULTICLASS, 3).build();
    assertEquals(3, multi.outputWidth());
    TrainingData regression =
        TrainingData.builder(x, 1, new float[] {-4, 1.5f, 2e6f}).task(Task.REGRESSION).build();
    assertEquals(1, regression.numClasses());
    assertEquals(1, regression.outputWidth());
  }
}
