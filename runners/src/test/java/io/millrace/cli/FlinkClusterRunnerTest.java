package io.millrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.pipeline.CodeVersion;
import io.millrace.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.PipelineRunner;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs on a Flink cluster ({@code --flinkMaster host:port}) run through {@link FlinkClusterRunner}:
 * submitted detached and waited for by their status, they end as the attached FlinkRunner's do,
 * failures included. The cluster is a real Flink session cluster in this JVM (Flink's MiniCluster
 * with its REST endpoint on a free port) that names this client's code version for its lib/, as
 * runners/flink/start-cluster.sh does, so that no jar is uploaded.
 */
class FlinkClusterRunnerTest {
  @RegisterExtension
  static final SessionMiniCluster SESSION = new SessionMiniCluster(CodeVersion.current(), 2);

  @TempDir Path dir;

  @Test
  void theCliRunsItsJobsOnTheClusterThroughThisRunnerAndRecordsTheFlinkRunner() throws Exception {
    int before = SESSION.cluster().listJobs().get().size();
    MillraceCliTest.Run run =
        MillraceCliTest.run(
            "ingest",
            "--input",
            SharedData.path("penguins/penguins.csv").toString(),
            "--output",
            dir.resolve("examples").toString(),
            "--runner",
            "FlinkRunner",
            "--flinkMaster",
            SESSION.master());

    assertEquals(0, run.exit(), run.err());
    Collection<JobStatusMessage> jobs = SESSION.cluster().listJobs().get();
    assertEquals(before + 1, jobs.size(), "one job on the cluster: " + jobs);
    assertTrue(
        jobs.stream().allMatch(j -> j.getJobState().isGloballyTerminalState()), jobs.toString());
    var manifest = new ObjectMapper().readTree(dir.resolve("examples/manifest.json").toFile());
    assertEquals("FlinkRunner", manifest.path("runner").asText(), manifest.toString());
    assertEquals(344, manifest.path("recordsIn").asLong(), manifest.toString());
  }

  @Test
  void aJobEndsItsWaitDoneAndItsOutputIsWhole() throws Exception {
    Path out = dir.resolve("squares");
    Pipeline pipeline = Pipeline.create(options(FlinkClusterRunner.class));
    pipeline
        .apply(Create.of(1, 2, 3, 4, 5))
        .apply(MapElements.into(TypeDescriptors.strings()).via((Integer i) -> "" + i * i))
        .apply(org.apache.beam.sdk.io.TextIO.write().to(out.toString()).withoutSharding());

    PipelineResult result = pipeline.run();

    assertTrue(result.toString().startsWith("Flink job "), "waited for by its status: " + result);
    assertEquals(PipelineResult.State.DONE, result.waitUntilFinish());
    assertEquals(PipelineResult.State.DONE, result.getState());
    assertEquals(
        List.of("1", "16", "25", "4", "9"), Files.readAllLines(out).stream().sorted().toList());
  }

  @Test
  void aFailedJobFailsAsOnTheAttachedFlinkRunnerWithItsCause() {
    RuntimeException attached =
        assertThrows(RuntimeException.class, () -> failing(FlinkRunner.class).waitUntilFinish());
    RuntimeException waited =
        assertThrows(
            RuntimeException.class, () -> failing(FlinkClusterRunner.class).waitUntilFinish());

    assertEquals(attached.getMessage(), waited.getMessage());
    assertEquals("element 3 is refused", root(attached).getMessage());
    assertEquals(root(attached).getMessage(), root(waited).getMessage());
    assertFalse(waited.getMessage().isBlank());
  }

  private PipelineResult failing(Class<? extends PipelineRunner<?>> runner) {
    Pipeline pipeline = Pipeline.create(options(runner));
    pipeline
        .apply(Create.of(1, 2, 3))
        .apply(
            MapElements.into(TypeDescriptors.integers())
                .via(
                    (Integer i) -> {
                      if (i == 3) {
                        throw new IllegalStateException("element 3 is refused");
                      }
                      return i;
                    }));
    return pipeline.run();
  }

  private static FlinkPipelineOptions options(Class<? extends PipelineRunner<?>> runner) {
    FlinkPipelineOptions options = PipelineOptionsFactory.as(FlinkPipelineOptions.class);
    options.setRunner(runner);
    options.setFlinkMaster(SESSION.master());
    options.setParallelism(2);
    options.setFilesToStage(List.of(ClusterLibrary.emptyJobJar(CodeVersion.current()).toString()));
    return options;
  }

  private static Throwable root(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
