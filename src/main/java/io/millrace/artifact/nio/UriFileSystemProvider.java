package io.millrace.artifact.nio;

import java.io.IOException;
import java.net.URI;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.ReadOnlyFileSystemException;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.spi.FileSystemProvider;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the providers of {@code s3://}, {@code gs://} and {@code hdfs://} paths share, whatever
 * reads their store (Beam's file systems or HDFS in the pipelines, the AWS SDK in the model
 * server); Beam-free, so that a process without Beam builds on it too: their paths ({@link
 * UriPath}), one file system per scheme, and basic attributes only (no owners, permissions or
 * links; a copy keeps no times).
 */
public abstract class UriFileSystemProvider extends FileSystemProvider {
  private final String scheme;
  protected final UriFileSystem fileSystem;

  protected UriFileSystemProvider(String scheme) {
    this(scheme, false);
  }

  /**
   * @param readOnly every write refused: {@code checkAccess} grants only READ, attributes cannot be
   *     set, and the subclass answers its own writes with ReadOnlyFileSystemException
   */
  protected UriFileSystemProvider(String scheme, boolean readOnly) {
    this.scheme = scheme;
    this.fileSystem = new UriFileSystem(this, readOnly);
  }

  /** What the store says about a file or directory; NoSuchFileException when it has neither. */
  protected abstract BasicFileAttributes attributes(UriPath path) throws IOException;

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
    return UriPath.parse(fileSystem, uri.toString());
  }

  /** The path as this provider's, absolute: a relative one names no object. */
  protected static UriPath absolute(Path path) {
    if (!(path instanceof UriPath p)) {
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
    UriPath file = absolute(path);
    if (fileSystem.isReadOnly()) {
      for (AccessMode mode : modes) {
        if (mode != AccessMode.READ) {
          throw new AccessDeniedException(file.toString(), null, scheme + ":// is read-only here");
        }
      }
    }
    attributes(file);
  }

  @Override
  @SuppressWarnings("unchecked")
  public final <V extends FileAttributeView> V getFileAttributeView(
      Path path, Class<V> type, LinkOption... options) {
    if (type != BasicFileAttributeView.class) {
      return null;
    }
    UriPath file = absolute(path);
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
          public void setTimes(FileTime modified, FileTime access, FileTime create) {
            if (fileSystem.isReadOnly()) {
              throw new ReadOnlyFileSystemException();
            }
          }
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
    map.put("lastAccessTime", read.lastAccessTime());
    map.put("creationTime", read.creationTime());
    map.put("isRegularFile", read.isRegularFile());
    map.put("isDirectory", read.isDirectory());
    map.put("isSymbolicLink", read.isSymbolicLink());
    map.put("isOther", read.isOther());
    map.put("fileKey", read.fileKey());
    return map;
  }

  @Override
  public final void setAttribute(Path path, String attribute, Object value, LinkOption... options) {
    if (fileSystem.isReadOnly()) {
      throw new ReadOnlyFileSystemException();
    }
    throw new UnsupportedOperationException(scheme + ":// paths have no settable attributes");
  }

  /**
   * What a stored file or directory has of {@link BasicFileAttributes}: a kind, a size and a time,
   * which also stands for its access and creation times.
   */
  public interface StoredAttributes extends BasicFileAttributes {
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
  public record Attributes(boolean isRegularFile, long size, long modifiedMillis)
      implements StoredAttributes {
    @Override
    public FileTime lastModifiedTime() {
      return FileTime.fromMillis(modifiedMillis);
    }
  }
}
