package io.millrace.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.List;

/**
 * Compares protobuf messages field by field, floating-point fields within a relative tolerance:
 * statistics merged from partial states differ from a one-pass result only in the rounding of their
 * sums.
 */
public final class ProtoAssert {
  private ProtoAssert() {}

  public static void assertEqualsWithin(Message expected, Message actual, double relative) {
    compare(expected, actual, relative, expected.getDescriptorForType().getName());
  }

  private static void compare(Message expected, Message actual, double relative, String path) {
    assertEquals(
        expected.getDescriptorForType(), actual.getDescriptorForType(), path + ": message type");
    for (FieldDescriptor field : expected.getDescriptorForType().getFields()) {
      String at = path + "." + field.getName();
      if (field.isRepeated()) {
        List<?> a = (List<?>) expected.getField(field);
        List<?> b = (List<?>) actual.getField(field);
        assertEquals(a.size(), b.size(), at + ": number of values");
        for (int i = 0; i < a.size(); i++) {
          value(field, a.get(i), b.get(i), relative, at + "[" + i + "]");
        }
      } else {
        if (field.hasPresence() && expected.hasField(field) != actual.hasField(field)) {
          fail(at + ": set in one message only");
        }
        value(field, expected.getField(field), actual.getField(field), relative, at);
      }
    }
  }

  private static void value(
      FieldDescriptor field, Object a, Object b, double relative, String path) {
    switch (field.getJavaType()) {
      case MESSAGE -> compare((Message) a, (Message) b, relative, path);
      case DOUBLE, FLOAT -> {
        double x = ((Number) a).doubleValue();
        double y = ((Number) b).doubleValue();
        if (Double.compare(x, y) != 0
            && !(Math.abs(x - y) <= relative * Math.max(Math.abs(x), Math.abs(y)))) {
          fail(path + ": expected " + x + " but was " + y);
        }
      }
      default -> assertEquals(a, b, path);
    }
  }
}
