package io.millrace.record;

import java.util.Arrays;

/**
 * A growable byte array with the primitive writes of the canonical example encoding. Unlike {@link
 * java.io.ByteArrayOutputStream} it is unsynchronized and exposes its array, so encoding for a hash
 * costs no copies.
 */
public final class ByteArrayBuffer {
  private byte[] bytes = new byte[256];
  private int size;

  public void reset() {
    size = 0;
  }

  public int size() {
    return size;
  }

  /** The backing array; bytes {@code [0, size())} are valid. */
  public byte[] array() {
    return bytes;
  }

  public void writeByte(int b) {
    ensure(1);
    bytes[size++] = (byte) b;
  }

  public void write(byte[] b) {
    ensure(b.length);
    System.arraycopy(b, 0, bytes, size, b.length);
    size += b.length;
  }

  /** Unsigned LEB128, as protobuf and Beam's {@code VarInt} write it. */
  public void writeVarLong(long v) {
    ensure(10);
    while ((v & ~0x7FL) != 0) {
      bytes[size++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    bytes[size++] = (byte) v;
  }

  public void writeLongLittleEndian(long v) {
    ensure(8);
    for (int b = 0; b < 8; b++) {
      bytes[size++] = (byte) (v >>> (8 * b));
    }
  }

  private void ensure(int more) {
    if (size + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
    }
  }
}
