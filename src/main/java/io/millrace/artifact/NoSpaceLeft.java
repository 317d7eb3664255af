package io.millrace.artifact;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Tells a full file system from other write failures and says where it is full. The JDK reports
 * ENOSPC as a bare "No space left on device" without the file, and SQLite often not at all: once a
 * write fails for space it rolls its transaction back, and what the driver then reports is "cannot
 * commit - no transaction is active". So besides the messages, the space left where the failed
 * write went is looked at.
 */
public final class NoSpaceLeft {
  /** Below this many usable bytes a failed write is taken to have failed for space. */
  static final long NEARLY_FULL_BYTES = 1L << 20;

  private NoSpaceLeft() {}

  /**
   * Whether {@code failure} (or a cause or suppressed failure of it) says a file system is full, or
   * {@code where} (a file or directory written to; may be null) has nearly no space left.
   */
  public static boolean explains(Throwable failure, Path where) {
    return saysFull(failure, new IdentityHashMap<>()) || (where != null && nearlyFull(where));
  }

  /** A failure saying "no space left on WHERE: ...", with the original as its cause. */
  public static IOException at(Path where, Throwable failure) {
    return new IOException(
        "no space left on " + where + " (" + usable(where) + "): " + failure.getMessage(), failure);
  }

  private static boolean saysFull(Throwable t, Map<Throwable, Boolean> seen) {
    if (t == null || seen.put(t, true) != null) {
      return false;
    }
    String message = String.valueOf(t.getMessage());
    if (message.contains("No space left on device")
        || message.contains("SQLITE_FULL")
        || message.contains("database or disk is full")) {
      return true;
    }
    for (Throwable suppressed : t.getSuppressed()) {
      if (saysFull(suppressed, seen)) {
        return true;
      }
    }
    return saysFull(t.getCause(), seen);
  }

  private static boolean nearlyFull(Path where) {
    try {
      return Files.getFileStore(existing(where)).getUsableSpace() < NEARLY_FULL_BYTES;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static String usable(Path where) {
    try {
      return String.format("%,d bytes free", Files.getFileStore(existing(where)).getUsableSpace());
    } catch (IOException | RuntimeException e) {
      return "free space unknown";
    }
  }

  /** The path, or its nearest existing ancestor: the file that failed may never have been made. */
  private static Path existing(Path where) {
    Path p = where.toAbsolutePath();
    while (p != null && !Files.exists(p)) {
      p = p.getParent();
    }
    return p == null ? where : p;
  }
}
