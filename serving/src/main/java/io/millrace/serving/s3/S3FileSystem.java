package io.millrace.serving.s3;

import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.WatchService;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import java.util.Set;

/** Every {@code s3://} path of one {@link S3FileSystemProvider}, whatever its bucket; read-only. */
final class S3FileSystem extends FileSystem {
  private final S3FileSystemProvider provider;

  S3FileSystem(S3FileSystemProvider provider) {
    this.provider = provider;
  }

  @Override
  public S3FileSystemProvider provider() {
    return provider;
  }

  /** Shared by every user: closing it would break them all. */
  @Override
  public void close() {}

  @Override
  public boolean isOpen() {
    return true;
  }

  @Override
  public boolean isReadOnly() {
    return true;
  }

  @Override
  public String getSeparator() {
    return "/";
  }

  @Override
  public Iterable<Path> getRootDirectories() {
    return List.of();
  }

  @Override
  public Iterable<FileStore> getFileStores() {
    return List.of();
  }

  @Override
  public Set<String> supportedFileAttributeViews() {
    return Set.of("basic");
  }

  /** {@code s3://bucket/key} or a relative {@code a/b}. */
  @Override
  public Path getPath(String first, String... more) {
    String text = join(first, more);
    Path local = FileSystems.getDefault().getPath("/");
    if (text.startsWith("s3://")) {
      String rest = text.substring("s3://".length());
      if (rest.isEmpty() || rest.startsWith("/")) {
        throw new InvalidPathException(text, "names no bucket");
      }
      return new S3Path(this, local.resolve(rest), null);
    }
    if (text.contains("://") || text.startsWith("/")) {
      throw new InvalidPathException(text, "not an s3:// URI nor a relative path");
    }
    return new S3Path(this, local.getFileSystem().getPath(text), null);
  }

  private static String join(String first, String... more) {
    StringBuilder path = new StringBuilder(first);
    for (String name : more) {
      if (!name.isEmpty()) {
        path.append('/').append(name);
      }
    }
    return path.toString();
  }

  @Override
  public PathMatcher getPathMatcher(String syntaxAndPattern) {
    PathMatcher local = FileSystems.getDefault().getPathMatcher(syntaxAndPattern);
    return path -> local.matches(Path.of(path.toString().replace("://", ":/")));
  }

  @Override
  public UserPrincipalLookupService getUserPrincipalLookupService() {
    throw new UnsupportedOperationException("s3:// paths have no owners");
  }

  @Override
  public WatchService newWatchService() {
    throw new UnsupportedOperationException("no watching of s3:// paths");
  }
}
