package io.millrace.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.millrace.cli.FlinkEmbeddedIngestTest;
import io.millrace.cli.MillraceCliTest;
import io.millrace.examples.ExamplesManifest;
import io.millrace.flink.LoopbackFlinkCluster.JobSummary;
import io.millrace.testing.SharedData;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts the loopback Flink session cluster of {@code runners/flink} on free ports, submits an
 * ingestion job to it with the shaded {@code millrace.jar} exactly as a user would, checks the job
 * FINISHED through the REST API and wrote the same splits as the DirectRunner, and stops the
 * cluster leaving no process or port behind.
 */
class LoopbackFlinkClusterIT {
  private static final Duration JOB_TIMEOUT = Duration.ofMinutes(5);

  private static LoopbackFlinkCluster cluster;
  private static Path runDir;

  @TempDir Path dir;

  @BeforeAll
  static void startCluster() {
    runDir = LoopbackFlinkCluster.flinkDir().getParent().resolve("target/loopback-flink-it");
    LoopbackFlinkCluster.stopLeftovers(runDir);
    long started = System.nanoTime();
    cluster = LoopbackFlinkCluster.start(runDir, LoopbackFlinkCluster.freePort());
    report("cluster start", started);
    JsonNode overview = cluster.overview();
    assertEquals("1.19.0", overview.path("flink-version").asText(), overview.toString());
    assertEquals(1, overview.path("taskmanagers").asInt(), overview.toString());
    assertEquals(2, overview.path("slots-total").asInt(), overview.toString());
  }

  @AfterAll
  static void stopCluster() {
    int restPort = Integer.parseInt(cluster.restAddress().substring("127.0.0.1:".length()));
    long stopping = System.nanoTime();
    cluster.close();
    report("cluster stop", stopping);
    assertFalse(listening(restPort), "REST port " + restPort + " still open after close()");
    int rpcPort = cluster.jobManagerRpcPort();
    assertFalse(listening(rpcPort), "RPC port " + rpcPort + " still open after close()");
    assertFalse(Files.exists(runDir.resolve("jobmanager.pid")));
    assertFalse(Files.exists(runDir.resolve("taskmanager.pid")));
  }

  @Test
  void ingestionSubmittedToTheClusterEqualsTheDirectRunners() throws Exception {
    Path jar = Path.of(System.getProperty("millrace.jar", "target/millrace.jar"));
    assertTrue(Files.isRegularFile(jar), "shaded jar missing: " + jar);
    String input = SharedData.path("taxi/tutorial/eval.csv").toString();
    String jobName = "ingest-it-" + Long.toHexString(System.nanoTime());
    Path log = dir.resolve("submit.log");

    long submitted = System.nanoTime();
    Process submit =
        new ProcessBuilder(
                List.of(
                    System.getProperty("java.home")
                        + File.separator
                        + "bin"
                        + File.separator
                        + "java",
                    "-jar",
                    jar.toString(),
                    "ingest",
                    "--input",
                    input,
                    "--output",
                    dir.resolve("cluster").toString(),
                    "--runner",
                    "FlinkRunner",
                    "--flinkMaster",
                    cluster.restAddress(),
                    "--parallelism",
                    "2",
                    "--jobName=" + jobName))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    assertTrue(submit.waitFor(JOB_TIMEOUT.toSeconds(), TimeUnit.SECONDS), "submission timed out");
    report("ingestion on the cluster (submit to commit)", submitted);
    assertEquals(0, submit.exitValue(), () -> readQuietly(log));

    JobSummary job = cluster.awaitJobNamed(jobName, JOB_TIMEOUT);
    JobSummary done = cluster.awaitTerminalState(job.jid(), JOB_TIMEOUT);
    assertEquals(
        "FINISHED", done.state(), () -> cluster.jobExceptions(done.jid()).toPrettyString());

    MillraceCliTest.Run direct =
        MillraceCliTest.run(
            "ingest", "--input", input, "--output", dir.resolve("direct").toString());
    assertEquals(0, direct.exit(), direct.err());
    ExamplesManifest onCluster = ExamplesManifest.read(dir.resolve("cluster"));
    assertEquals("FlinkRunner", onCluster.runner());
    assertEquals(5_000, onCluster.recordsIn());
    assertEquals(ExamplesManifest.read(dir.resolve("direct")).splits(), onCluster.splits());
    assertEquals(
        FlinkEmbeddedIngestTest.contents(dir.resolve("direct")),
        FlinkEmbeddedIngestTest.contents(dir.resolve("cluster")));
  }

  private static String readQuietly(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }

  private static boolean listening(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void report(String what, long sinceNanos) {
    System.out.printf(
        "[LoopbackFlinkClusterIT] %s: %.1f s%n", what, (System.nanoTime() - sinceNanos) / 1e9);
  }
}
