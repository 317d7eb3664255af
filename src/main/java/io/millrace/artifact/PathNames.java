package io.millrace.artifact;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Names that become paths, and paths read back from manifests, kept inside the directory they
 * belong to. A split name, a transform output (which names its vocabulary file), a model or a
 * pipeline name is one path segment, checked where it is parsed; a path a manifest records is
 * resolved only through {@link #resolveInside}, on write and on read, so neither a careless name
 * nor a hand-edited manifest reaches a file outside the artifact.
 */
public final class PathNames {
  /** Leaves room for suffixes such as {@code .txt} or {@code .staging-<uuid>} in a file name. */
  public static final int MAX_LENGTH = 128;

  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");

  private PathNames() {}

  /**
   * Returns {@code name} when it can be one file or directory name on every file system Millrace
   * writes to: letters, digits, '_', '-' and '.', not starting with '.' or '-', at most {@value
   * #MAX_LENGTH} characters.
   *
   * @param field what the name is, for the message (e.g. {@code "split name"})
   * @throws IllegalArgumentException naming the field and the value
   */
  public static String requireSegment(String field, String name) {
    if (name == null || name.length() > MAX_LENGTH || !SEGMENT.matcher(name).matches()) {
      throw new IllegalArgumentException(
          field
              + " '"
              + name
              + "' cannot name a file: use letters, digits, '_', '-' and '.' (not first), at most "
              + MAX_LENGTH
              + " characters");
    }
    return name;
  }

  /**
   * {@code base.resolve(relative)}, refused when {@code relative} is absolute, names {@code ..}, or
   * leads outside {@code base} in any other way (through a symbolic link, when it exists).
   *
   * @param what what the path is, for the message (e.g. {@code "vocabulary file"})
   * @throws IOException naming {@code base}, what the path is and the path as recorded
   */
  public static Path resolveInside(Path base, String relative, String what) throws IOException {
    Path resolved;
    try {
      if (relative == null || relative.isEmpty()) {
        throw outside(base, relative, what);
      }
      Path path = Path.of(relative);
      if (path.isAbsolute()) {
        throw outside(base, relative, what);
      }
      for (Path part : path) {
        if (part.toString().equals("..")) {
          throw outside(base, relative, what);
        }
      }
      Path normalizedBase = base.toAbsolutePath().normalize();
      resolved = normalizedBase.resolve(path).normalize();
      if (resolved.equals(normalizedBase) || !resolved.startsWith(normalizedBase)) {
        throw outside(base, relative, what);
      }
      if (Files.exists(resolved) && !resolved.toRealPath().startsWith(base.toRealPath())) {
        throw outside(base, relative, what);
      }
    } catch (InvalidPathException e) {
      throw outside(base, relative, what);
    }
    return resolved;
  }

  private static IOException outside(Path base, String relative, String what) {
    return new IOException(
        base + ": the " + what + " '" + relative + "' lies outside " + base + "; refusing it");
  }
}
