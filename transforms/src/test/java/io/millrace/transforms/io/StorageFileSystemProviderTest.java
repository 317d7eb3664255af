package io.millrace.transforms.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.ArtifactIntegrityException;
import io.millrace.artifact.ArtifactKind;
import io.millrace.artifact.ContentDigest;
import io.millrace.artifact.StoragePaths;
import io.millrace.testing.S3Server;
import io.millrace.testing.StorageServers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.aws2.options.S3ClientBuilderFactory;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.options.PipelineOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** java.nio's Path and Files on s3:// against a real S3-compatible server (S3Proxy). */
@ExtendWith(StorageServers.class)
class StorageFileSystemProviderTest {
  @TempDir Path local;

  @Test
  void pathsParseResolveAndRelativizeAsLocalOnes() {
    Path root = StoragePaths.of("s3://bucket/pipelines/taxi");
    assertEquals("s3://bucket/pipelines/taxi", root.toString());
    assertEquals(Path.of(java.net.URI.create("s3://bucket/pipelines/taxi")), root);
    Path shard = root.resolve("artifacts").resolve("ingest/0123/train/part-0.avro");
    assertEquals("s3://bucket/pipelines/taxi/artifacts/ingest/0123/train/part-0.avro", "" + shard);
    assertEquals("artifacts/ingest/0123/train/part-0.avro", root.relativize(shard).toString());
    assertTrue(shard.startsWith(root));
    assertFalse(root.startsWith(shard));
    assertEquals("part-0.avro", shard.getFileName().toString());
    assertEquals(root, shard.resolve("../../../../..").normalize());
    assertEquals(root, StoragePaths.of(root.toString()));
    assertEquals(root.resolve("a/b"), root.resolve(Path.of("a", "b")));
  }

  @Test
  void anArtifactIsTrustedOnlyOnceItsMarkerIsWrittenLast(S3Server s3) throws IOException {
    s3.createBucket("commit");
    s3.register();
    Path target = StoragePaths.of("s3://commit/artifacts/examples");

    // A crash before the commit leaves staged objects beside the target and nothing at it.
    ArtifactDirectory crashed = ArtifactDirectory.begin(target);
    Files.writeString(crashed.staging().resolve("manifest.json"), "{\"v\": 1}");
    assertFalse(Files.exists(target));
    assertTrue(ArtifactDirectory.isLeftover(crashed.staging().getFileName().toString()));

    ArtifactDirectory first = ArtifactDirectory.begin(target);
    Files.writeString(first.staging().resolve("manifest.json"), "{\"v\": 1}");
    Files.write(first.staging().resolve("train/part-0.avro"), new byte[] {1, 2, 3});
    first.commit();
    ArtifactDirectory.requireCommitted(target);
    assertFalse(Files.exists(first.staging()), "the staged copy is deleted");
    assertEquals("{\"v\": 1}", Files.readString(target.resolve("manifest.json")));

    // A crash in the middle of a replacement: the marker went first, so nothing is trusted.
    Files.delete(target.resolve(ArtifactDirectory.COMMITTED));
    assertThrows(
        ArtifactIntegrityException.class, () -> ArtifactDirectory.requireCommitted(target));

    ArtifactDirectory second =
        ArtifactDirectory.begin(
            target, true, ArtifactKind.withEntries("an artifact", "manifest.json"));
    Files.writeString(second.staging().resolve("manifest.json"), "{\"v\": 2}");
    second.commit();
    ArtifactDirectory.requireCommitted(target);
    assertFalse(Files.exists(target.resolve("train/part-0.avro")), "the replaced files are gone");

    // A file of a committed artifact that goes missing is noticed.
    Files.writeString(target.resolve("extra.txt"), "added after the commit");
    ArtifactDirectory.requireCommitted(target);
    Files.delete(target.resolve("manifest.json"));
    assertThrows(
        ArtifactIntegrityException.class, () -> ArtifactDirectory.requireCommitted(target));
  }

