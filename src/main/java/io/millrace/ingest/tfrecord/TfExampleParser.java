package io.millrace.ingest.tfrecord;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Parses serialized {@code tf.Example}s into {@link Example}s of one schema, reusing its scratch
 * buffers from record to record. Not thread-safe: one parser per reading thread.
 *
 * <p>Value lists may be packed or not (protobuf lets writers choose, and readers must take both);
 * float32 values are widened to double. An empty {@code Feature} is present with no values.
 */
final class TfExampleParser extends TfExampleWalker {
  private static final long[] NO_INT64S = new long[0];
  private static final double[] NO_FLOATS = new double[0];
  private static final byte[][] NO_BYTES = new byte[0][];

  private static final int VALUE_LENGTH_DELIMITED = tag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int VALUE_VARINT = tag(1, WireFormat.WIRETYPE_VARINT);
  private static final int VALUE_FIXED32 = tag(1, WireFormat.WIRETYPE_FIXED32);

  private final ExampleSchema schema;
  private final FeatureType[] types;
  private final FeatureNameIndex names;
  private Example.Builder builder;

  private long[] int64Scratch = new long[16];
  private double[] floatScratch = new double[16];
  private byte[][] bytesScratch = new byte[16][];

  private String failedFeature;
  private String failure;

  TfExampleParser(ExampleSchema schema) {
    this.schema = schema;
    this.types = new FeatureType[schema.size()];
    String[] featureNames = new String[schema.size()];
    for (int i = 0; i < types.length; i++) {
      types[i] = schema.type(i);
      featureNames[i] = schema.name(i);
    }
    this.names = new FeatureNameIndex(featureNames);
  }

  /**
   * Sets the example's features into the builder.
   *
   * @return true when the builder holds the example; false when the record does not fit the schema
   *     ({@link #failedFeature()} and {@link #failure()} say why) and the builder is partly filled
   * @throws IOException when the bytes are not a valid protobuf message
   */
  boolean parse(byte[] record, int length, Example.Builder builder) throws IOException {
    this.builder = builder;
    failedFeature = null;
    failure = null;
    return walk(record, length);
  }

  String failedFeature() {
    return failedFeature;
  }

  String failure() {
    return failure;
  }

