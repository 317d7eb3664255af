package io.millrace.ingest.tfrecord;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import java.util.zip.GZIPOutputStream;

/**
 * Writes tf.Example TFRecord files for tests, by hand from the wire format so that the reader is
 * checked against the specification rather than against itself.
 */
final class TfRecordTestFiles {
  private TfRecordTestFiles() {}

  /** A tf.Example under construction; features keep the order they are added in. */
  static final class ExampleBytes {
    private final List<byte[]> entries = new ArrayList<>();
    private boolean packed = true;

    /** Write numeric lists unpacked (one tag per value), as some writers do. */
    ExampleBytes unpacked() {
      packed = false;
      return this;
    }

    ExampleBytes int64s(String name, long... values) throws IOException {
      ByteArrayOutputStream list = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(list);
      if (packed && values.length > 0) {
        int size = 0;
        for (long v : values) {
          size += CodedOutputStream.computeInt64SizeNoTag(v);
        }
        out.writeTag(1, 2);
        out.writeUInt32NoTag(size);
        for (long v : values) {
          out.writeInt64NoTag(v);
        }
      } else {
        for (long v : values) {
          out.writeInt64(1, v);
        }
      }
      out.flush();
      return feature(name, 3, list.toByteArray());
    }

    ExampleBytes floats(String name, float... values) throws IOException {
      ByteArrayOutputStream list = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(list);
      if (packed && values.length > 0) {
        out.writeTag(1, 2);
        out.writeUInt32NoTag(4 * values.length);
        for (float v : values) {
          out.writeFloatNoTag(v);
        }
      } else {
        for (float v : values) {
          out.writeFloat(1, v);
        }
      }
      out.flush();
      return feature(name, 2, list.toByteArray());
    }

    ExampleBytes strings(String name, String... values) throws IOException {
      ByteArrayOutputStream list = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(list);
      for (String v : values) {
        out.writeByteArray(1, v.getBytes(StandardCharsets.UTF_8));
      }
      out.flush();
      return feature(name, 1, list.toByteArray());
    }

    /** A Feature with no list set, as TFX writes an empty CSV cell. */
    ExampleBytes empty(String name) throws IOException {
      return feature(name, 0, null);
    }

    private ExampleBytes feature(String name, int listField, byte[] list) throws IOException {
      ByteArrayOutputStream feature = new ByteArrayOutputStream();
      CodedOutputStream featureOut = CodedOutputStream.newInstance(feature);
      if (listField > 0) {
        featureOut.writeByteArray(listField, list);
      }
      featureOut.flush();
      ByteArrayOutputStream entry = new ByteArrayOutputStream();
      CodedOutputStream entryOut = CodedOutputStream.newInstance(entry);
      entryOut.writeString(1, name);
      entryOut.writeByteArray(2, feature.toByteArray());
      entryOut.flush();
      entries.add(entry.toByteArray());
      return this;
    }

    byte[] toByteArray() throws IOException {
      ByteArrayOutputStream features = new ByteArrayOutputStream();
      CodedOutputStream featuresOut = CodedOutputStream.newInstance(features);
      for (byte[] entry : entries) {
        featuresOut.writeByteArray(1, entry);
      }
      featuresOut.flush();
      ByteArrayOutputStream example = new ByteArrayOutputStream();
      CodedOutputStream exampleOut = CodedOutputStream.newInstance(example);
      exampleOut.writeByteArray(1, features.toByteArray());
      exampleOut.flush();
      return example.toByteArray();
    }
  }

  static ExampleBytes example() {
    return new ExampleBytes();
  }

  /** Frames records as TFRecord: length, masked CRC of the length, data, masked CRC of the data. */
  static byte[] frame(List<byte[]> records) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] data : records) {
      byte[] length = littleEndian(data.length, 8);
      out.write(length);
      out.write(littleEndian(maskedCrc(length), 4));
      out.write(data);
      out.write(littleEndian(maskedCrc(data), 4));
    }
    return out.toByteArray();
  }

  /** Offset of record {@code index} (0-based) in the framed bytes of {@code records}. */
  static int offsetOf(List<byte[]> records, int index) {
    int offset = 0;
    for (int i = 0; i < index; i++) {
      offset += 12 + records.get(i).length + 4;
    }
    return offset;
  }

  static Path write(Path path, byte[] bytes, boolean gzip) throws IOException {
    try (OutputStream out = Files.newOutputStream(path)) {
      if (gzip) {
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
          gz.write(bytes);
        }
      } else {
        out.write(bytes);
      }
    }
    return path;
  }

  private static int maskedCrc(byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length);
    int c = (int) crc.getValue();
    return ((c >>> 15) | (c << 17)) + 0xa282ead8;
  }

  private static byte[] littleEndian(long value, int bytes) {
    byte[] b = new byte[bytes];
    for (int i = 0; i < bytes; i++) {
      b[i] = (byte) (value >>> (8 * i));
    }
    return b;
  }
}
