package io.millrace.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.millrace.accumulate.Accumulation;
import io.millrace.testing.MergeLaws;
import io.millrace.testing.SharedData;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HyperLogLogTest {
  /** The sketch as an accumulation of values, its output the estimate. */
  private static final class Distinct implements Accumulation<byte[], HyperLogLog, Long> {
    @Override
    public HyperLogLog create() {
      return new HyperLogLog();
    }

    @Override
    public HyperLogLog add(HyperLogLog state, byte[] value) {
      state.add(value);
      return state;
    }

    @Override
    public HyperLogLog merge(HyperLogLog state, HyperLogLog other) {
      state.merge(other);
      return state;
    }

    @Override
    public Long extract(HyperLogLog state) {
      return state.estimate();
    }

    @Override
    public void write(HyperLogLog state, DataOutput out) throws IOException {
      state.write(out);
    }

    @Override
    public HyperLogLog read(DataInput in) throws IOException {
      return HyperLogLog.read(in);
    }
  }

  /** Every line of the fertility census sample (254,654 rows, many repeated) and 60k ids. */
  private static List<byte[]> values() throws IOException {
    List<byte[]> values = new ArrayList<>();
    for (String line : Files.readAllLines(SharedData.path("fertility/fertility.csv"))) {
      values.add(line.getBytes(StandardCharsets.UTF_8));
    }
    Random random = new Random(7);
    for (int i = 0; i < 60_000; i++) {
      values.add(("trip-" + random.nextInt(40_000)).getBytes(StandardCharsets.UTF_8));
    }
    return values;
  }

  @Test
  void valuesInAnyOrderCutAndMergedAnyWayGiveByteIdenticalRegistersAndEstimate()
      throws IOException {
    MergeLaws.assertAnyCutAndMergeOrderGivesIdenticalBytes(
        new Distinct(),
        values(),
        14L,
        4,
        estimate -> ByteBuffer.allocate(Long.BYTES).putLong(estimate).array());
  }

  @Test
  void estimatesWithinThreePercentFromTensToHundredsOfThousands() {
    Random random = new Random(3);
    for (int distinct : new int[] {10, 1_000, 20_000, 300_000}) {
      HyperLogLog sketch = new HyperLogLog();
      Set<Long> seen = new HashSet<>();
      while (seen.size() < distinct) {
        long id = random.nextLong();
        seen.add(id);
        sketch.add(Long.toString(id).getBytes(StandardCharsets.UTF_8));
      }
      assertEquals(distinct, sketch.estimate(), Math.max(1, 0.03 * distinct), "" + distinct);
    }
  }
}