  @Override
  boolean onFeature(byte[] record, int nameStart, int nameLength, CodedInputStream in)
      throws IOException {
    int feature = names.indexOf(record, nameStart, nameLength);
    if (feature < 0) {
      failedFeature = new String(record, nameStart, nameLength, StandardCharsets.UTF_8);
      failure =
          "the record holds feature '"
              + failedFeature
              + "', which is not in the schema (features of the schema: "
              + schema.size()
              + ")";
      return false;
    }
    FeatureType type = types[feature];
    Object values = null;
    if (in != null) {
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        int field = WireFormat.getTagFieldNumber(tag);
        if (field < BYTES_LIST
            || field > INT64_LIST
            || WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
          if (!in.skipField(tag)) {
            break;
          }
          continue;
        }
        if (typeOf(field) != type) {
          failedFeature = schema.name(feature);
          failure =
              "feature '"
                  + failedFeature
                  + "' is "
                  + type
                  + " in the schema but this record holds "
                  + valueName(field)
                  + " values";
          return false;
        }
        int limit = in.pushLimit(in.readRawVarint32());
        // Of several lists in one Feature (a oneof), protobuf keeps the last.
        values = readList(in, field);
        in.popLimit(limit);
      }
    }
    builder.setRaw(feature, values != null ? values : noValues(type));
    return true;
  }

  private Object readList(CodedInputStream in, int kind) throws IOException {
    switch (kind) {
      case INT64_LIST:
        return readInt64s(in);
      case FLOAT_LIST:
        return readFloats(in);
      default:
        return readBytes(in);
    }
  }

  private long[] readInt64s(CodedInputStream in) throws IOException {
    int n = 0;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == VALUE_LENGTH_DELIMITED) {
        int limit = in.pushLimit(in.readRawVarint32());
        while (in.getBytesUntilLimit() > 0) {
          if (n == int64Scratch.length) {
            int64Scratch = Arrays.copyOf(int64Scratch, 2 * n);
          }
          int64Scratch[n++] = in.readInt64();
        }
        in.popLimit(limit);
      } else if (tag == VALUE_VARINT) {
        if (n == int64Scratch.length) {
          int64Scratch = Arrays.copyOf(int64Scratch, 2 * n);
        }
        int64Scratch[n++] = in.readInt64();
      } else if (!in.skipField(tag)) {
        break;
      }
    }
    return n == 0 ? NO_INT64S : Arrays.copyOf(int64Scratch, n);
  }

  private double[] readFloats(CodedInputStream in) throws IOException {
    int n = 0;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == VALUE_LENGTH_DELIMITED) {
        int size = in.readRawVarint32();
        int limit = in.pushLimit(size);
        int count = size / 4;
        if (n + count > floatScratch.length) {
          floatScratch = Arrays.copyOf(floatScratch, Math.max(n + count, 2 * floatScratch.length));
        }
        for (int i = 0; i < count; i++) {
          floatScratch[n++] = in.readFloat();
        }
        // A packed length that is not a multiple of 4 is malformed: skipping would hide it.
        if (in.getBytesUntilLimit() > 0) {
          in.readFloat();
        }
        in.popLimit(limit);
      } else if (tag == VALUE_FIXED32) {
        if (n == floatScratch.length) {
          floatScratch = Arrays.copyOf(floatScratch, 2 * n);
        }
        floatScratch[n++] = in.readFloat();
      } else if (!in.skipField(tag)) {
        break;
      }
    }
    return n == 0 ? NO_FLOATS : Arrays.copyOf(floatScratch, n);
  }

  private byte[][] readBytes(CodedInputStream in) throws IOException {
    int n = 0;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == VALUE_LENGTH_DELIMITED) {
        if (n == bytesScratch.length) {
          bytesScratch = Arrays.copyOf(bytesScratch, 2 * n);
        }
        bytesScratch[n++] = in.readByteArray();
      } else if (!in.skipField(tag)) {
        break;
      }
    }
    if (n == 0) {
      return NO_BYTES;
    }
    byte[][] values = Arrays.copyOf(bytesScratch, n);
    // Drop references so the scratch does not keep old values alive.
    Arrays.fill(bytesScratch, 0, n, null);
    return values;
  }

  private static Object noValues(FeatureType type) {
    switch (type) {
      case INT:
        return NO_INT64S;
      case FLOAT:
        return NO_FLOATS;
      default:
        return NO_BYTES;
    }
  }

  /** The feature type a {@code Feature} list field holds. */
  static FeatureType typeOf(int listField) {
    switch (listField) {
      case INT64_LIST:
        return FeatureType.INT;
      case FLOAT_LIST:
        return FeatureType.FLOAT;
      default:
        return FeatureType.BYTES;
    }
  }

  /** How error messages name a list field's values, in tf.Example's words. */
  static String valueName(int listField) {
    switch (listField) {
      case INT64_LIST:
        return "int64";
      case FLOAT_LIST:
        return "float";
      default:
        return "bytes";
    }
  }

  /**
   * Finds a feature by its UTF-8 name given as a byte range, by open addressing, so that looking up
   * a name costs no string.
   */
  static final class FeatureNameIndex {
    private final byte[][] names;

    /** Feature index + 1 per slot, 0 when empty. */
    private final int[] slots;

    private final int mask;

    FeatureNameIndex(String[] featureNames) {
      names = new byte[featureNames.length][];
      int capacity = Integer.highestOneBit(Math.max(4, featureNames.length * 2) - 1) << 1;
      slots = new int[capacity];
      mask = capacity - 1;
      for (int i = 0; i < featureNames.length; i++) {
        names[i] = featureNames[i].getBytes(StandardCharsets.UTF_8);
        int slot = hash(names[i], 0, names[i].length) & mask;
        while (slots[slot] != 0) {
          slot = (slot + 1) & mask;
        }
        slots[slot] = i + 1;
      }
    }

    /** The feature whose name is {@code bytes[start, start + length)}, or -1. */
    int indexOf(byte[] bytes, int start, int length) {
      for (int slot = hash(bytes, start, length) & mask; ; slot = (slot + 1) & mask) {
        int feature = slots[slot] - 1;
        if (feature < 0) {
          return -1;
        }
        byte[] name = names[feature];
        if (name.length == length && Arrays.equals(name, 0, length, bytes, start, start + length)) {
          return feature;
        }
      }
    }

    private static int hash(byte[] bytes, int start, int length) {
      int h = 1;
      for (int i = start; i < start + length; i++) {
        h = 31 * h + bytes[i];
      }
      return h ^ (h >>> 16);
    }
  }
}
