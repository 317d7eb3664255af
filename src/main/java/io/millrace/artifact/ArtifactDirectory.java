package io.millrace.artifact;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.CopyOption;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes an artifact directory so that no reader ever sees it half-written: everything goes into a
 * hidden staging directory beside the target, which is renamed into place only when complete. A
 * crashed run leaves at most a {@code .staging-*} directory, which nothing trusts.
 *
 * <p>An object store (S3, GCS) has no atomic rename: there the staged objects are copied into place
 * and the artifact is committed by an object written last, {@value #COMMITTED}, listing every file
 * with its size; readers and the cache trust only an artifact whose marker lists exactly what it
 * holds ({@link #requireCommitted}). Replacing an artifact first deletes its marker. A crashed
 * attempt leaves a staging prefix or an uncommitted target, which the next attempt at that location
 * deletes.
 */
public final class ArtifactDirectory {
  /** The names this class gives staged, replaced and temporary copies: what only a crash leaves. */
  private static final Pattern LEFTOVER = Pattern.compile("\\..+\\.(staging|old|tmp)-.+");

  /**
   * The object that commits an artifact directory on an object store, written last: one line per
   * file, {@code <size> <relative path>}.
   */
  public static final String COMMITTED = ".millrace-committed";

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
    if (!renamesAtomically(absolute) && insideStaging(absolute)) {
      // The enclosing artifact's commit makes this one visible with it: copying it into place
      // first would only double the uploads.
      return new ArtifactDirectory(absolute, absolute, replaceable);
    }
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
    if (staging.equals(target)) {
      commitByMarker(); // written in place, inside an enclosing artifact's staging copy
      return;
    }
    checkReplaceable(target, replaceable);
    if (!renamesAtomically(target)) {
      commitByMarker();
      return;
    }
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

  /**
   * Without an atomic rename: the previous artifact stops being trusted (its marker goes first) and
   * is deleted, the staged files are copied into place, and the marker listing them is written
   * last.
   */
  private void commitByMarker() throws IOException {
    if (staging.equals(target)) {
      Files.write(target.resolve(COMMITTED), listing(target).getBytes(StandardCharsets.UTF_8));
      return;
    }
    if (Files.exists(target)) {
      Files.deleteIfExists(target.resolve(COMMITTED));
      deleteRecursively(target);
    }
    StringBuilder marker = new StringBuilder();
    try (Stream<Path> paths = Files.walk(staging)) {
      for (Path file : (Iterable<Path>) paths.filter(Files::isRegularFile)::iterator) {
        String relative = staging.relativize(file).toString();
        Files.copy(file, target.resolve(relative), StandardCopyOption.REPLACE_EXISTING);
        marker.append(Files.size(file)).append(' ').append(relative).append('\n');
      }
    }
    Files.write(target.resolve(COMMITTED), marker.toString().getBytes(StandardCharsets.UTF_8));
    deleteRecursively(staging);
  }

  private static String listing(Path dir) throws IOException {
    StringBuilder marker = new StringBuilder();
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path file : (Iterable<Path>) paths.filter(Files::isRegularFile)::iterator) {
        marker.append(Files.size(file)).append(' ').append(dir.relativize(file)).append('\n');
      }
    }
    return marker.toString();
  }

  /** Whether a folder above {@code path} is the staging copy of an artifact being written. */
  private static boolean insideStaging(Path path) {
    for (Path dir = path.getParent(); dir != null && dir.getFileName() != null; ) {
      String name = dir.getFileName().toString();
      if (isLeftover(name) && name.contains(".staging-")) {
        return true;
      }
      dir = dir.getParent();
    }
    return false;
  }

  /**
   * Whether files under {@code path} appear only whole, by an atomic rename (the local disk, HDFS);
   * false on an object store, where artifacts are committed by their {@value #COMMITTED} marker.
   */
  public static boolean renamesAtomically(Path path) {
    return path.getFileSystem() == FileSystems.getDefault()
        || "hdfs".equals(path.getFileSystem().provider().getScheme());
  }

  /**
   * Refuses an artifact directory on an object store that its {@value #COMMITTED} marker does not
   * commit: no marker (an interrupted write, or a replacement under way), or a file it lists
   * missing or of another size. On the local disk, where an artifact appears by rename, it checks
   * nothing.
   *
   * @throws ArtifactIntegrityException naming the artifact and what is wrong
   */
  public static void requireCommitted(Path dir) throws IOException {
    if (renamesAtomically(dir) || !Files.isDirectory(dir)) {
      return;
    }
    Path marker = dir.resolve(COMMITTED);
    if (!Files.exists(marker)) {
      throw new ArtifactIntegrityException(
          dir
              + " is not a committed artifact: it has no "
              + COMMITTED
              + " marker (its write was interrupted or is under way)");
    }
    Map<String, Long> listed = new TreeMap<>();
    for (String line : Files.readAllLines(marker, StandardCharsets.UTF_8)) {
      int space = line.indexOf(' ');
      if (space > 0) {
        listed.put(line.substring(space + 1), Long.parseLong(line.substring(0, space)));
      }
    }
    Map<String, Long> present = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path file : (Iterable<Path>) paths.filter(Files::isRegularFile)::iterator) {
        if (!file.equals(marker)) {
          present.put(dir.relativize(file).toString(), Files.size(file));
        }
      }
    }
    // Files a stage adds beside a committed artifact (a report) are the content fingerprint's
    // concern; the marker proves that what the commit wrote is all there.
    for (Map.Entry<String, Long> file : listed.entrySet()) {
      if (!file.getValue().equals(present.get(file.getKey()))) {
        throw new ArtifactIntegrityException(
            dir
                + " does not hold what its "
                + COMMITTED
                + " marker lists: "
                + file.getKey()
                + (present.containsKey(file.getKey()) ? " changed size" : " is missing"));
      }
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
    if (!renamesAtomically(file)) {
      // An object appears whole when its upload completes.
      Files.write(file, content);
      return;
    }
    Path temp = file.resolveSibling("." + file.getFileName() + ".tmp-" + UUID.randomUUID());
    Files.write(temp, content);
    move(temp, file);
  }

  /**
   * Moves one file into place so that readers see all of it or nothing: an atomic rename on the
   * local disk; on an object store a copy (the target object appears whole) and a delete.
   */
  public static void moveFile(Path from, Path to) throws IOException {
    if (renamesAtomically(to)) {
      move(from, to);
    } else {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
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
    copyRecursively(from, to, StandardCopyOption.COPY_ATTRIBUTES);
  }

  /**
   * {@link #copyRecursively} into a directory this process just made under a name of its own (a
   * staging directory), where no file can be in the way: nothing asks the store whether each target
   * exists first (on an object store, one HEAD request per file).
   */
  public static void copyRecursivelyIntoFresh(Path from, Path freshDirectory) throws IOException {
    copyRecursively(
        from,
        freshDirectory,
        StandardCopyOption.COPY_ATTRIBUTES,
        StandardCopyOption.REPLACE_EXISTING);
  }

  private static void copyRecursively(Path from, Path to, CopyOption... options)
      throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, options);
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
