package io.millrace.artifact.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.artifact.ArtifactDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.ReadOnlyFileSystemException;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Beam-free base of the URI file systems, on a read-only provider of {@code t://} whose store
 * is a local folder (each authority a subfolder): paths, attributes, listings, refused writes, and
 * the AWS environment both S3 clients read.
 */
class UriFileSystemProviderTest {
  @TempDir Path store;

  /** A read-only provider over a local folder: only what talks to its store. */
  private final class FolderProvider extends ReadOnlyUriFileSystemProvider {
    /** Names every listing adds, as a store's opaque keys can make it. */
    final List<String> alsoListed = new ArrayList<>();

    FolderProvider() {
      super("t");
    }

    private Path local(UriPath path) {
      Path local = store.resolve(path.authority());
      return path.key().isEmpty() ? local : local.resolve(path.key());
    }

    @Override
    protected BasicFileAttributes attributes(UriPath path) throws IOException {
      if (path.listed() != null) {
        return path.listed();
      }
      Path local = local(path);
      if (!Files.exists(local)) {
        throw new NoSuchFileException(path.toString());
      }
      return new Attributes(
          Files.isRegularFile(local),
          Files.isRegularFile(local) ? Files.size(local) : 0,
          Files.getLastModifiedTime(local).toMillis());
    }

    @Override
    public SeekableByteChannel newByteChannel(
        Path path, Set<? extends OpenOption> options, FileAttribute<?>... attributes)
        throws IOException {
      Path local = local(absolute(path));
      return UriChannels.reading(Files.newByteChannel(local), Files.size(local), null);
    }

    @Override
    public DirectoryStream<Path> newDirectoryStream(
        Path dir, DirectoryStream.Filter<? super Path> filter) throws IOException {
      UriPath directory = absolute(dir);
      List<Path> children = new ArrayList<>();
      try (Stream<Path> listed = Files.list(local(directory))) {
        for (Path child : listed.sorted().toList()) {
          UriPath path = (UriPath) directory.resolve(child.getFileName().toString());
          children.add(directory.listedChild(child.getFileName().toString(), attributes(path)));
        }
      }
      for (String name : alsoListed) {
        children.add(directory.listedChild(name, new Attributes(true, 1, 0)));
      }
      return UriChannels.listed(children, filter);
    }
  }

  @Test
  void pathsAreUrisWithNamesSplitAtSlashes() {
    FolderProvider provider = new FolderProvider();
    UriPath file = (UriPath) provider.getPath(URI.create("t://bucket/models/taxi/1"));
    assertEquals("bucket", file.authority());
    assertEquals("models/taxi/1", file.key());
    assertEquals("t://bucket/models/taxi", file.getParent().toString());
    assertEquals(URI.create("t://bucket/models/taxi/1"), file.toUri());
    Path registry = provider.getPath(URI.create("t://bucket/models"));
    assertEquals("taxi/1", registry.relativize(file).toString());
    assertEquals(file, registry.resolve("taxi").resolve("1"));
    assertEquals(file, registry.resolve(Path.of("taxi", "1")));
    assertTrue(file.startsWith(registry));
    assertEquals("1", file.getFileName().toString());
    assertThrows(IllegalArgumentException.class, () -> UriPath.parse(file.getFileSystem(), "t://"));
    assertThrows(
        IllegalArgumentException.class, () -> UriPath.parse(file.getFileSystem(), "s3://b/k"));
  }

  /**
   * An object store's key such as {@code models/../../x} lists as an entry named {@code ..}: the
   * listing is refused, so no walk follows it and no copy writes outside its target.
   */
  @Test
  void aListedEntryNamedDotDotIsRefusedNotFollowed(@TempDir Path local) throws IOException {
    Files.createDirectories(store.resolve("bucket/models/taxi"));
    Files.writeString(store.resolve("bucket/models/taxi/LATEST"), "3");
    FolderProvider provider = new FolderProvider();
    provider.alsoListed.add("..");
    Path models = provider.getPath(URI.create("t://bucket/models"));

    IOException e =
        assertThrows(
            IOException.class,
            () -> ArtifactDirectory.copyRecursively(models, local.resolve("copy")));
    assertTrue(e.getMessage().contains("named '..'"), e.getMessage());
    try (Stream<Path> left = Files.list(local)) {
      assertEquals(List.of(), left.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void readsAttributesListingsAndBytesThroughTheSubclass() throws IOException {
    Files.createDirectories(store.resolve("bucket/models/taxi"));
    Files.writeString(store.resolve("bucket/models/taxi/LATEST"), "3");
    Files.writeString(store.resolve("bucket/models/.staging"), "");
    FolderProvider provider = new FolderProvider();
    Path models = provider.getPath(URI.create("t://bucket/models"));
    Path latest = models.resolve("taxi/LATEST");

    assertTrue(Files.isDirectory(models));
    assertTrue(Files.isRegularFile(latest));
    assertEquals(1, Files.size(latest));
    assertEquals("3", Files.readString(latest));
    assertFalse(Files.exists(models.resolve("nothing")));
    assertTrue(Files.isHidden(models.resolve(".staging")));
    try (Stream<Path> listed = Files.list(models)) {
      assertEquals(
          List.of("t://bucket/models/.staging", "t://bucket/models/taxi"),
          listed.map(Path::toString).toList());
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(models, "t*")) {
      List<String> names = new ArrayList<>();
      files.forEach(p -> names.add(p.getFileName().toString()));
      assertEquals(List.of("taxi"), names);
    }
    Map<String, Object> all = Files.readAttributes(latest, "*");
    assertEquals(1L, all.get("size"));
    assertEquals(true, all.get("isRegularFile"));
    assertEquals(false, all.get("isSymbolicLink"));
    assertEquals(all.get("lastModifiedTime"), all.get("creationTime"));
  }

  @Test
  void aReadOnlyProviderGrantsOnlyReading() throws IOException {
    Files.createDirectories(store.resolve("bucket"));
    Files.writeString(store.resolve("bucket/LATEST"), "3");
    FolderProvider provider = new FolderProvider();
    Path latest = provider.getPath(URI.create("t://bucket/LATEST"));

    assertTrue(latest.getFileSystem().isReadOnly());
    assertTrue(Files.isReadable(latest));
    assertFalse(Files.isWritable(latest));
    assertThrows(AccessDeniedException.class, () -> provider.checkAccess(latest, AccessMode.WRITE));
    assertThrows(
        ReadOnlyFileSystemException.class,
        () -> Files.setLastModifiedTime(latest, FileTime.fromMillis(0)));
    assertThrows(
        ReadOnlyFileSystemException.class,
        () -> Files.setAttribute(latest, "lastModifiedTime", FileTime.fromMillis(0)));
    assertThrows(ReadOnlyFileSystemException.class, () -> Files.delete(latest));
    try (InputStream in = Files.newInputStream(latest)) {
      assertEquals('3', in.read());
    }
  }

  @Test
  void theS3EndpointComesFromTheEnvironmentAsTheAwsCliReadsIt() {
    assertEquals(
        URI.create("http://127.0.0.1:9000"),
        AwsEnvironment.s3Endpoint(
                Map.of(
                    "AWS_ENDPOINT_URL_S3", " http://127.0.0.1:9000 ",
                    "AWS_ENDPOINT_URL", "http://127.0.0.1:9999"))
            .orElseThrow());
    assertEquals(
        URI.create("https://objects.example.com"),
        AwsEnvironment.s3Endpoint(Map.of("AWS_ENDPOINT_URL", "https://objects.example.com"))
            .orElseThrow());
    assertTrue(
        AwsEnvironment.s3Endpoint(
                Map.of(
                    "AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000",
                    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"))
            .isEmpty());
    IllegalArgumentException refused =
        assertThrows(
            IllegalArgumentException.class,
            () -> AwsEnvironment.s3Endpoint(Map.of("AWS_ENDPOINT_URL", "http://key@host:1")));
    assertEquals(
        "AWS_ENDPOINT_URL is not an http:// or https:// URL of an S3 endpoint: 'http://key@host:1'",
        refused.getMessage());
    assertEquals(
        "eu-west-1",
        AwsEnvironment.first(
                Map.of("AWS_REGION", " ", "AWS_DEFAULT_REGION", "eu-west-1 "),
                "AWS_REGION",
                "AWS_DEFAULT_REGION")
            .orElseThrow());
  }
}
