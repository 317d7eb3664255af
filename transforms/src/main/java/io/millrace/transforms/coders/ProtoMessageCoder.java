package io.millrace.transforms.coders;

import com.google.protobuf.Message;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.util.VarInt;

/**
 * A coder for one generated protobuf message class, length-prefixed binary. (Beam's own ProtoCoder
 * lives in a separate extension that pins a protobuf version other than TF Java's.)
 */
public final class ProtoMessageCoder<T extends Message> extends CustomCoder<T> {
  private static final long serialVersionUID = 1L;
  private final Class<T> type;
  private transient Method parseFrom;

  private ProtoMessageCoder(Class<T> type) {
    this.type = type;
  }

  public static <T extends Message> ProtoMessageCoder<T> of(Class<T> type) {
    return new ProtoMessageCoder<>(type);
  }

  @Override
  public void encode(T value, OutputStream out) throws IOException {
    byte[] bytes = value.toByteArray();
    VarInt.encode(bytes.length, out);
    out.write(bytes);
  }

  @Override
  public T decode(InputStream in) throws IOException {
    int length = VarInt.decodeInt(in);
    byte[] bytes = in.readNBytes(length);
    if (bytes.length != length) {
      throw new IOException("truncated " + type.getSimpleName());
    }
    try {
      if (parseFrom == null) {
        parseFrom = type.getMethod("parseFrom", byte[].class);
      }
      return type.cast(parseFrom.invoke(null, (Object) bytes));
    } catch (ReflectiveOperationException e) {
      throw new IOException("cannot parse " + type.getName(), e);
    }
  }

  @Override
  public void verifyDeterministic() throws NonDeterministicException {
    throw new NonDeterministicException(this, "protobuf binary encoding is not canonical");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ProtoMessageCoder<?> other && other.type.equals(type);
  }

  @Override
  public int hashCode() {
    return type.hashCode();
  }
}
