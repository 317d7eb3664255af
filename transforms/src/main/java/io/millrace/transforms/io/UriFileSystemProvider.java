package io.millrace.transforms.io;

import java.io.IOException;
import java.net.URI;
import java.nio.file.AccessMode;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.spi.FileSystemProvider;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the providers of {@code s3://}, {@code gs://} and {@code hdfs://} paths share: their paths
 * ({@link StoragePath}), one file system per scheme, and basic attributes only (no owners,
 * permissions or links; a copy keeps no times).
 */
abstract class UriFileSystemProvider extends FileSystemProvider {
  private final String scheme;
  final StorageFileSystem fileSystem;

  UriFileSystemProvider(String scheme) {
    this.scheme = scheme;
    this.fileSystem = new StorageFileSystem(this);
  }

  /** What the store says about a file or directory; NoSuchFileException when it has neither. */
  abstract BasicFileAttributes attributes(StoragePath path) throws IOException;

  @Override
  public final String getScheme() {
    return scheme;
  }

  @Override
  public final FileSystem newFileSystem(URI uri, Map<String, ?> env) {
    return fileSystem;
  }

  @Override
  public final FileSystem getFileSystem(URI uri) {
    return fileSystem;
  }

  @Override
  public final Path getPath(URI uri) {
    if (!scheme.equalsIgnoreCase(uri.getScheme())) {
      throw new ProviderMismatchException(uri + " is not a " + scheme + ":// URI");
    }
    return StoragePath.parse(fileSystem, uri.toString());
  }

  /** The path as this provider's, absolute: a relative one names no object. */
  static StoragePath absolute(Path path) {
    if (!(path instanceof StoragePath p)) {
      throw new ProviderMismatchException(path + " is not a storage path");
    }
    if (!p.isAbsolute()) {
      throw new IllegalArgumentException("a relative path names no object: " + p);
    }
    return p;
  }

  @Override
  public final boolean isSameFile(Path path, Path other) {
    return path.equals(other);
  }

  /** Leftovers and staging copies are named with a leading dot, as on a local disk. */
  @Override
  public final boolean isHidden(Path path) {
    Path name = path.getFileName();
    return name != null && name.toString().startsWith(".");
  }

  @Override
  public final FileStore getFileStore(Path path) {
    throw new UnsupportedOperationException(scheme + ":// paths have no file store");
  }

  @Override
  public final void checkAccess(Path path, AccessMode... modes) throws IOException {
    attributes(absolute(path));
  }

  @Override
  @SuppressWarnings("unchecked")
  public final <V extends FileAttributeView> V getFileAttributeView(
      Path path, Class<V> type, LinkOption... options) {
    if (type != BasicFileAttributeView.class) {
      return null;
    }
    StoragePath file = absolute(path);
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

          /** A stored file's times are the store's: copies keep none. */
          @Override
          public void setTimes(FileTime modified, FileTime access, FileTime create) {}
        };
  }

  @Override
  @SuppressWarnings("unchecked")
  public final <A extends BasicFileAttributes> A readAttributes(
      Path path, Class<A> type, LinkOption... options) throws IOException {
    if (!type.isAssignableFrom(Attributes.class)) {
      throw new UnsupportedOperationException(
          scheme + ":// paths have only basic attributes, not " + type.getSimpleName());
    }
    return (A) attributes(absolute(path));
  }

  @Override
  public final Map<String, Object> readAttributes(
      Path path, String attributes, LinkOption... options) throws IOException {
    BasicFileAttributes read = attributes(absolute(path));
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("size", read.size());
    map.put("lastModifiedTime", read.lastModifiedTime());
    map.put("isRegularFile", read.isRegularFile());
    map.put("isDirectory", read.isDirectory());
    return map;
  }

  @Override
  public final void setAttribute(Path path, String attribute, Object value, LinkOption... options) {
    throw new UnsupportedOperationException(scheme + ":// paths have no settable attributes");
  }

  /**
   * What a stored file or directory has of {@link BasicFileAttributes}: a kind, a size and a time,
   * which also stands for its access and creation times.
   */
  interface StoredAttributes extends BasicFileAttributes {
    @Override
    default FileTime lastAccessTime() {
      return lastModifiedTime();
    }

    @Override
    default FileTime creationTime() {
      return lastModifiedTime();
    }

    @Override
    default boolean isDirectory() {
      return !isRegularFile();
    }

    @Override
    default boolean isSymbolicLink() {
      return false;
    }

    @Override
    default boolean isOther() {
      return false;
    }

    @Override
    default Object fileKey() {
      return null;
    }
  }

  /** A file or a directory, as {@link BasicFileAttributes}. */
  record Attributes(boolean isRegularFile, long size, long modifiedMillis)
      implements StoredAttributes {
    @Override
    public FileTime lastModifiedTime() {
      return FileTime.fromMillis(modifiedMillis);
    }
  }
}
