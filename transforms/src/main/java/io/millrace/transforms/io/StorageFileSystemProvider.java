package io.millrace.transforms.io;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.spi.FileSystemProvider;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
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
public abstract class StorageFileSystemProvider extends FileSystemProvider {
  private final String scheme;
  private final StorageFileSystem fileSystem;

  StorageFileSystemProvider(String scheme) {
    this.scheme = scheme;
    this.fileSystem = new StorageFileSystem(this);
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

  @Override
  public String getScheme() {
    return scheme;
  }

  @Override
  public FileSystem newFileSystem(URI uri, Map<String, ?> env) {
    return fileSystem;
  }

  @Override
  public FileSystem getFileSystem(URI uri) {
    return fileSystem;
  }

  @Override
  public Path getPath(URI uri) {
    if (!scheme.equalsIgnoreCase(uri.getScheme())) {
      throw new ProviderMismatchException(uri + " is not a " + scheme + ":// URI");
    }
    return StoragePath.parse(fileSystem, uri.toString());
  }

  private static StoragePath storagePath(Path path) {
    if (!(path instanceof StoragePath p)) {
      throw new ProviderMismatchException(path + " is not an object-store path");
    }
    if (!p.isAbsolute()) {
      throw new IllegalArgumentException("a relative path names no object: " + p);
    }
    return p;
  }

  // ------------------------------------------------------------------ reading and writing

  @Override
  public SeekableByteChannel newByteChannel(
      Path path, Set<? extends OpenOption> options, FileAttribute<?>... attributes)
      throws IOException {
    StoragePath file = storagePath(path);
    if (options.contains(StandardOpenOption.APPEND)) {
      throw new UnsupportedOperationException("an object cannot be appended to: " + file);
    }
    if (options.contains(StandardOpenOption.WRITE)) {
      if (options.contains(StandardOpenOption.CREATE_NEW) && exists(file)) {
        throw new FileAlreadyExistsException(file.toString());
      }
      return new WriteChannel(Storage.create(file.spec(false)));
    }
    Optional<MatchResult.Metadata> object = object(file);
    if (object.isEmpty()) {
      throw new NoSuchFileException(file.toString());
    }
    ReadableByteChannel channel = Storage.open(file.spec(false));
    return channel instanceof SeekableByteChannel seekable
        ? seekable
        : new ReadChannel(channel, object.get().sizeBytes());
  }

  /** What Beam's file systems write: a stream of bytes, the object appearing on close. */
  private static final class WriteChannel implements SeekableByteChannel {
    private final WritableByteChannel object;
    private long position;

    WriteChannel(WritableByteChannel object) {
      this.object = object;
    }

    @Override
    public int write(ByteBuffer source) throws IOException {
      int n = object.write(source);
      position += n;
      return n;
    }

    @Override
    public int read(ByteBuffer destination) {
      throw new NonReadableChannelException();
    }

    @Override
    public long position() {
      return position;
    }

    @Override
    public SeekableByteChannel position(long newPosition) {
      if (newPosition != position) {
        throw new UnsupportedOperationException("an object is written from start to end");
      }
      return this;
    }

    @Override
    public long size() {
      return position;
    }

    @Override
    public SeekableByteChannel truncate(long size) {
      throw new UnsupportedOperationException("an object is written from start to end");
    }

    @Override
    public boolean isOpen() {
      return object.isOpen();
    }

    @Override
    public void close() throws IOException {
      object.close();
    }
  }

  /** A sequential read of an object whose file system offers no seeking. */
  private static final class ReadChannel implements SeekableByteChannel {
    private final ReadableByteChannel object;
    private final long size;
    private long position;

    ReadChannel(ReadableByteChannel object, long size) {
      this.object = object;
      this.size = size;
    }

    @Override
    public int read(ByteBuffer destination) throws IOException {
      int n = object.read(destination);
      if (n > 0) {
        position += n;
      }
      return n;
    }

    @Override
    public int write(ByteBuffer source) {
      throw new NonWritableChannelException();
    }

    @Override
    public long position() {
      return position;
    }

    @Override
    public SeekableByteChannel position(long newPosition) {
      if (newPosition != position) {
        throw new UnsupportedOperationException("this object is read from start to end");
      }
      return this;
    }

    @Override
    public long size() {
      return size;
    }

    @Override
    public SeekableByteChannel truncate(long size) {
      throw new NonWritableChannelException();
    }

    @Override
    public boolean isOpen() {
      return object.isOpen();
    }

    @Override
    public void close() throws IOException {
      object.close();
    }
  }

  // ------------------------------------------------------------------ directories

  /** Directories are prefixes: they come into being with their first object. */
  @Override
  public void createDirectory(Path dir, FileAttribute<?>... attributes) throws IOException {
    StoragePath path = storagePath(dir);
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
    StoragePath directory = storagePath(dir);
    Map<String, Path> children = new TreeMap<>();
    for (MatchResult.Metadata object : under(directory)) {
      StoragePath file = StoragePath.parse(fileSystem, object.resourceId().toString());
      if (file.names().size() <= directory.names().size()) {
        continue;
      }
      String child = file.names().get(directory.names().size());
      children.putIfAbsent(child, directory.resolve(child));
    }
    List<Path> accepted = new ArrayList<>();
    for (Path child : children.values()) {
      if (filter.accept(child)) {
        accepted.add(child);
      }
    }
    return new DirectoryStream<>() {
      @Override
      public Iterator<Path> iterator() {
        return accepted.iterator();
      }

      @Override
      public void close() {}
    };
  }

  // ------------------------------------------------------------------ copying, moving, deleting

  /**
   * Deletes an object. A directory goes when its last object does: deleting one that still holds
   * objects fails, deleting an empty (so absent) one does nothing.
   */
  @Override
  public void delete(Path path) throws IOException {
    StoragePath file = storagePath(path);
    if (object(file).isPresent()) {
      Storage.delete(List.of(file.spec(false)));
      return;
    }
    if (!under(file).isEmpty()) {
      throw new DirectoryNotEmptyException(file.toString());
    }
  }

  @Override
  public boolean deleteIfExists(Path path) throws IOException {
    StoragePath file = storagePath(path);
    boolean existed = exists(file);
    delete(file);
    return existed;
  }

  @Override
  public void copy(Path source, Path target, CopyOption... options) throws IOException {
    StoragePath from = storagePath(source);
    StoragePath to = storagePath(target);
    if (object(from).isEmpty()) {
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
    StoragePath from = storagePath(source);
    StoragePath to = storagePath(target);
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

  private void checkReplace(StoragePath target, CopyOption... options) throws IOException {
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
  public boolean isSameFile(Path path, Path other) {
    return path.equals(other);
  }

  /** Leftovers and staging copies are named with a leading dot, as on a local disk. */
  @Override
  public boolean isHidden(Path path) {
    Path name = path.getFileName();
    return name != null && name.toString().startsWith(".");
  }

  @Override
  public FileStore getFileStore(Path path) {
    throw new UnsupportedOperationException(scheme + ":// paths have no file store");
  }

  @Override
  public void checkAccess(Path path, AccessMode... modes) throws IOException {
    StoragePath file = storagePath(path);
    if (!exists(file)) {
      throw new NoSuchFileException(file.toString());
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public <V extends FileAttributeView> V getFileAttributeView(
      Path path, Class<V> type, LinkOption... options) {
    if (type != BasicFileAttributeView.class) {
      return null;
    }
    StoragePath file = storagePath(path);
    return (V)
        new BasicFileAttributeView() {
          @Override
          public String name() {
            return "basic";
          }

          @Override
          public BasicFileAttributes readAttributes() throws IOException {
            return attributes(file);
          }

          /** An object's times are the store's: copies keep none. */
          @Override
          public void setTimes(FileTime modified, FileTime access, FileTime create) {}
        };
  }

  @Override
  @SuppressWarnings("unchecked")
  public <A extends BasicFileAttributes> A readAttributes(
      Path path, Class<A> type, LinkOption... options) throws IOException {
    if (!type.isAssignableFrom(ObjectAttributes.class)) {
      throw new UnsupportedOperationException(
          scheme + ":// paths have only basic attributes, not " + type.getSimpleName());
    }
    return (A) attributes(storagePath(path));
  }

  @Override
  public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options)
      throws IOException {
    ObjectAttributes read = attributes(storagePath(path));
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("size", read.size());
    map.put("lastModifiedTime", read.lastModifiedTime());
    map.put("isRegularFile", read.isRegularFile());
    map.put("isDirectory", read.isDirectory());
    return map;
  }

  @Override
  public void setAttribute(Path path, String attribute, Object value, LinkOption... options) {
    throw new UnsupportedOperationException(scheme + ":// paths have no settable attributes");
  }

  private ObjectAttributes attributes(StoragePath path) throws IOException {
    if (path.names().isEmpty()) {
      return new ObjectAttributes(false, 0, 0); // a bucket
    }
    Optional<MatchResult.Metadata> object = object(path);
    if (object.isPresent()) {
      return new ObjectAttributes(
          true, object.get().sizeBytes(), object.get().lastModifiedMillis());
    }
    if (!under(path).isEmpty()) {
      return new ObjectAttributes(false, 0, 0);
    }
    throw new NoSuchFileException(path.toString());
  }

  /** An object or a prefix, as {@link BasicFileAttributes}. */
  private record ObjectAttributes(boolean isRegularFile, long size, long modifiedMillis)
      implements BasicFileAttributes {
    @Override
    public FileTime lastModifiedTime() {
      return FileTime.fromMillis(modifiedMillis);
    }

    @Override
    public FileTime lastAccessTime() {
      return lastModifiedTime();
    }

    @Override
    public FileTime creationTime() {
      return lastModifiedTime();
    }

    @Override
    public boolean isDirectory() {
      return !isRegularFile;
    }

    @Override
    public boolean isSymbolicLink() {
      return false;
    }

    @Override
    public boolean isOther() {
      return false;
    }

    @Override
    public Object fileKey() {
      return null;
    }
  }

  // ------------------------------------------------------------------ the store

  private boolean exists(StoragePath path) throws IOException {
    return path.names().isEmpty() || object(path).isPresent() || !under(path).isEmpty();
  }

  /** The object at exactly this key, if there is one. */
  private static Optional<MatchResult.Metadata> object(StoragePath path) throws IOException {
    if (path.names().isEmpty()) {
      return Optional.empty();
    }
    return Storage.match(path.spec(false)).stream().findFirst();
  }

  /** Every object under the path's prefix, at any depth. */
  private static List<MatchResult.Metadata> under(StoragePath path) throws IOException {
    return Storage.match(path.spec(true) + "**");
  }
}
