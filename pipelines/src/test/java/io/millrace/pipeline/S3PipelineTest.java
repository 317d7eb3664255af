package io.millrace.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.artifact.StoragePaths;
import io.millrace.testing.S3Server;
import io.millrace.testing.SharedData;
import io.millrace.testing.StorageServers;
import io.millrace.transforms.io.Storage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The penguins pipeline with its input, root and registry on a real S3-compatible server (S3Proxy)
 * reaches what the same pipeline reaches on the local disk, and a second run reuses every stage.
 */
@ExtendWith(StorageServers.class)
class S3PipelineTest {
  @TempDir Path dir;

  private static PipelineDefinition penguins(Path root, String input, Path registry)
      throws IOException {
    return PipelineRunnerTest.penguins(root, input)
        .withRegistry(new PipelineDefinition.Registry(registry));
  }

  private static RunResult run(PipelineRunner runner, S3Server s3, StringWriter progress)
      throws IOException {
    return runner
        .withPipelineOptions(
            job -> Storage.configure(TestPipeline.testingPipelineOptions(), s3.environment()))
        .run(new PrintWriter(progress));
  }

  @Test
  void thePipelineOnS3ReachesTheLocalRunsResultsAndASecondRunReusesEveryStage(S3Server s3)
      throws IOException {
    s3.upload(SharedData.path("penguins/penguins.csv"), "s3://pipes/data/penguins.csv");
    Path localData = dir.resolve("penguins.csv");
    Files.copy(SharedData.path("penguins/penguins.csv"), localData);

    RunResult local =
        run(
            PipelineRunner.of(
                penguins(
                    dir.resolve("local"), localData.toString(), dir.resolve("local-registry"))),
            s3,
            new StringWriter());

    PipelineDefinition onS3 =
        penguins(
            StoragePaths.of("s3://pipes/penguins"),
            "s3://pipes/data/penguins.csv",
            StoragePaths.of("s3://pipes/registry"));
    String store = "jdbc:sqlite:" + dir.resolve("s3-metadata.sqlite");
    StringWriter progress = new StringWriter();
    RunResult remote = run(PipelineRunner.of(onS3).withMetadataUrl(store), s3, progress);

    assertEquals(RunResult.Status.PUSHED, remote.status(), remote.message() + progress);
    assertEquals(local.status(), remote.status());
    assertEquals(local.pushed(), remote.pushed());
    for (RunResult.StageResult stage : local.stages()) {
      RunResult.StageResult same = remote.stage(stage.stage());
      assertEquals(
          stage.properties(), same.properties(), stage.stage() + " differs on S3: " + progress);
      for (Path output : same.outputs().values()) {
        assertTrue(output.toString().startsWith("s3://pipes/"), output.toString());
        assertTrue(Files.exists(output), output.toString());
      }
    }
    assertTrue(
        Files.isDirectory(onS3.registryPath().resolve("penguins/1/saved_model")),
        "the model was pushed to the registry on S3");
    assertTrue(Files.isRegularFile(remote.report()), remote.report().toString());

    StringWriter again = new StringWriter();
    RunResult cached = run(PipelineRunner.of(onS3).withMetadataUrl(store), s3, again);
    assertEquals(List.of(), cached.executed(), again.toString());
    assertEquals(remote.status(), cached.status());
  }

  /**
   * A library user gives {@link PipelineRunner} options reaching the store and registers nothing
   * else: the runner reaches the root before any job runs (its cache, its leftovers), so it
   * registers them itself.
   */
  @Test
  void aLibraryUsersOwnOptionsReachTheStoreWithNothingRegisteredBefore(S3Server s3)
      throws IOException {
    s3.upload(SharedData.path("penguins/penguins.csv"), "s3://pipes/library/penguins.csv");
    // What a fresh process has: Beam's file systems with Beam's defaults, no S3 endpoint.
    FileSystems.setDefaultPipelineOptions(PipelineOptionsFactory.create());
    PipelineDefinition dataOnly =
        PipelineDefinition.of(
            "penguins",
            StoragePaths.of("s3://pipes/library/root"),
            PipelineDefinition.Input.of("s3://pipes/library/penguins.csv")
                .withMissingValues(List.of("NA")));
    StringWriter progress = new StringWriter();
    RunResult result =
        PipelineRunner.of(dataOnly)
            .withMetadataUrl("jdbc:sqlite:" + dir.resolve("library.sqlite"))
            .withPipelineOptions(job -> s3.options("--jobName=" + job))
            .run(new PrintWriter(progress));

    assertEquals(RunResult.Status.COMPLETED, result.status(), result.message() + progress);
    assertEquals(List.of("ingest", "statistics", "schema", "validation"), result.executed());
  }
}
