package io.millrace.transforms.coders;

import io.millrace.ingest.DeadLetter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;

/** Encodes {@link DeadLetter}s field by field. */
public final class DeadLetterCoder extends CustomCoder<DeadLetter> {
  private static final long serialVersionUID = 1L;
  private static final StringUtf8Coder STRING = StringUtf8Coder.of();
  private static final NullableCoder<String> NULLABLE_STRING = NullableCoder.of(STRING);
  private static final VarLongCoder LONG = VarLongCoder.of();

  public static DeadLetterCoder of() {
    return new DeadLetterCoder();
  }

  @Override
  public void encode(DeadLetter d, OutputStream out) throws IOException {
    STRING.encode(d.source(), out);
    LONG.encode(d.recordNumber(), out);
    NULLABLE_STRING.encode(d.field(), out);
    STRING.encode(d.reason(), out);
    NULLABLE_STRING.encode(d.raw(), out);
  }

  @Override
  public DeadLetter decode(InputStream in) throws IOException {
    return DeadLetter.of(
        STRING.decode(in),
        LONG.decode(in),
        NULLABLE_STRING.decode(in),
        STRING.decode(in),
        NULLABLE_STRING.decode(in));
  }

  @Override
  public void verifyDeterministic() {}

  @Override
  public boolean equals(Object o) {
    return o instanceof DeadLetterCoder;
  }

  @Override
  public int hashCode() {
    return DeadLetterCoder.class.hashCode();
  }
}
