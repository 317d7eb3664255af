package io.millrace.transforms.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.testing.HdfsCluster;
import io.millrace.testing.StorageServers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Beam's FileSystems on hdfs:// against a real HDFS (MiniDFSCluster), registered by {@link Storage}
 * without any Hadoop configuration: the namenode is in the URI.
 */
@ExtendWith(StorageServers.class)
class HdfsStorageTest {

  private static void register() {
    FileSystems.setDefaultPipelineOptions(
        Storage.configure(PipelineOptionsFactory.create(), Map.of()));
  }

  private static void write(String uri, String text) throws IOException {
    try (OutputStream out =
        Channels.newOutputStream(
            FileSystems.create(FileSystems.matchNewResource(uri, false), "text/plain"))) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static String read(String uri) throws IOException {
    try (InputStream in =
        Channels.newInputStream(FileSystems.open(FileSystems.matchNewResource(uri, false)))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static List<String> names(String pattern) throws IOException {
    return FileSystems.match(pattern, EmptyMatchTreatment.ALLOW).metadata().stream()
        .map(m -> m.resourceId().toString())
        .sorted()
        .toList();
  }

  private static ResourceId resource(String uri) {
    return FileSystems.matchNewResource(uri, false);
  }

  @Test
  void createsReadsMatchesCopiesRenamesAndDeletes(HdfsCluster hdfs) throws IOException {
    register();
    String root = hdfs.uri() + "pipelines/";
    write(root + "data/span-1/a.csv", "a,b\n1,2\n");
    write(root + "data/span-1/b.csv", "a,b\n3,4\n");
    write(root + "data/span-2/c.csv", "a,b\n5,6\n");
    write(root + "data/notes.txt", "not a csv");

    assertEquals("a,b\n1,2\n", read(root + "data/span-1/a.csv"));
    assertEquals(
        List.of(root + "data/span-1/a.csv", root + "data/span-1/b.csv"),
        names(root + "data/span-1/*.csv"));
    assertEquals(
        List.of(root + "data/span-1/a.csv", root + "data/span-1/b.csv", root + "data/span-2/c.csv"),
        names(root + "data/**.csv"));
    assertEquals(List.of(), names(root + "data/span-9/*.csv"));
    assertEquals(8, FileSystems.match(root + "data/span-1/a.csv").metadata().get(0).sizeBytes());

    FileSystems.copy(
        List.of(resource(root + "data/span-1/a.csv")), List.of(resource(root + "copy/a.csv")));
    assertEquals("a,b\n1,2\n", read(root + "copy/a.csv"));
    assertEquals("a,b\n1,2\n", read(root + "data/span-1/a.csv"));

    FileSystems.rename(
        List.of(resource(root + "copy/a.csv")), List.of(resource(root + "moved/a.csv")));
    assertEquals("a,b\n1,2\n", read(root + "moved/a.csv"));
    assertEquals(List.of(), names(root + "copy/*"));

    FileSystems.delete(
        List.of(resource(root + "moved/a.csv"), resource(root + "data/notes.txt")),
        MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
    assertEquals(List.of(), names(root + "moved/*"));
    assertEquals(MatchResult.Status.NOT_FOUND, FileSystems.match(root + "data/notes.txt").status());
  }

  @Test
  void storageNamesAMissingFileAndAnUnreachableNamenode(HdfsCluster hdfs) {
    register();
    String missing = hdfs.uri() + "pipelines/none.csv";
    assertEquals(
        "cannot read " + missing + ": no such file",
        assertThrows(StorageException.class, () -> Storage.open(missing)).getMessage());

    // Hadoop retries a refused connection 10 times a second apart by default.
    FileSystems.setDefaultPipelineOptions(
        Storage.configure(
            PipelineOptionsFactory.fromArgs(
                    "--hdfsConfiguration=[{\"fs.defaultFS\":\"hdfs:///\","
                        + "\"ipc.client.connect.max.retries\":\"0\"}]")
                .create(),
            Map.of()));
    String message =
        assertThrows(StorageException.class, () -> Storage.match("hdfs://127.0.0.1:1/data/*.csv"))
            .getMessage();
    assertTrue(
        message.startsWith(
            "cannot list hdfs://127.0.0.1:1/data/*.csv: cannot reach the HDFS namenode ("),
        message);
    assertTrue(message.contains("127.0.0.1:1"), message);
    assertTrue(message.contains("Connection refused"), message);
  }
}
