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
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
    assertFalse(Files.exists(runDir.resolve("taskmanager-1.pid")));
  }

  @Test
  void ingestionSubmittedToTheClusterEqualsTheDirectRunners() throws Exception {
    Path jar = MillraceJar.path();
    assertTrue(Files.isRegularFile(jar), "shaded jar missing: " + jar);
    String input = SharedData.path("taxi/tutorial/eval.csv").toString();
    String jobName = "ingest-it-" + Long.toHexString(System.nanoTime());
    Path log = dir.resolve("submit.log");

    long submitted = System.nanoTime();
    submit(
        log,
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
        "--jobName=" + jobName);
    report("ingestion on the cluster (submit to commit)", submitted);

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

  /**
   * Two training jobs in a row on one TaskManager: with TensorFlow loaded from the job jar the
   * second job killed the TaskManager (STACK-NOTES); with TF in the cluster's lib/ loaded
   * parent-first both finish, the trials spread over the two slots, and the model is the one the
   * DirectRunner trains, byte for byte.
   */
  @Test
  void tunedTrainingOnTheClusterTwiceEqualsTheDirectRunners() throws Exception {
    Path examples = dir.resolve("penguins");
    assertEquals(
        0,
        MillraceCliTest.run(
                "ingest",
                "--input",
                SharedData.path("penguins/penguins.csv").toString(),
                "--missing-value",
                "NA",
                "--output",
                examples.toString())
            .exit());
    Path transformed = dir.resolve("penguins-t");
    assertEquals(
        0,
        MillraceCliTest.run(
                "transform",
                "--examples",
                examples.toString(),
                "--spec",
                Path.of("..", "examples", "penguins", "transform.json").toString(),
                "--output",
                transformed.toString())
            .exit());
    Path tuner = dir.resolve("tuner.json");
    Files.writeString(tuner, "{\"parameters\": {\"hiddenUnits\": {\"values\": [[8], [16, 8]]}}}");
    List<String> train =
        List.of(
            "train",
            "--transformed",
            transformed.toString(),
            "--label",
            "species",
            "--model-config",
            Path.of("..", "examples", "penguins", "model.json").toString(),
            "--tuner",
            tuner.toString());
    MillraceCliTest.Run direct =
        MillraceCliTest.run(
            concat(train, "--output", dir.resolve("model-direct").toString())
                .toArray(String[]::new));
    assertEquals(0, direct.exit(), direct.err());
    String expected = modelFingerprint(dir.resolve("model-direct"));
    for (int job = 1; job <= 2; job++) {
      String jobName = "train-it-" + job + "-" + Long.toHexString(System.nanoTime());
      Path out = dir.resolve("model-cluster-" + job);
      long submitted = System.nanoTime();
      submit(
          dir.resolve("train-" + job + ".log"),
          concat(
                  train,
                  "--output",
                  out.toString(),
                  "--runner",
                  "FlinkRunner",
                  "--flinkMaster",
                  cluster.restAddress(),
                  "--parallelism",
                  "2",
                  "--jobName=" + jobName)
              .toArray(String[]::new));
      report("training job " + job + " on the cluster (submit to commit)", submitted);
      JobSummary done =
          cluster.awaitTerminalState(
              cluster.awaitJobNamed(jobName, JOB_TIMEOUT).jid(), JOB_TIMEOUT);
      assertEquals("FINISHED", done.state());
      assertEquals(expected, modelFingerprint(out), "job " + job);
    }
    assertEquals(1, cluster.overview().path("taskmanagers").asInt(), "the TaskManager survived");
  }

  /**
   * The whole pipeline submitted to the cluster, stage by stage, equals the DirectRunner's run: the
   * same transform (fitted constants and vocabularies), the same model byte for byte, the same
   * evaluation and the same push decision.
   */
  @Test
  void theWholePipelineOnTheClusterEqualsTheDirectRunners() throws Exception {
    Path direct = io.millrace.cli.PenguinsPipeline.write(dir.resolve("direct"), 6);
    Path onCluster = io.millrace.cli.PenguinsPipeline.write(dir.resolve("cluster"), 6);
    MillraceCliTest.Run local = MillraceCliTest.run("run", "--pipeline", direct.toString());
    assertEquals(0, local.exit(), local.out() + local.err());
    long submitted = System.nanoTime();
    submit(
        dir.resolve("pipeline.log"),
        "run",
        "--pipeline",
        onCluster.toString(),
        "--runner",
        "FlinkRunner",
        "--flinkMaster",
        cluster.restAddress(),
        "--parallelism",
        "2");
    report("the penguins pipeline on the cluster", submitted);
    String log = readQuietly(dir.resolve("pipeline.log"));
    assertTrue(log.contains("pushed as penguins version 1"), log);
    Path a = dir.resolve("direct/root/artifacts");
    Path b = dir.resolve("cluster/root/artifacts");
    for (String file :
        List.of(
            "transform/*/transform/manifest.json",
            "train/*/model/model.json",
            "evaluation/*/evaluation.json")) {
      JsonNode x = MAPPER.readTree(only(a, file).toFile());
      JsonNode y = MAPPER.readTree(only(b, file).toFile());
      assertEquals(x.path("fingerprint"), y.path("fingerprint"), file);
      assertEquals(x.path("models"), y.path("models"), file);
      assertEquals(x.path("validation"), y.path("validation"), file);
    }
    assertEquals(
        FlinkEmbeddedIngestTest.contents(only(a, "transform/*/examples")),
        FlinkEmbeddedIngestTest.contents(only(b, "transform/*/examples")));
  }

  /** The one path matching {@code glob} (one {@code *} for the cache key directory) under root. */
  private static Path only(Path root, String glob) throws IOException {
    String[] parts = glob.split("/\\*/");
    try (var keys = Files.list(root.resolve(parts[0]))) {
      List<Path> found =
          keys.filter(p -> !p.getFileName().toString().startsWith("."))
              .map(p -> p.resolve(parts[1]))
              .filter(Files::exists)
              .toList();
      assertEquals(1, found.size(), root + "/" + glob + ": " + found);
      return found.get(0);
    }
  }

  private static String modelFingerprint(Path trainOutput) throws IOException {
    return MAPPER
        .readTree(trainOutput.resolve("model").resolve("model.json").toFile())
        .path("fingerprint")
        .asText();
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER =
      new com.fasterxml.jackson.databind.ObjectMapper();

  private static List<String> concat(List<String> head, String... tail) {
    List<String> all = new java.util.ArrayList<>(head);
    all.addAll(List.of(tail));
    return all;
  }

  /** Runs {@code java -jar millrace.jar ARGS} as a user would and expects exit code 0. */
  private static void submit(Path log, String... args) throws Exception {
    MillraceJar.Run run = MillraceJar.run(log, Map.of(), JOB_TIMEOUT, args);
    assertEquals(0, run.exit(), run.output());
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
