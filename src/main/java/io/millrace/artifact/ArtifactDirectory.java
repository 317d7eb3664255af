package io.millrace.artifact;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes an artifact directory so that no reader ever sees it half-written: everything goes into a
 * hidden staging directory beside the target, which is renamed into place only when complete. A
 * crashed run leaves at most a {@code .staging-*} directory, which nothing trusts.
 */
public final class ArtifactDirectory {
  /** The names this class gives staged, replaced and temporary copies: what only a crash leaves. */
  private static final Pattern LEFTOVER = Pattern.compile("\\..+\\.(staging|old|tmp)-.+");

  private final Path target;
  private final Path staging;
  private final ArtifactKind replaceable;

  private ArtifactDirectory(Path target, Path staging, ArtifactKind replaceable) {
    this.target = target;
    this.staging = staging;
    this.replaceable = replaceable;
  }

  /**
   * Starts writing an artifact at {@code target}, which must not exist or be an empty directory.
   *
   * @throws IllegalStateException when the target exists and is not an empty directory
   */
  public static ArtifactDirectory begin(Path target) throws IOException {
    return begin(target, false, null);
  }

  /**
   * Starts writing an artifact at {@code target}.
   *
   * @param overwrite whether an existing artifact of {@code kind} at the target may be replaced on
   *     commit; anything else there (a file, a folder of other files, another kind of artifact) is
   *     never replaced
   * @param kind what the command writes, and so what it may replace
   * @throws IllegalStateException when the target exists, is not an empty directory, and is not an
   *     artifact of {@code kind} that {@code overwrite} allows to replace
   */
  public static ArtifactDirectory begin(Path target, boolean overwrite, ArtifactKind kind)
      throws IOException {
    Path absolute = target.toAbsolutePath().normalize();
    ArtifactKind replaceable = overwrite ? Objects.requireNonNull(kind, "kind") : null;
    checkReplaceable(absolute, replaceable);
    Path parent = absolute.getParent();
    Files.createDirectories(parent);
    Path staging = parent.resolve("." + absolute.getFileName() + ".staging-" + UUID.randomUUID());
    Files.createDirectory(staging);
    return new ArtifactDirectory(absolute, staging, replaceable);
  }

  /** Refuses a target that holds anything but an artifact of the kind that may be replaced. */
  private static void checkReplaceable(Path target, ArtifactKind replaceable) throws IOException {
    if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS) || isEmptyDirectory(target)) {
      return;
    }
    if (replaceable == null) {
      throw new IllegalStateException(
          target + " already exists; choose another output or pass --overwrite");
    }
    if (Files.isSymbolicLink(target) || !replaceable.isKindOf(target)) {
      throw new IllegalStateException(
          target
              + " is not "
              + replaceable.description()
              + ": --overwrite replaces only "
              + replaceable.description()
              + ", so nothing was written; choose another output");
    }
  }

  public Path target() {
    return target;
  }

  /** Where the artifact's files are written until {@link #commit()}. */
  public Path staging() {
    return staging;
  }

  /**
   * Moves the staged artifact into place, replacing (then deleting) a previous one of the kind that
   * may be replaced. What is at the target is checked again: it may have changed since {@link
   * #begin}.
   */
  public void commit() throws IOException {
    checkReplaceable(target, replaceable);
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

  /**
   * Whether {@code fileName} is a staged, replaced or temporary copy this class names ({@code
   * .NAME.staging-*}, {@code .NAME.old-*}, {@code .NAME.tmp-*}): left behind only by a process that
   * died while writing, so never anyone's data.
   */
  public static boolean isLeftover(String fileName) {
    return LEFTOVER.matcher(fileName).matches();
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
