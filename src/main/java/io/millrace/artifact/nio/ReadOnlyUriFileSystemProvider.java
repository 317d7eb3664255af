package io.millrace.artifact.nio;

import java.nio.file.CopyOption;
import java.nio.file.Path;
import java.nio.file.ReadOnlyFileSystemException;
import java.nio.file.attribute.FileAttribute;

/**
 * A {@link UriFileSystemProvider} that only reads: {@code checkAccess} grants READ alone,
 * attributes cannot be set, and every write answers {@link ReadOnlyFileSystemException}. A subclass
 * reads its store ({@link #attributes}, {@code newByteChannel} or {@code newInputStream}, {@code
 * newDirectoryStream}) and refuses any open option but READ itself.
 */
public abstract class ReadOnlyUriFileSystemProvider extends UriFileSystemProvider {
  protected ReadOnlyUriFileSystemProvider(String scheme) {
    super(scheme, true);
  }

  @Override
  public final void createDirectory(Path dir, FileAttribute<?>... attributes) {
    throw new ReadOnlyFileSystemException();
  }

  @Override
  public final void delete(Path path) {
    throw new ReadOnlyFileSystemException();
  }

  @Override
  public final void copy(Path source, Path target, CopyOption... options) {
    throw new ReadOnlyFileSystemException();
  }

  @Override
  public final void move(Path source, Path target, CopyOption... options) {
    throw new ReadOnlyFileSystemException();
  }
}
