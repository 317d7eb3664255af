package io.millrace.transforms.io;

import io.millrace.artifact.nio.UriChannels;
import io.millrace.artifact.nio.UriFileSystemProvider;
import io.millrace.artifact.nio.UriPath;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.PathIsNotEmptyDirectoryException;

/**
 * {@code java.nio.file} over Hadoop's own file system API for {@code hdfs://}: HDFS has real
 * directories and an atomic rename, so artifacts there are staged and renamed into place as on the
 * local disk ({@link io.millrace.artifact.ArtifactDirectory#renamesAtomically}). Beam's Hadoop file
 * system, which the readers of input patterns use, lists files only, so a directory tree cannot be
 * walked through it. The configuration is Storage's ({@code HADOOP_CONF_DIR}, else the namenode in
 * the URI).
 */
public final class HdfsFileSystemProvider extends UriFileSystemProvider {
  public HdfsFileSystemProvider() {
    super("hdfs");
  }

  private static org.apache.hadoop.fs.Path hadoop(UriPath path) {
    return new org.apache.hadoop.fs.Path(path.spec(false));
  }

  private static org.apache.hadoop.fs.FileSystem hadoopFs(UriPath path) throws IOException {
    return org.apache.hadoop.fs.FileSystem.get(URI.create(path.spec(false)), Storage.hadoop());
  }

  private interface Call<T> {
    T run() throws IOException;
  }

  /** Hadoop's exceptions as java.nio's, and any other failure naming the operation and URI. */
  private static <T> T call(String operation, UriPath path, Call<T> body) throws IOException {
    try {
      return body.run();
    } catch (FileNotFoundException e) {
      throw new NoSuchFileException(path.toString());
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      throw new FileAlreadyExistsException(path.toString());
    } catch (PathIsNotEmptyDirectoryException e) {
      throw new DirectoryNotEmptyException(path.toString());
    } catch (IOException | RuntimeException e) {
      throw new StorageException(
          "cannot " + operation + " " + path + ": " + StorageFailures.reason(path.spec(false), e),
          e);
    }
  }

  @Override
  public SeekableByteChannel newByteChannel(
      Path path, Set<? extends OpenOption> options, FileAttribute<?>... attributes)
      throws IOException {
    UriPath file = absolute(path);
    if (options.contains(StandardOpenOption.APPEND)) {
      throw new UnsupportedOperationException("no appending to " + file);
    }
    if (options.contains(StandardOpenOption.WRITE)) {
      boolean overwrite = !options.contains(StandardOpenOption.CREATE_NEW);
      return call(
          "write",
          file,
          () ->
              UriChannels.writing(
                  Channels.newChannel(hadoopFs(file).create(hadoop(file), overwrite))));
    }
    return call(
        "read",
        file,
        () -> {
          org.apache.hadoop.fs.FileSystem fs = hadoopFs(file);
          long size = fs.getFileStatus(hadoop(file)).getLen();
          FSDataInputStream in = fs.open(hadoop(file));
          return UriChannels.reading(Channels.newChannel(in), size, in::seek);
        });
  }

  @Override
  public DirectoryStream<Path> newDirectoryStream(
      Path dir, DirectoryStream.Filter<? super Path> filter) throws IOException {
    UriPath directory = absolute(dir);
    FileStatus[] statuses =
        call("list", directory, () -> hadoopFs(directory).listStatus(hadoop(directory)));
    List<Path> children = new ArrayList<>();
    for (FileStatus status : statuses) {
      children.add(directory.resolve(status.getPath().getName()));
    }
    return UriChannels.listed(children, filter);
  }

  @Override
  public void createDirectory(Path dir, FileAttribute<?>... attributes) throws IOException {
    UriPath path = absolute(dir);
    call(
        "create the directory",
        path,
        () -> {
          org.apache.hadoop.fs.FileSystem fs = hadoopFs(path);
          if (fs.exists(hadoop(path))) {
            throw new org.apache.hadoop.fs.FileAlreadyExistsException(path.toString());
          }
          return fs.mkdirs(hadoop(path));
        });
  }

  @Override
  public void delete(Path path) throws IOException {
    UriPath file = absolute(path);
    call(
        "delete",
        file,
        () -> {
          org.apache.hadoop.fs.FileSystem fs = hadoopFs(file);
          FileStatus status = fs.getFileStatus(hadoop(file));
          if (status.isDirectory() && fs.listStatus(hadoop(file)).length > 0) {
            throw new PathIsNotEmptyDirectoryException(file.toString());
          }
          return fs.delete(hadoop(file), false);
        });
  }

  @Override
  public void copy(Path source, Path target, CopyOption... options) throws IOException {
    Transfer copy = transfer(source, target, options);
    call(
        "copy",
        copy.from(),
        () -> {
          org.apache.hadoop.fs.FileSystem fs = hadoopFs(copy.from());
          if (!copy.replace() && fs.exists(hadoop(copy.to()))) {
            throw new org.apache.hadoop.fs.FileAlreadyExistsException(copy.to().toString());
          }
          return FileUtil.copy(
              fs,
              hadoop(copy.from()),
              fs,
              hadoop(copy.to()),
              false,
              copy.replace(),
              Storage.hadoop());
        });
  }

  /** A copy or a move: its absolute ends, and whether it may replace an existing target. */
  private record Transfer(UriPath from, UriPath to, boolean replace) {}

  private static Transfer transfer(Path source, Path target, CopyOption... options) {
    return new Transfer(
        absolute(source),
        absolute(target),
        List.of(options).contains(StandardCopyOption.REPLACE_EXISTING));
  }

  /** HDFS renames atomically, a file or a whole directory; never over an existing target. */
  @Override
  public void move(Path source, Path target, CopyOption... options) throws IOException {
    Transfer move = transfer(source, target, options);
    call(
        "rename",
        move.from(),
        () -> {
          FileContext context = FileContext.getFileContext(move.from().toUri(), Storage.hadoop());
          context.rename(
              hadoop(move.from()),
              hadoop(move.to()),
              move.replace() ? Options.Rename.OVERWRITE : Options.Rename.NONE);
          return null;
        });
  }

  @Override
  protected BasicFileAttributes attributes(UriPath path) throws IOException {
    FileStatus status =
        call("read the status of", path, () -> hadoopFs(path).getFileStatus(hadoop(path)));
    return new Attributes(status.isFile(), status.getLen(), status.getModificationTime());
  }
}
