package io.millrace.artifact;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Writes an artifact directory so that no reader ever sees it half-written: everything goes into a
 * hidden staging directory beside the target, which is renamed into place only when complete. A
 * crashed run leaves at most a {@code .staging-*} directory, which nothing trusts.
 */
public final class ArtifactDirectory {
  private final Path target;
  private final Path staging;

  private ArtifactDirectory(Path target, Path staging) {
    this.target = target;
    this.staging = staging;
  }

  /**
   * Starts writing an artifact at {@code target}.
   *
   * @param overwrite whether an existing artifact at the target may be replaced on commit
   * @throws IllegalStateException when the target exists, is not empty, and overwrite is false
   */
  public static ArtifactDirectory begin(Path target, boolean overwrite) throws IOException {
    Path absolute = target.toAbsolutePath().normalize();
    if (!overwrite && Files.exists(absolute) && !isEmptyDirectory(absolute)) {
      throw new IllegalStateException(
          absolute + " already exists; choose another output or pass --overwrite");
    }
    Path parent = absolute.getParent();
    Files.createDirectories(parent);
    Path staging = parent.resolve("." + absolute.getFileName() + ".staging-" + UUID.randomUUID());
    Files.createDirectory(staging);
    return new ArtifactDirectory(absolute, staging);
  }

  public Path target() {
    return target;
  }

  /** Where the artifact's files are written until {@link #commit()}. */
  public Path staging() {
    return staging;
  }

  /** Moves the staged artifact into place, replacing (then deleting) any previous one. */
  public void commit() throws IOException {
    Path previous = null;
    if (Files.exists(target)) {
      previous = target.resolveSibling("." + target.getFileName() + ".old-" + UUID.randomUUID());
      move(target, previous);
    }
    move(staging, target);
    if (previous != null) {
      deleteRecursively(previous);
    }
  }

  /** Deletes what was staged. */
  public void abandon() throws IOException {
    deleteRecursively(staging);
  }

  /** Writes a file by writing a temporary sibling and renaming it over the target. */
  public static void writeAtomically(Path file, byte[] content) throws IOException {
    Path temp = file.resolveSibling("." + file.getFileName() + ".tmp-" + UUID.randomUUID());
    Files.write(temp, content);
    move(temp, file);
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("cannot rename " + from + " to " + to + " atomically", e);
    }
  }

  private static boolean isEmptyDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    }
  }

  /** Copies a directory tree, files with their attributes, into {@code to} (no file may exist). */
  public static void copyRecursively(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  public static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths
          .sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.delete(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    }
  }
}
