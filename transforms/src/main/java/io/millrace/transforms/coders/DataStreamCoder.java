package io.millrace.transforms.coders;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.util.VarInt;

/**
 * A coder for mergeable states that write themselves to a {@link DataOutputStream} (counters, exact
 * counts, sketch bytes): length-prefixed, so it also works nested in a KV or a list.
 */
public abstract class DataStreamCoder<T> extends CustomCoder<T> {
  private static final long serialVersionUID = 1L;

  protected abstract void write(T value, DataOutputStream out) throws IOException;

  protected abstract T read(DataInputStream in) throws IOException;

  @Override
  public final void encode(T value, OutputStream out) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream data = new DataOutputStream(bytes);
    write(value, data);
    data.flush();
    VarInt.encode(bytes.size(), out);
    bytes.writeTo(out);
  }

  @Override
  public final T decode(InputStream in) throws IOException {
    int length = VarInt.decodeInt(in);
    byte[] bytes = in.readNBytes(length);
    if (bytes.length != length) {
      throw new IOException("truncated " + getClass().getSimpleName() + " value");
    }
    return read(new DataInputStream(new ByteArrayInputStream(bytes)));
  }
}
