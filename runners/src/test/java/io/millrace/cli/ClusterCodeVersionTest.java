package io.millrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.pipeline.CodeVersion;
import io.millrace.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client whose code version differs from the one a Flink cluster names for the Millrace in its
 * lib/ is refused before it submits a job (its jar would mix with lib/'s classes in the
 * TaskManagers), naming both versions and the remedy. The cluster is a real Flink session cluster
 * in this JVM (Flink's MiniCluster, its REST endpoint on a free port) whose configuration names a
 * code version as runners/flink/start-cluster.sh records lib/'s.
 */
class ClusterCodeVersionTest {
  private static final String OTHER_VERSION = "0.0.9-other";

  @RegisterExtension
  static final SessionMiniCluster SESSION = new SessionMiniCluster(OTHER_VERSION, 1);

  @TempDir Path dir;

  @Test
  void aCommandIsRefusedBeforeItSubmitsAJob() throws Exception {
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
    assertRefused(run);
    assertFalse(Files.exists(dir.resolve("examples")), "nothing is written");
  }

  @Test
  void aPipelineRunIsRefusedBeforeItsFirstStage() throws Exception {
    Path pipeline =
        PenguinsPipeline.write(
            dir,
            20,
            dir.resolve("root").toString(),
            SharedData.path("penguins/penguins.csv").toString(),
            dir.resolve("registry").toString());
    MillraceCliTest.Run run =
        MillraceCliTest.run(
            "run",
            "--pipeline",
            pipeline.toString(),
            "--runner",
            "FlinkRunner",
            "--flinkMaster",
            SESSION.master());
    assertRefused(run);
    assertFalse(run.out().contains("running"), run.out());
    assertFalse(Files.exists(dir.resolve("root/artifacts")), "no stage ran");
  }

  private static void assertRefused(MillraceCliTest.Run run) throws Exception {
    assertEquals(Millrace.EXIT_USAGE, run.exit(), run.err());
    assertTrue(run.err().contains("carries Millrace " + OTHER_VERSION + " in its lib/"), run.err());
    assertTrue(run.err().contains("this client is " + CodeVersion.current()), run.err());
    assertTrue(run.err().contains("rebuild the cluster's lib/"), run.err());
    assertFalse(run.err().contains("\tat "), "no stack trace: " + run.err());
    assertEquals(0, SESSION.cluster().listJobs().get().size(), "no job was submitted");
  }
}
