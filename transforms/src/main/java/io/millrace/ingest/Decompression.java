package io.millrace.ingest;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Opens a file's bytes, gunzipping them when they start with the GZIP magic number. */
public final class Decompression {
  private static final int BUFFER_BYTES = 1 << 16;

  private Decompression() {}

  /**
   * Detection is by content, not by file name: TFX names GZIP TFRecord files {@code *.gz}, but
   * users' files are named anything.
   */
  public static InputStream open(SourceFile file) throws IOException {
    InputStream in = new BufferedInputStream(file.open(), BUFFER_BYTES);
    in.mark(2);
    int b1 = in.read();
    int b2 = in.read();
    in.reset();
    if (b1 == 0x1f && b2 == 0x8b) {
      return new BufferedInputStream(new GZIPInputStream(in, BUFFER_BYTES), BUFFER_BYTES);
    }
    return in;
  }
}
