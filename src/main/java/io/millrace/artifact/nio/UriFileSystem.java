package io.millrace.artifact.nio;

import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.WatchService;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.spi.FileSystemProvider;
import java.util.List;
import java.util.Set;

/** Every {@code scheme://} path of one provider, whatever its bucket or namenode. */
public final class UriFileSystem extends FileSystem {
  private final FileSystemProvider provider;
  private final boolean readOnly;

  public UriFileSystem(FileSystemProvider provider, boolean readOnly) {
    this.provider = provider;
    this.readOnly = readOnly;
  }

  public String scheme() {
    return provider.getScheme();
  }

  @Override
  public FileSystemProvider provider() {
    return provider;
  }

  /** Shared by every user of the scheme: closing it would break them all. */
  @Override
  public void close() {}

  @Override
  public boolean isOpen() {
    return true;
  }

  @Override
  public boolean isReadOnly() {
    return readOnly;
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

  @Override
  public Path getPath(String first, String... more) {
    StringBuilder path = new StringBuilder(first);
    for (String name : more) {
      if (!name.isEmpty()) {
        path.append('/').append(name);
      }
    }
    return UriPath.parse(this, path.toString());
  }

  /**
   * Globs and regular expressions as the local file system reads them, matched on the path's string
   * (a file name, for a directory stream's filter).
   */
  @Override
  public PathMatcher getPathMatcher(String syntaxAndPattern) {
    PathMatcher local = FileSystems.getDefault().getPathMatcher(syntaxAndPattern);
    return path -> local.matches(Path.of(path.toString().replace("://", ":/")));
  }

  @Override
  public UserPrincipalLookupService getUserPrincipalLookupService() {
    throw new UnsupportedOperationException(scheme() + ":// paths have no owners");
  }

  @Override
  public WatchService newWatchService() {
    throw new UnsupportedOperationException("no watching of " + scheme() + ":// paths");
  }
}
