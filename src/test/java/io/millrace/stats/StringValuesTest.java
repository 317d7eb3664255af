package io.millrace.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.millrace.testing.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StringValuesTest {
  @Test
  void stateBeyondTheExactLimitDoesNotDependOnBundlingOrMergeOrder() throws IOException {
    List<byte[]> values = new ArrayList<>();
    for (String line : Files.readAllLines(SharedData.path("fertility/fertility.csv"))) {
      values.add(line.getBytes(StandardCharsets.UTF_8));
    }
    int exactLimit = 500;
    StringValues onePass = new StringValues(exactLimit);
    values.forEach(v -> onePass.add(v, 1));
    assertFalse(onePass.isExact());
    Random random = new Random(11);
    for (int trial = 0; trial < 4; trial++) {
      List<byte[]> shuffled = new ArrayList<>(values);
      Collections.shuffle(shuffled, random);
      List<StringValues> parts = new ArrayList<>();
      for (int at = 0; at < shuffled.size(); ) {
        int end = Math.min(shuffled.size(), at + 1 + random.nextInt(40_000));
        StringValues part = new StringValues(exactLimit);
        shuffled.subList(at, end).forEach(v -> part.add(v, 1));
        parts.add(part);
        at = end;
      }
      while (parts.size() > 1) {
        StringValues left = parts.remove(random.nextInt(parts.size()));
        left.merge(parts.remove(random.nextInt(parts.size())));
        parts.add(left);
      }
      assertEquals(onePass.unique(), parts.get(0).unique(), "trial " + trial);
      assertArrayEquals(bytes(onePass), bytes(parts.get(0)), "trial " + trial);
    }
  }

  private static byte[] bytes(StringValues values) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    values.write(new DataOutputStream(out));
    return out.toByteArray();
  }
}
