package io.millrace.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.cli.FlinkEmbeddedIngestTest;
import io.millrace.cli.MillraceCliTest;
import io.millrace.examples.ExamplesManifest;
import io.millrace.flink.LoopbackFlinkCluster.Layout;
import io.millrace.testing.PostgresServer;
import io.millrace.testing.S3Server;
import io.millrace.testing.SharedData;
import io.millrace.transforms.io.Storage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A Flink session cluster of one JobManager and two TaskManagers that share no disk with the client
 * or with each other, as on separate hosts: every TaskManager runs in a mount namespace of its own
 * with an empty tmpfs over the temporary folder, where every file of these tests lives. An S3
 * server on 127.0.0.1 is the storage they do share, reached through the standard AWS variables.
 *
 * <p>Mount namespaces need root (or CAP_SYS_ADMIN), as CI has; elsewhere the tests are reported
 * skipped with the reason.
 */
class IsolatedFlinkClusterIT {
  private static final Duration JOB_TIMEOUT = Duration.ofMinutes(5);

  private static Path base;
  private static S3Server s3;
  private static LoopbackFlinkCluster cluster;

  /** The client's own folder: under the temporary folder, which no TaskManager sees. */
  private static Path clientOnly;

  @BeforeAll
  static void startCluster() throws Exception {
    Optional<String> whyNot = LoopbackFlinkCluster.whyNoMountNamespaces();
    Assumptions.assumeTrue(whyNot.isEmpty(), whyNot.orElse(""));
    base = LoopbackFlinkCluster.flinkDir().getParent().resolve("target/isolated-flink-it");
    LoopbackFlinkCluster.stopLeftovers(base.resolve("run"));
    Files.createDirectories(base);
    Path temporaryFolder = Path.of(System.getProperty("java.io.tmpdir")).toRealPath();
    clientOnly = Files.createTempDirectory(temporaryFolder, "millrace-isolated-it-");
    s3 = S3Server.start(Files.createTempDirectory(base, "s3-"));
    cluster =
        LoopbackFlinkCluster.start(
            base.resolve("run"),
            LoopbackFlinkCluster.freePort(),
            LoopbackFlinkCluster.freePort(),
            Layout.isolated(2, List.of(temporaryFolder), s3.environment()));
    assertEquals(2, cluster.overview().path("taskmanagers").asInt());
  }

  @AfterAll
  static void stopCluster() throws Exception {
    try {
      if (cluster != null) {
        cluster.close();
        // Only the cluster processes got the key pair: none of them may have logged it.
        for (Path log : files(cluster.runDir().resolve("log"))) {
          assertFalse(Files.readString(log).contains(s3.secretKey()), log + " holds the secret");
        }
      }
    } finally {
      if (s3 != null) {
        s3.close();
      }
      if (clientOnly != null) {
        ArtifactDirectory.deleteRecursively(clientOnly);
      }
    }
  }

