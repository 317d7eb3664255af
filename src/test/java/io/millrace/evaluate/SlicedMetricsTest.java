package io.millrace.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SlicedMetricsTest {

  private static SlicedMetrics<BinaryMetrics> sample() {
    SlicedMetrics<BinaryMetrics> s = new SlicedMetrics<>(new BinaryMetrics());
    for (int i = 0; i < 10; i++) {
      int y = i % 2;
      s.add(List.of("payment_type=Cash"), m -> m.add(y, y == 1 ? 0.8 : 0.3));
    }
    for (int i = 0; i < 3; i++) {
      s.add(List.of("payment_type=Card", "company=Acme"), m -> m.add(1, 0.4));
    }
    return s;
  }

  @Test
  void perSliceMetricsAndOverall() {
    Map<String, Map<String, Double>> r = sample().result();
    assertEquals(
        List.of("", "company=Acme", "payment_type=Card", "payment_type=Cash"),
        List.copyOf(r.keySet()));
    assertEquals(13.0, r.get("").get("example_count"));
    assertEquals(10.0, r.get("payment_type=Cash").get("example_count"));
    assertEquals(1.0, r.get("payment_type=Cash").get("accuracy"));
    assertEquals(0.0, r.get("payment_type=Card").get("accuracy"));
  }

  @Test
  void minSliceSizeDropsSmallSlicesButKeepsOverall() {
    SlicedMetrics<BinaryMetrics> s = sample();
    Map<String, Map<String, Double>> r = s.result(5);
    assertEquals(List.of("", "payment_type=Cash"), List.copyOf(r.keySet()));
    assertTrue(s.result(3).containsKey("company=Acme"));
    Map<String, Map<String, Double>> none = s.result(100);
    assertEquals(List.of(""), List.copyOf(none.keySet()));
    assertFalse(none.containsKey("payment_type=Cash"));
  }

  @Test
  void mergeAndSerialization() throws IOException {
    SlicedMetrics<BinaryMetrics> a = sample();
    SlicedMetrics<BinaryMetrics> b = sample();
    a.merge(b);
    assertEquals(26.0, a.result().get("").get("example_count"));
    assertEquals(6.0, a.result().get("company=Acme").get("example_count"));

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      a.write(out);
    }
    SlicedMetrics<BinaryMetrics> c =
        SlicedMetrics.read(
            new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())),
            BinaryMetrics::read);
    assertEquals(a.result(), c.result());
  }
}
