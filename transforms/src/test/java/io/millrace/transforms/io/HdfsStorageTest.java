package io.millrace.transforms.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.testing.HdfsCluster;
import io.millrace.testing.StorageServers;
import java.io.IOException;
import java.util.Map;
import org.apache.beam.sdk.io.FileSystems;
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

  @Test
  void createsReadsMatchesCopiesRenamesAndDeletes(HdfsCluster hdfs) throws IOException {
    register();
    FileSystemRoundTrip.check(hdfs.uri() + "pipelines/");
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