  @Test
  void noTaskManagerSeesTheFilesOfTheClientOrOfTheOther() throws IOException {
    List<Long> taskManagers = cluster.taskManagerPids();
    assertEquals(2, taskManagers.size(), taskManagers.toString());
    Set<Path> namespaces = new HashSet<>();
    namespaces.add(Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")));
    for (long pid : taskManagers) {
      namespaces.add(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/mnt")));
    }
    assertEquals(3, namespaces.size(), "a mount namespace each: " + namespaces);

    Path written = Files.writeString(clientOnly.resolve("written-by-the-client.txt"), "hello");
    for (long pid : taskManagers) {
      // /proc/PID/root resolves paths as that process does, through its own mounts.
      Path seenByTaskManager = Path.of("/proc/" + pid + "/root" + written);
      assertFalse(Files.exists(seenByTaskManager), "TaskManager " + pid + " sees " + written);
      assertTrue(
          Files.isDirectory(
              Path.of("/proc/" + pid + "/root" + MillraceJar.path().toAbsolutePath().getParent())),
          "TaskManager " + pid + " still sees the build's folders");
    }
    assertTrue(Files.exists(written));
  }

  /**
   * Input and output in the client's own folder: the TaskManagers can read nothing and write only
   * to their own disks. The client used to find no counts, read that as 0 records and commit an
   * empty artifact with exit 0; now it fails, says why and commits nothing. Which of the two
   * notices first depends on where Flink ran the commit (with both TaskManagers working, the worker
   * committing the shards often misses the other's).
   */
  @Test
  void anIngestOnTheClientsLocalDiskFailsAndCommitsNothing() throws Exception {
    Path input = Files.createDirectories(clientOnly.resolve("local-in")).resolve("eval.csv");
    Files.copy(SharedData.path("taxi/tutorial/eval.csv"), input);
    Path output = clientOnly.resolve("local-out");

    MillraceJar.Run run =
        submit(
            "local-ingest", "ingest", "--input", input.toString(), "--output", output.toString());

    assertEquals(1, run.exit(), run.output());
    // The client finds no counts, or the worker that commits finds no shard of the other's.
    assertTrue(run.output().contains("share no disk"), run.output());
    assertTrue(run.output().contains("s3://"), run.output());
    assertFalse(run.output().contains("\tat "), "a stack trace: " + run.output());
    assertFalse(Files.exists(output.resolve("manifest.json")), "committed: " + run.output());
  }

  /** An input file only the client has is a damaged input, named, exit 3, nothing committed. */
  @Test
  void anInputOnlyTheClientHasIsRejectedNamingTheFile() throws Exception {
    Path input = Files.createDirectories(clientOnly.resolve("only-here")).resolve("eval.csv");
    Files.copy(SharedData.path("taxi/tutorial/eval.csv"), input);
    Path output = shared("rejected");

    MillraceJar.Run run =
        submit(
            "rejected-ingest",
            "ingest",
            "--input",
            input.toString(),
            "--output",
            output.toString());

    assertEquals(3, run.exit(), run.output());
    assertTrue(run.output().contains(input + " (No such file or directory)"), run.output());
    assertFalse(Files.exists(output.resolve("manifest.json")));
  }

  /**
   * The input on S3, read by TaskManagers that see none of the client's files, gives the
   * DirectRunner's examples. The output goes to a folder every process shares (as a network file
   * system would be) until outputs may be s3:// URIs as well.
   */
  @Test
  void anIngestFromS3OnTheClusterEqualsTheDirectRunners() throws Exception {
    Path local = SharedData.path("taxi/tutorial/eval.csv");
    s3.upload(local, "s3://taxi/span-1/eval.csv");
    Path onCluster = shared("from-s3");

    MillraceJar.Run run =
        submit(
            "s3-ingest",
            "ingest",
            "--input",
            "s3://taxi/span-{SPAN}/*.csv",
            "--output",
            onCluster.toString());
    assertEquals(0, run.exit(), run.output());

    Path direct = clientOnly.resolve("direct");
    MillraceCliTest.Run onDirect =
        MillraceCliTest.run("ingest", "--input", local.toString(), "--output", direct.toString());
    assertEquals(0, onDirect.exit(), onDirect.err());
    ExamplesManifest manifest = ExamplesManifest.read(onCluster);
    assertEquals("FlinkRunner", manifest.runner());
    assertEquals(5_000, manifest.recordsIn());
    assertEquals(ExamplesManifest.read(direct).splits(), manifest.splits());
    assertEquals(
        FlinkEmbeddedIngestTest.contents(direct), FlinkEmbeddedIngestTest.contents(onCluster));
    assertFalse(run.output().contains(s3.secretKey()), run.output());
  }

  /**
   * The whole taxi example with its inputs, root and registry on S3 and its metadata in PostgreSQL,
   * run on the two TaskManagers that share no disk, gives the DirectRunner's statistics, transform
   * constants, metrics and blessing.
   */
  @Test
  void theTaxiPipelineOnS3AndPostgresEqualsTheDirectRunners() throws Exception {
    Assumptions.assumeTrue(PostgresServer.binaries().isPresent(), PostgresServer.NOT_INSTALLED);
    Path example = Path.of("..", "examples", "taxi").toAbsolutePath().normalize();
    for (int span = 1; span <= 2; span++) {
      s3.upload(
          example.resolve("data/span-" + span + "/trips.csv"),
          "s3://taxi/data/span-" + span + "/trips.csv");
    }
    Path direct = Files.createDirectories(clientOnly.resolve("taxi-direct"));
    Path onS3 = Files.createDirectories(clientOnly.resolve("taxi-s3"));
    for (Path copy : List.of(direct, onS3)) {
      for (String file :
          List.of("pipeline.yaml", "transform.json", "model.json", "evaluation.json")) {
        Files.copy(example.resolve(file), copy.resolve(file));
      }
    }
    copyTree(example.resolve("data"), direct.resolve("data"));
    rewrite(direct.resolve("pipeline.yaml"), "root: root");
    Path pipeline = onS3.resolve("pipeline.yaml");
    rewrite(pipeline, "root: s3://taxi/root\nregistry: {path: s3://taxi/registry}");
    Files.writeString(
        pipeline,
        Files.readString(pipeline)
            .replace(
                "pattern: data/span-{SPAN}/*.csv", "pattern: s3://taxi/data/span-{SPAN}/*.csv"));

    MillraceCliTest.Run local =
        MillraceCliTest.run("run", "--pipeline", direct.resolve("pipeline.yaml").toString());
    assertEquals(0, local.exit(), local.out() + local.err());
    // Not under clientOnly: PostgreSQL's service user cannot pass through that rwx------ folder.
    Path postgresDirectory = Files.createTempDirectory("millrace-isolated-postgres");
    try (PostgresServer postgres = PostgresServer.start(postgresDirectory)) {
      int jobsBefore = cluster.jobs().size();
      MillraceJar.Run run =
          submit(
              "taxi-s3",
              "run",
              "--pipeline",
              pipeline.toString(),
              "--metadata-url",
              postgres.createDatabase("taxi"));
      assertEquals(0, run.exit(), run.output());
      assertTrue(run.output().contains("pushed as taxi-big-tipper version 1"), run.output());
      // One job each for ingest, statistics, training and evaluation; two for the transform (its
      // statistics before and after inside its analyze and materialize jobs).
      List<LoopbackFlinkCluster.JobSummary> jobs = cluster.jobs();
      assertEquals(6, jobs.size() - jobsBefore, "Flink jobs of the taxi pipeline: " + jobs);
      // Both TaskManagers did the work (Flink's default would fill one TaskManager's two slots
      // with a job of parallelism 2; the cluster's configuration spreads them).
      Set<String> ran = new TreeSet<>();
      for (LoopbackFlinkCluster.JobSummary job : jobs.subList(jobsBefore, jobs.size())) {
        ran.addAll(cluster.taskManagersThatRan(job.jid()));
      }
      assertEquals(2, ran.size(), "TaskManagers that ran the taxi pipeline's tasks: " + ran);
      // A TaskManager registers Beam's file systems anew for each job; S3 operations that ran on
      // the S3 file system's own thread pool left a pool per job behind (about 150 threads per
      // TaskManager per taxi pipeline, each holding its job's class loader).
      for (long pid : cluster.taskManagerPids()) {
        long pooled = poolThreads(pid);
        assertTrue(pooled <= 8, "TaskManager " + pid + " holds " + pooled + " pool threads");
      }
    } finally {
      ArtifactDirectory.deleteRecursively(postgresDirectory);
    }
    s3.register();
    Path directArtifacts = direct.resolve("root/artifacts");
    String remote = "s3://taxi/root/artifacts/";
    for (String statistics : List.of("statistics/*/train/stats.pb", "statistics/*/eval/stats.pb")) {
      assertArrayEquals(
          only(directArtifacts.resolve(statistics)),
          only(remote + statistics),
          statistics + " differs");
    }
    // The bytes that change a prediction, not where the artifacts lie or when they were made.
    Map<String, List<String>> fieldsThatMatter =
        Map.of(
            "transform/*/transform/manifest.json", List.of("/fingerprint", "/outputs"),
            "evaluation/*/evaluation.json",
                List.of("/candidate/fingerprint", "/models", "/validation"));
    for (Map.Entry<String, List<String>> artifact : fieldsThatMatter.entrySet()) {
      JsonNode expected = MAPPER.readTree(only(directArtifacts.resolve(artifact.getKey())));
      JsonNode actual = MAPPER.readTree(only(remote + artifact.getKey()));
      for (String field : artifact.getValue()) {
        assertFalse(expected.at(field).isMissingNode(), artifact.getKey() + " lacks " + field);
        assertEquals(expected.at(field), actual.at(field), artifact.getKey() + " " + field);
      }
    }
    assertTrue(
        MAPPER
            .readTree(only(remote + "evaluation/*/evaluation.json"))
            .path("validation")
            .path("blessed")
            .asBoolean(),
        "the candidate on the cluster is blessed, as on the DirectRunner");
  }

  /**
   * The threads of a process that {@code Executors}' default factory named ({@code pool-N-...}).
   */
  private static long poolThreads(long pid) throws IOException {
    long pooled = 0;
    try (var threads = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path thread : threads.toList()) {
        try {
          if (Files.readString(thread.resolve("comm")).startsWith("pool-")) {
            pooled++;
          }
        } catch (NoSuchFileException ended) {
          // the thread ended while listed
        }
      }
    }
    return pooled;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Path target = to.resolve(from.relativize(file).toString());
        Files.createDirectories(target.getParent());
        Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  /** Replaces the {@code root:} line of a pipeline file. */
  private static void rewrite(Path pipeline, String rootLines) throws IOException {
    Files.writeString(
        pipeline, Files.readString(pipeline).replaceFirst("(?m)^root: .*$", rootLines));
  }

  /** The bytes of the one file a pattern (local or s3://) matches. */
  private static byte[] only(Object pattern) throws IOException {
    List<MatchResult.Metadata> found = Storage.match(pattern.toString());
    assertEquals(1, found.size(), pattern + ": " + found);
    try (InputStream in =
        Channels.newInputStream(Storage.open(found.get(0).resourceId().toString()))) {
      return in.readAllBytes();
    }
  }

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** A fresh folder outside the temporary folder, seen by the client and every TaskManager. */
  private static Path shared(String name) throws IOException {
    return Files.createTempDirectory(Files.createDirectories(base.resolve("shared")), name + "-")
        .resolve("examples");
  }

  private static MillraceJar.Run submit(String name, String... args) throws Exception {
    List<String> all = new java.util.ArrayList<>(List.of(args));
    all.addAll(
        List.of(
            "--runner",
            "FlinkRunner",
            "--flinkMaster",
            cluster.restAddress(),
            "--parallelism",
            "2"));
    return MillraceJar.run(
        clientOnly.resolve(name + ".log"),
        s3.environment(),
        JOB_TIMEOUT,
        all.toArray(String[]::new));
  }

  private static List<Path> files(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files.filter(Files::isRegularFile).toList();
    }
  }
}
