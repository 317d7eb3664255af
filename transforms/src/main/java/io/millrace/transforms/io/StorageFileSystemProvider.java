package io.millrace.transforms.io;

import io.millrace.artifact.nio.UriChannels;
import io.millrace.artifact.nio.UriFileSystemProvider;
import io.millrace.artifact.nio.UriPath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * {@code java.nio.file} over Beam's {@link org.apache.beam.sdk.io.FileSystems} for the schemes it
 * serves beyond the local disk ({@code s3://}, {@code gs://}), so the artifact code written against
 * {@link Path} and {@link Files} runs unchanged on an object store, and the runner-free core never
 * imports Beam. Registered in {@code META-INF/services}; {@link io.millrace.artifact.StoragePaths}
 * turns {@code s3://bucket/key} strings into such paths (also inside a Flink TaskManager, whose job
 * class loader the JDK's installed providers do not see).
 *
 * <p>An object store has objects, not directories: a directory is a key prefix that exists while an
 * object lies under it. {@link Files#createDirectories} is a no-op, listing a directory lists the
 * keys under its prefix, deleting an empty (so absent) directory is a no-op, and there is no atomic
 * rename: {@code ATOMIC_MOVE} throws {@link AtomicMoveNotSupportedException}, which the commit
 * protocol of {@link io.millrace.artifact.ArtifactDirectory} answers with its marker. Every failure
 * of the store names the operation and the URI ({@link Storage}).
 */
public abstract class StorageFileSystemProvider extends UriFileSystemProvider {
  StorageFileSystemProvider(String scheme) {
    super(scheme);
  }

  /** {@code s3://}, through Beam's Amazon Web Services file system. */
  public static final class S3 extends StorageFileSystemProvider {
    public S3() {
      super("s3");
    }
  }

  /** {@code gs://}, through Beam's Google Cloud Storage file system when it is on the classpath. */
  public static final class Gcs extends StorageFileSystemProvider {
    public Gcs() {
      super("gs");
    }
  }

  // ------------------------------------------------------------------ reading and writing

  @Override
  public SeekableByteChannel newByteChannel(
      Path path, Set<? extends OpenOption> options, FileAttribute<?>... attributes)
      throws IOException {
    UriPath file = absolute(path);
    if (options.contains(StandardOpenOption.APPEND)) {
      throw new UnsupportedOperationException("an object cannot be appended to: " + file);
    }
    if (options.contains(StandardOpenOption.WRITE)) {
      // CREATE_NEW is not checked: no store offers it atomically (S3Proxy has no conditional
      // write), and a check before the upload would cost two requests per file while deciding
      // nothing. Millrace writes new objects only under fresh, uniquely named prefixes.
      return UriChannels.writing(Storage.create(file.spec(false)));
    }
    if (Storage.asksDirectly(file.spec(false))) {
      return Storage.openDirectly(file.spec(false));
    }
    ReadableByteChannel channel;
    try {
      channel = Storage.open(file.spec(false));
    } catch (StorageException e) {
      if (object(file).isEmpty()) {
        throw new NoSuchFileException(file.toString());
      }
      throw e;
    }
    return channel instanceof SeekableByteChannel seekable
        ? seekable
        : UriChannels.reading(channel, attributes(file).size(), null);
  }

  // ------------------------------------------------------------------ directories

  /** Directories are prefixes: they come into being with their first object. */
  @Override
  public void createDirectory(Path dir, FileAttribute<?>... attributes) throws IOException {
    UriPath path = absolute(dir);
    if (object(path).isPresent()) {
      throw new FileAlreadyExistsException(path.toString());
    }
  }

  /**
   * The files and directories right under {@code dir}, from one listing of every key under its
   * prefix; a prefix with no object under it lists nothing.
   */
  @Override
  public DirectoryStream<Path> newDirectoryStream(
      Path dir, DirectoryStream.Filter<? super Path> filter) throws IOException {
    UriPath directory = absolute(dir);
    Map<String, Path> children = new TreeMap<>();
    for (MatchResult.Metadata object : under(directory)) {
      UriPath file = UriPath.parse(fileSystem, object.resourceId().toString());
      if (file.names().size() <= directory.names().size()) {
        continue;
      }
      String child = file.names().get(directory.names().size());
      boolean isFile = file.names().size() == directory.names().size() + 1;
      Attributes attributes =
          new Attributes(isFile, isFile ? object.sizeBytes() : 0, object.lastModifiedMillis());
      UriPath path = directory.listedChild(child, attributes);
      Path known = children.get(child);
      if (known == null || isFile) {
        children.put(child, path);
      } else if (!((UriPath) known).listed().isRegularFile()) {
        // A prefix was last modified when its newest object was.
        long newest =
            Math.max(
                ((UriPath) known).listed().lastModifiedTime().toMillis(),
                object.lastModifiedMillis());
        children.put(child, path.withListed(new Attributes(false, 0, newest)));
      }
    }
    return UriChannels.listed(children.values(), filter);
  }

  // ------------------------------------------------------------------ copying, moving, deleting

  /**
   * Deletes an object. A directory goes when its last object does: deleting one that still holds
   * objects fails, deleting an empty (so absent) one does nothing.
   */
  @Override
  public void delete(Path path) throws IOException {
    UriPath file = absolute(path);
    if (file.listed() != null ? file.listed().isRegularFile() : object(file).isPresent()) {
      Storage.delete(List.of(file.spec(false)));
      return;
    }
    if (!under(file).isEmpty()) {
      throw new DirectoryNotEmptyException(file.toString());
    }
  }

  @Override
  public boolean deleteIfExists(Path path) throws IOException {
    UriPath file = absolute(path);
    boolean existed = exists(file);
    delete(file);
    return existed;
  }

  @Override
  public void copy(Path source, Path target, CopyOption... options) throws IOException {
    UriPath from = absolute(source);
    UriPath to = absolute(target);
    boolean isFile =
        from.listed() != null ? from.listed().isRegularFile() : object(from).isPresent();
    if (!isFile) {
      if (under(from).isEmpty()) {
        throw new NoSuchFileException(from.toString());
      }
      return; // copying a directory copies no content, and the target needs no directory
    }
    checkReplace(to, options);
    Storage.copy(from.spec(false), to.spec(false));
  }

  /** A rename of one object (a copy, then a delete): never atomic, so never {@code ATOMIC_MOVE}. */
  @Override
  public void move(Path source, Path target, CopyOption... options) throws IOException {
    UriPath from = absolute(source);
    UriPath to = absolute(target);
    for (CopyOption option : options) {
      if (option == StandardCopyOption.ATOMIC_MOVE) {
        throw new AtomicMoveNotSupportedException(
            from.toString(), to.toString(), "an object store has no atomic rename");
      }
    }
    if (object(from).isEmpty()) {
      throw new NoSuchFileException(
          from.toString(), null, under(from).isEmpty() ? null : "directories are not moved");
    }
    checkReplace(to, options);
    Storage.rename(from.spec(false), to.spec(false));
  }

  private void checkReplace(UriPath target, CopyOption... options) throws IOException {
    for (CopyOption option : options) {
      if (option == StandardCopyOption.REPLACE_EXISTING) {
        return;
      }
    }
    if (exists(target)) {
      throw new FileAlreadyExistsException(target.toString());
    }
  }

  // ------------------------------------------------------------------ attributes

  @Override
  protected BasicFileAttributes attributes(UriPath path) throws IOException {
    if (path.listed() != null) {
      return path.listed();
    }
    if (path.names().isEmpty()) {
      return new Attributes(false, 0, 0); // a bucket
    }
    if (Storage.asksDirectly(path.spec(false))) {
      Storage.Entry entry =
          Storage.stat(path.spec(false))
              .orElseThrow(() -> new NoSuchFileException(path.toString()));
      return entry.isFile()
          ? new Attributes(true, entry.sizeBytes(), entry.lastModifiedMillis())
          : new PrefixAttributes(path);
    }
    Optional<MatchResult.Metadata> object = object(path);
    if (object.isPresent()) {
      return new Attributes(true, object.get().sizeBytes(), object.get().lastModifiedMillis());
    }
    List<MatchResult.Metadata> objects = under(path);
    if (objects.isEmpty()) {
      throw new NoSuchFileException(path.toString());
    }
    // A prefix was last modified when its newest object was written.
    long newest =
        objects.stream().mapToLong(MatchResult.Metadata::lastModifiedMillis).max().orElse(0);
    return new Attributes(false, 0, newest);
  }

  // ------------------------------------------------------------------ the store

  private boolean exists(UriPath path) throws IOException {
    if (path.names().isEmpty()) {
      return true;
    }
    if (Storage.asksDirectly(path.spec(false))) {
      return Storage.stat(path.spec(false)).isPresent();
    }
    return object(path).isPresent() || !under(path).isEmpty();
  }

  /**
   * A directory's attributes from a look that told only that objects lie under it: its time, the
   * newest object's, is listed when first asked for (seldom: a walk asks only whether an entry is a
   * directory).
   */
  private static final class PrefixAttributes implements StoredAttributes {
    private final UriPath path;
    private FileTime newest;

    PrefixAttributes(UriPath path) {
      this.path = path;
    }

    @Override
    public synchronized FileTime lastModifiedTime() {
      if (newest == null) {
        try {
          newest =
              FileTime.fromMillis(
                  under(path).stream()
                      .mapToLong(MatchResult.Metadata::lastModifiedMillis)
                      .max()
                      .orElse(0));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      return newest;
    }

    @Override
    public boolean isRegularFile() {
      return false;
    }

    @Override
    public long size() {
      return 0;
    }
  }

  /** The object at exactly this key, if there is one. */
  private static Optional<MatchResult.Metadata> object(UriPath path) throws IOException {
    if (path.names().isEmpty()) {
      return Optional.empty();
    }
    return Storage.object(path.spec(false));
  }

  /** Every object under the path's prefix, at any depth. */
  private static List<MatchResult.Metadata> under(UriPath path) throws IOException {
    return Storage.listUnder(path.spec(true));
  }
}
