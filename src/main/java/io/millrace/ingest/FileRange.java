package io.millrace.ingest;

import java.io.Serializable;

/**
 * A part of a file that can be read on its own: bytes {@code [start, end)} beginning at a record
 * boundary, whose first byte is on line {@code firstLine} (1-based) of the file, so that dead
 * letters still name the file's own line numbers. {@code end} of -1 means to the end of the file.
 */
public record FileRange(long start, long end, long firstLine) implements Serializable {
  private static final long WHOLE_END = -1;

  public static FileRange whole() {
    return new FileRange(0, WHOLE_END, 1);
  }

  public boolean isWhole() {
    return start == 0 && end == WHOLE_END;
  }
}