  @Test
  void filesWritesListsCopiesAndDeletesObjects(S3Server s3) throws IOException {
    s3.createBucket("nio");
    s3.register();
    Path dir = StoragePaths.of("s3://nio/artifact");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("manifest.json"), "{}");
    Files.write(dir.resolve("train/part-0.avro"), new byte[] {1, 2, 3});
    assertEquals("{}", Files.readString(dir.resolve("manifest.json")));
    assertTrue(Files.isDirectory(dir));
    assertTrue(Files.isDirectory(dir.resolve("train")));
    assertTrue(Files.isRegularFile(dir.resolve("train/part-0.avro")));
    assertEquals(3, Files.size(dir.resolve("train/part-0.avro")));
    assertFalse(Files.exists(dir.resolve("eval")));
    assertThrows(NoSuchFileException.class, () -> Files.readString(dir.resolve("gone.json")));
    List<String> children = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*.json")) {
      entries.forEach(p -> children.add(p.getFileName().toString()));
    }
    assertEquals(List.of("manifest.json"), children);
    try (Stream<Path> walk = Files.walk(dir)) {
      assertEquals(
          List.of("manifest.json", "train/part-0.avro"),
          walk.filter(Files::isRegularFile)
              .map(p -> dir.relativize(p).toString())
              .sorted()
              .toList());
    }
    assertThrows(
        AtomicMoveNotSupportedException.class,
        () -> Files.move(dir, dir.resolveSibling("moved"), StandardCopyOption.ATOMIC_MOVE));

    // A local tree and its copy on S3 have the same content fingerprint.
    Path tree = local.resolve("tree");
    Files.createDirectories(tree.resolve("a"));
    Files.writeString(tree.resolve("a/x.txt"), "x", StandardCharsets.UTF_8);
    Files.writeString(tree.resolve("y.txt"), "yy", StandardCharsets.UTF_8);
    Path copy = dir.resolveSibling("copy");
    ArtifactDirectory.copyRecursively(tree, copy);
    assertEquals(ContentDigest.of(tree), ContentDigest.of(copy));
    Path back = local.resolve("back");
    ArtifactDirectory.copyRecursively(copy, back);
    assertEquals(ContentDigest.of(tree), ContentDigest.of(back));

    ArtifactDirectory.deleteRecursively(dir);
    ArtifactDirectory.deleteRecursively(copy);
    assertFalse(Files.exists(dir));
    assertFalse(Files.exists(copy));
  }

  /**
   * A look at a path, a read and a walk cost one request each (a listing per directory walked):
   * before, a look was an object's head and then a listing, a read a head and then a GET, and a
   * walk asked for the head of every object it listed.
   */
  @Test
  void aLookAReadAndAWalkCostOneRequestEach(S3Server s3) throws Exception {
    s3.createBucket("trips");
    s3.register();
    Path dir = StoragePaths.of("s3://trips/artifact");
    Files.writeString(dir.resolve("manifest.json"), "{\"n\": 1}");
    Files.write(dir.resolve("train/part-0.avro"), new byte[] {1, 2, 3, 4, 5});
    Files.write(dir.resolve("train/part-1.avro"), new byte[] {6});

    S3Server.Counting counting = s3.countRequests();
    assertTrue(Files.isRegularFile(dir.resolve("manifest.json")));
    assertEquals(Map.of("LIST", 1), counting.stop());
    counting = s3.countRequests();
    assertTrue(Files.isDirectory(dir.resolve("train")));
    assertEquals(Map.of("LIST", 1), counting.stop());
    counting = s3.countRequests();
    assertFalse(Files.exists(dir.resolve("train/part")));
    assertEquals(Map.of("LIST", 1), counting.stop());
    counting = s3.countRequests();
    assertEquals("{\"n\": 1}", Files.readString(dir.resolve("manifest.json")));
    assertEquals(Map.of("GET", 1), counting.stop());
    counting = s3.countRequests();
    try (Stream<Path> walk = Files.walk(dir)) {
      assertEquals(5, walk.count());
    }
    // A look at where the walk starts, then one listing per directory (the artifact, train/).
    assertEquals(Map.of("LIST", 3), counting.stop());

    // A read from a position is a ranged GET; the size comes with the first response.
    try (SeekableByteChannel channel = Files.newByteChannel(dir.resolve("train/part-0.avro"))) {
      assertEquals(5, channel.size());
      channel.position(3);
      ByteBuffer rest = ByteBuffer.allocate(8);
      while (channel.read(rest) > 0) {}
      assertEquals(List.of((byte) 4, (byte) 5), bytes(rest));
    }
    assertThrows(NoSuchFileException.class, () -> Files.readString(dir.resolve("gone.json")));
    // A directory's time is its newest object's, listed when asked for.
    assertEquals(
        Files.getLastModifiedTime(dir.resolve("train/part-1.avro")),
        Files.getLastModifiedTime(dir.resolve("train")));
  }

  /**
   * A bucket's root lists like any folder, and a folder of more than 1,000 objects (one page of a
   * listing) lists whole, one listing request per 1,000 keys and no request per object.
   */
  @Test
  void aBucketRootAndAFolderOfMoreThanAThousandObjectsListWhole(S3Server s3) throws Exception {
    s3.createBucket("many");
    s3.register();
    try (S3Client client =
        new Storage.S3Clients().createBuilder(s3.options().as(S3Options.class)).build()) {
      for (int i = 0; i < 1_001; i++) {
        String key = String.format("folder/part-%05d", i);
        client.putObject(r -> r.bucket("many").key(key), RequestBody.fromString("" + i));
      }
      client.putObject(r -> r.bucket("many").key("top.txt"), RequestBody.fromString("top"));
      client.putObject(r -> r.bucket("many").key("other/x.txt"), RequestBody.fromString("x"));
    }
    Path root = StoragePaths.of("s3://many/");
    S3Server.Counting counting = s3.countRequests();
    try (Stream<Path> top = Files.list(root)) {
      assertEquals(
          List.of("folder", "other", "top.txt"),
          top.map(p -> p.getFileName().toString()).sorted().toList());
    }
    assertEquals(Map.of("LIST", 2), counting.stop());
    counting = s3.countRequests();
    try (Stream<Path> folder = Files.list(root.resolve("folder"))) {
      List<Path> parts = folder.sorted().toList();
      assertEquals(1_001, parts.size());
      assertEquals("part-01000", parts.get(1_000).getFileName().toString());
      assertEquals(5, Files.size(parts.get(1_000)) + 1); // "1000", from the listing
    }
    assertEquals(Map.of("LIST", 2), counting.stop());
    try (Stream<Path> walk = Files.walk(root)) {
      assertEquals(1_003, walk.filter(Files::isRegularFile).count());
    }
  }

  /**
   * A move is one copy and one delete, on the calling thread. Beam's S3 file system asked for the
   * source's head first, and copied and deleted on a thread pool of its own per registration whose
   * threads never end; a worker registers each job's options, so a TaskManager gained about 150
   * threads per taxi pipeline (each holding its job's class loader).
   */
  @Test
  void aMoveIsACopyAndADeleteAndAWorkersRegistrationPerJobStartsNoThreads(S3Server s3)
      throws Exception {
    s3.createBucket("moves");
    s3.register();
    Path a = StoragePaths.of("s3://moves/.temp-shards/a.avro");
    Path b = StoragePaths.of("s3://moves/part-00000-of-00001.avro");
    Files.write(a, new byte[] {1, 2, 3});

    S3Server.Counting counting = s3.countRequests();
    Files.move(a, b, StandardCopyOption.REPLACE_EXISTING);
    Map<String, Integer> requests = counting.stop();
    assertEquals(1, requests.get("PUT"), requests.toString()); // the copy
    assertEquals(1, requests.get("POST"), requests.toString()); // the delete
    assertFalse(requests.containsKey("HEAD"), requests.toString());
    assertFalse(Files.exists(a));
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(b));

    long poolThreads = poolThreads();
    for (int job = 0; job < 20; job++) {
      // What a worker does for every job: Beam registers its file systems with the job's options.
      PipelineOptions options = s3.options();
      options.setOptionsId(1_000_000L + job);
      FileSystems.setDefaultPipelineOptions(options);
      Files.move(b, a, StandardCopyOption.REPLACE_EXISTING);
      Files.copy(a, b, StandardCopyOption.REPLACE_EXISTING);
      Files.delete(a);
    }
    assertEquals(poolThreads, poolThreads(), "threads of pools left behind");
    // A worker registers no options but through Beam: Beam's registration reaches Storage.
    PipelineOptions worker = s3.options();
    worker.setOptionsId(2_000_000L);
    FileSystems.setDefaultPipelineOptions(worker);
    assertEquals(
        worker.getOptionsId(), ((PipelineOptions) Storage.directS3Options()).getOptionsId());
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(b));
    s3.register();
  }

  /** Threads of pools made by {@code Executors}' default thread factory, as Beam's S3 pool's. */
  private static long poolThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("pool-"))
        .count();
  }

  /**
   * Every job registers options of its own; the direct S3 client is built once per distinct client
   * configuration (a client per registration kept a connection pool open per job), and by the
   * factory the options name, as Beam's S3 file system's is.
   */
  @Test
  void registrationsShareTheDirectClientThatTheOptionsFactoryBuilds(S3Server s3)
      throws IOException {
    s3.createBucket("clients");
    Path object = StoragePaths.of("s3://clients/a.json");
    Storage.use(s3.options());
    Files.writeString(object, "{}");
    assertTrue(Files.isRegularFile(object));
    int built = Storage.directS3ClientsBuilt();
    for (int job = 0; job < 20; job++) {
      Storage.use(s3.options());
      assertTrue(Files.isRegularFile(object));
    }
    assertEquals(built, Storage.directS3ClientsBuilt(), "one client for equal options");

    int counted = CountingClients.BUILDERS.get();
    PipelineOptions own = s3.options();
    own.as(S3Options.class).setS3ClientFactoryClass(CountingClients.class);
    Storage.use(own);
    assertTrue(Files.isRegularFile(object));
    // Beam's S3 file system builds one with it too.
    assertTrue(CountingClients.BUILDERS.get() > counted, "the options' own factory");
    assertEquals(built + 1, Storage.directS3ClientsBuilt());
    s3.register();
  }

  /** A user's client factory: Millrace's, counted. */
  public static final class CountingClients implements S3ClientBuilderFactory {
    static final AtomicInteger BUILDERS = new AtomicInteger();

    @Override
    public S3ClientBuilder createBuilder(S3Options options) {
      BUILDERS.incrementAndGet();
      return new Storage.S3Clients().createBuilder(options);
    }
  }

  private static List<Byte> bytes(ByteBuffer buffer) {
    buffer.flip();
    List<Byte> bytes = new ArrayList<>();
    while (buffer.hasRemaining()) {
      bytes.add(buffer.get());
    }
    return bytes;
  }
}
