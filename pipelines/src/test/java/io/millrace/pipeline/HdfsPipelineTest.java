package io.millrace.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.artifact.StoragePaths;
import io.millrace.testing.HdfsCluster;
import io.millrace.testing.SharedData;
import io.millrace.testing.StorageServers;
import io.millrace.transforms.io.Storage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ingest, statistics, schema, validation and transform of the penguins data with input and root on
 * a real HDFS (MiniDFSCluster) reach what they reach on the local disk, and a second run reuses
 * every stage.
 */
@ExtendWith(StorageServers.class)
class HdfsPipelineTest {
  @TempDir Path dir;

  private static PipelineDefinition penguins(Path root, String input) {
    Path transform = Path.of("..", "examples", "penguins", "transform.json").toAbsolutePath();
    return PipelineDefinition.of(
            "penguins", root, PipelineDefinition.Input.of(input).withMissingValues(List.of("NA")))
        .withTransform(PipelineDefinition.Transform.of(transform));
  }

  private static RunResult run(PipelineDefinition definition, String store, StringWriter progress)
      throws IOException {
    return PipelineRunner.of(definition)
        .withMetadataUrl(store)
        .withPipelineOptions(
            job -> Storage.configure(TestPipeline.testingPipelineOptions(), Map.of()))
        .run(new PrintWriter(progress));
  }

  @Test
  void theDataStagesOnHdfsReachTheLocalResultsAndASecondRunReusesThem(HdfsCluster hdfs)
      throws IOException {
    Storage.use(Storage.configure(PipelineOptionsFactory.create(), Map.of()));
    String data = hdfs.uri() + "data/penguins.csv";
    Files.copy(SharedData.path("penguins/penguins.csv"), StoragePaths.of(data));

    RunResult local =
        run(
            penguins(dir.resolve("local"), SharedData.path("penguins/penguins.csv").toString()),
            "jdbc:sqlite:" + dir.resolve("local.sqlite"),
            new StringWriter());
    PipelineDefinition onHdfs = penguins(StoragePaths.of(hdfs.uri() + "pipes/penguins"), data);
    String store = "jdbc:sqlite:" + dir.resolve("hdfs.sqlite");
    StringWriter progress = new StringWriter();
    RunResult remote = run(onHdfs, store, progress);

    assertEquals(RunResult.Status.COMPLETED, remote.status(), remote.message() + progress);
    assertEquals(local.executed(), remote.executed());
    for (RunResult.StageResult stage : local.stages()) {
      RunResult.StageResult same = remote.stage(stage.stage());
      assertEquals(stage.properties(), same.properties(), stage.stage() + ": " + progress);
      for (Path output : same.outputs().values()) {
        assertTrue(output.toString().startsWith(hdfs.uri() + "pipes/"), output.toString());
        assertTrue(Files.exists(output), output.toString());
      }
    }

    StringWriter again = new StringWriter();
    RunResult cached = run(onHdfs, store, again);
    assertEquals(List.of(), cached.executed(), again.toString());
  }
}
