package io.millrace.serving.s3;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A path of {@link S3FileSystemProvider}: {@code s3://bucket/key} when absolute, a relative {@code
 * a/b} otherwise (what {@link #relativize} gives). Its names are kept as a path of the local file
 * system's syntax ({@code /bucket/a/b}), whose algebra (resolve, relativize, normalize) it borrows;
 * nothing is looked up until a file operation runs.
 */
final class S3Path implements Path {
  private final S3FileSystem fileSystem;
  private final Path names;

  /** What the listing that found this path said of it (one request per directory, not per file). */
  private final BasicFileAttributes listed;

  S3Path(S3FileSystem fileSystem, Path names, BasicFileAttributes listed) {
    this.fileSystem = fileSystem;
    this.names = names;
    this.listed = listed;
  }

  S3Path withListed(BasicFileAttributes attributes) {
    return new S3Path(fileSystem, names, attributes);
  }

  BasicFileAttributes listed() {
    return listed;
  }

  String bucket() {
    return names.getName(0).toString();
  }

  /** The object key, or the prefix of a directory (without its trailing slash); "" for a bucket. */
  String key() {
    return names.getNameCount() > 1 ? names.subpath(1, names.getNameCount()).toString() : "";
  }

  private S3Path wrap(Path p) {
    return p == null ? null : new S3Path(fileSystem, p, null);
  }

  private Path unwrap(Path other) {
    if (other instanceof S3Path s) {
      return s.names;
    }
    if (!other.isAbsolute()) {
      return names.getFileSystem().getPath(other.toString());
    }
    throw new ProviderMismatchException(other + " is not an s3:// path");
  }

  @Override
  public S3FileSystem getFileSystem() {
    return fileSystem;
  }

  @Override
  public boolean isAbsolute() {
    return names.isAbsolute();
  }

  @Override
  public Path getRoot() {
    return null;
  }

  @Override
  public Path getFileName() {
    return names.getNameCount() == 0 ? null : wrap(names.getFileName());
  }

  @Override
  public Path getParent() {
    // The bucket is the top: s3:// alone names nothing.
    return isAbsolute() && names.getNameCount() <= 1 ? null : wrap(names.getParent());
  }

  @Override
  public int getNameCount() {
    return names.getNameCount();
  }

  @Override
  public Path getName(int index) {
    return wrap(names.getName(index));
  }

  @Override
  public Path subpath(int beginIndex, int endIndex) {
    return wrap(names.subpath(beginIndex, endIndex));
  }

  @Override
  public boolean startsWith(Path other) {
    return other instanceof S3Path s && names.startsWith(s.names);
  }

  @Override
  public boolean endsWith(Path other) {
    return other instanceof S3Path s && names.endsWith(s.names);
  }

  @Override
  public Path normalize() {
    return wrap(names.normalize());
  }

  @Override
  public Path resolve(Path other) {
    return wrap(names.resolve(unwrap(other)));
  }

  @Override
  public Path relativize(Path other) {
    return wrap(names.relativize(unwrap(other)));
  }

  @Override
  public URI toUri() {
    if (!isAbsolute()) {
      throw new IllegalStateException(this + " is relative: it has no URI");
    }
    try {
      return new URI("s3", bucket(), "/" + key(), null);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(this + " is no URI: " + e.getMessage(), e);
    }
  }

  @Override
  public Path toAbsolutePath() {
    if (!isAbsolute()) {
      throw new IllegalStateException(this + " is relative to nothing on s3://");
    }
    return this;
  }

  @Override
  public Path toRealPath(LinkOption... options) throws IOException {
    return toAbsolutePath();
  }

  @Override
  public WatchKey register(
      WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
    throw new UnsupportedOperationException("no watching of s3:// paths");
  }

  @Override
  public int compareTo(Path other) {
    return toString().compareTo(other.toString());
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof S3Path s && s.names.equals(names);
  }

  @Override
  public int hashCode() {
    return names.hashCode();
  }

  @Override
  public String toString() {
    return isAbsolute() ? "s3:/" + names : names.toString();
  }
}
