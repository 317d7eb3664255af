package io.millrace.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * A standalone Flink 1.19.0 session cluster on 127.0.0.1 for integration tests, started and stopped
 * with {@code runners/flink/start-cluster.sh} and {@code stop-cluster.sh}.
 *
 * <p>The directory holding the scripts is taken from the system property {@value
 * #FLINK_DIR_PROPERTY}, which maven-failsafe sets. Use it with try-with-resources (or close it in
 * an {@code @AfterAll}) so the JobManager and TaskManager processes never outlive the test; a JVM
 * shutdown hook stops them as a last resort.
 *
 * <pre>{@code
 * try (LoopbackFlinkCluster cluster = LoopbackFlinkCluster.start(runDir, 18081)) {
 *   // submit with --flinkMaster=cluster.restAddress()
 *   JobSummary job = cluster.awaitTerminalState(jobId, Duration.ofMinutes(5));
 * }
 * }</pre>
 */
public final class LoopbackFlinkCluster implements AutoCloseable {

  /** System property naming the {@code runners/flink} directory. */
  public static final String FLINK_DIR_PROPERTY = "millrace.flinkDir";

  /** Job states after which a job never runs again (Flink's globally terminal states). */
  public static final Set<String> TERMINAL_STATES = Set.of("FINISHED", "FAILED", "CANCELED");

  private static final Duration START_TIMEOUT = Duration.ofSeconds(300);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(250);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /**
   * How many TaskManagers to start and what they share with this host. With private folders, every
   * TaskManager runs in a mount namespace of its own with an empty tmpfs over each folder (and over
   * its temporary and blob folders), so that it sees none of the files another process writes
   * there, as a TaskManager on another host would not; {@code environment} is added to every
   * cluster process's environment (e.g. the AWS variables of a test S3 server).
   */
  public record Layout(
      int taskManagers, List<Path> privateFolders, Map<String, String> environment) {
    public Layout {
      privateFolders = List.copyOf(privateFolders);
      environment = Map.copyOf(environment);
    }

    /** One TaskManager sharing this host's disk: the loopback cluster. */
    public static Layout shared() {
      return new Layout(1, List.of(), Map.of());
    }

    /** TaskManagers that see nothing of these folders but their own empty copies. */
    public static Layout isolated(
        int taskManagers, List<Path> privateFolders, Map<String, String> environment) {
      return new Layout(taskManagers, privateFolders, environment);
    }
  }

  private final Path flinkDir;
  private final Path runDir;
  private final int restPort;
  private final int jobManagerRpcPort;
  private final HttpClient http;
  private final Thread shutdownHook;
  private boolean closed;

  /** One row of {@code /jobs/overview}. */
  public record JobSummary(String jid, String name, String state) {
    /** Whether the job has reached one of {@link #TERMINAL_STATES}. */
    public boolean isTerminal() {
      return TERMINAL_STATES.contains(state);
    }
  }

  private LoopbackFlinkCluster(Path flinkDir, Path runDir, int restPort, int jobManagerRpcPort) {
    this.flinkDir = flinkDir;
    this.runDir = runDir;
    this.restPort = restPort;
    this.jobManagerRpcPort = jobManagerRpcPort;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    this.shutdownHook = new Thread(this::stopQuietly, "loopback-flink-cluster-stop");
  }

  /**
   * Starts a cluster whose REST API listens on {@code restPort}; the JobManager RPC port is any
   * free port, so the cluster does not clash with one on Flink's default ports.
   */
  public static LoopbackFlinkCluster start(Path runDir, int restPort) {
    return start(runDir, restPort, freePort());
  }

  /**
   * Starts a cluster with the given REST and JobManager RPC ports and returns once a TaskManager
   * slot is available. The run directory receives the effective configuration, logs, PID files and
   * temporary files.
   *
   * @throws IllegalStateException if the cluster does not come up; the message holds the script's
   *     output including the tail of the logs
   */
  public static LoopbackFlinkCluster start(Path runDir, int restPort, int jobManagerRpcPort) {
    return start(runDir, restPort, jobManagerRpcPort, Layout.shared());
  }

  /**
   * Starts a cluster of this layout and returns once every TaskManager offers its slots.
   *
   * @throws IllegalStateException if the cluster does not come up (see {@link #start(Path, int,
   *     int)})
   */
  public static LoopbackFlinkCluster start(
      Path runDir, int restPort, int jobManagerRpcPort, Layout layout) {
    Path flinkDir = flinkDir();
    Path absoluteRunDir = runDir.toAbsolutePath().normalize();
    LoopbackFlinkCluster cluster =
        new LoopbackFlinkCluster(flinkDir, absoluteRunDir, restPort, jobManagerRpcPort);
    // Registered before the script runs: a JVM killed during start still stops what was started.
    Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
    try {
      Files.createDirectories(absoluteRunDir);
      Map<String, String> environment = new HashMap<>(layout.environment());
      environment.put("FLINK_TASKMANAGERS", Integer.toString(layout.taskManagers()));
      environment.put(
          "FLINK_TASKMANAGER_PRIVATE_DIRS",
          layout.privateFolders().stream()
              .map(folder -> folder.toAbsolutePath().normalize().toString())
              .collect(Collectors.joining(":")));
      ScriptResult result =
          runScript(
              absoluteRunDir.resolve("start-cluster.out"),
              START_TIMEOUT,
              environment,
              flinkDir.resolve("start-cluster.sh").toString(),
              absoluteRunDir.toString(),
              Integer.toString(restPort),
              Integer.toString(jobManagerRpcPort));
      if (result.exitCode() != 0) {
        throw new IllegalStateException(
            "start-cluster.sh exited with " + result.exitCode() + ":\n" + result.output());
      }
      return cluster;
    } catch (RuntimeException e) {
      cluster.stopQuietly();
      cluster.removeShutdownHook();
      throw e;
    } catch (IOException e) {
      cluster.stopQuietly();
      cluster.removeShutdownHook();
      throw new UncheckedIOException(e);
    }
  }

  /** The {@code runners/flink} directory, from the system property {@value #FLINK_DIR_PROPERTY}. */
  public static Path flinkDir() {
    String value = System.getProperty(FLINK_DIR_PROPERTY);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException(
          "system property "
              + FLINK_DIR_PROPERTY
              + " is not set (maven-failsafe sets it to runners/flink)");
    }
    Path dir = Path.of(value).toAbsolutePath().normalize();
    if (!Files.isExecutable(dir.resolve("start-cluster.sh"))) {
      throw new IllegalStateException("no executable start-cluster.sh in " + dir);
    }
    return dir;
  }

  /**
   * Stops a cluster left running in {@code runDir}, e.g. by a test JVM that was killed before it
   * could close its cluster. Does nothing if none is running there.
   */
  public static void stopLeftovers(Path runDir) {
    Path absoluteRunDir = runDir.toAbsolutePath().normalize();
    if (!Files.isDirectory(absoluteRunDir)) {
      return;
    }
    new LoopbackFlinkCluster(flinkDir(), absoluteRunDir, 0, 0).close();
  }

  /** A port that was free a moment ago on 127.0.0.1 (another process may still take it). */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The address for {@code --flinkMaster}: {@code 127.0.0.1:PORT}. */
  public String restAddress() {
    return "127.0.0.1:" + restPort;
  }

  /** The JobManager's RPC port. */
  public int jobManagerRpcPort() {
    return jobManagerRpcPort;
  }

  /** The PIDs of the running TaskManagers, from their PID files. */
  public List<Long> taskManagerPids() {
    try (var files = Files.list(runDir)) {
      List<Long> pids = new ArrayList<>();
      for (Path file :
          files
              .filter(f -> f.getFileName().toString().matches("taskmanager-\\d+\\.pid"))
              .sorted()
              .toList()) {
        pids.add(Long.parseLong(Files.readString(file).strip()));
      }
      return pids;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Why TaskManagers cannot be isolated on this host (no mount namespace or tmpfs mount allowed,
   * e.g. without root), or empty if they can: the same probe start-cluster.sh runs.
   */
  public static Optional<String> whyNoMountNamespaces() {
    try {
      Path probe = Files.createTempDirectory("millrace-mount-probe");
      try {
        Process process =
            new ProcessBuilder(
                    "unshare",
                    "--mount",
                    "--propagation",
                    "private",
                    "/bin/sh",
                    "-c",
                    "mount -t tmpfs tmpfs \"$0\"",
                    probe.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          return Optional.of("unshare --mount did not return within 30 s");
        }
        return process.exitValue() == 0
            ? Optional.empty()
            : Optional.of(
                "cannot start a TaskManager in a mount namespace of its own here (unshare --mount"
                    + " + mount -t tmpfs exited "
                    + process.exitValue()
                    + ": "
                    + output.strip()
                    + "); it needs root or CAP_SYS_ADMIN, as CI has");
      } finally {
        Files.deleteIfExists(probe);
      }
    } catch (IOException e) {
      return Optional.of("cannot run unshare: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted while probing for mount namespaces");
    }
  }

  /** The run directory holding conf, logs and PID files. */
  public Path runDir() {
    return runDir;
  }

  /** GETs a REST path such as {@code overview} or {@code jobs/<jid>} and parses the JSON. */
  public JsonNode getJson(String path) {
    String relative = path.startsWith("/") ? path.substring(1) : path;
    URI uri = URI.create("http://" + restAddress() + "/" + relative);
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build();
    try {
      HttpResponse<String> response =
          http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "GET " + uri + " returned " + response.statusCode() + ": " + response.body());
      }
      return MAPPER.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + uri + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during GET " + uri, e);
    }
  }

  /** The cluster's {@code /overview}: taskmanagers, slots-total, flink-version, ... */
  public JsonNode overview() {
    return getJson("overview");
  }

  /** Every job the cluster knows, from {@code /jobs/overview}. */
  public List<JobSummary> jobs() {
    List<JobSummary> jobs = new ArrayList<>();
    for (JsonNode job : getJson("jobs/overview").path("jobs")) {
      jobs.add(
          new JobSummary(
              job.path("jid").asText(), job.path("name").asText(), job.path("state").asText()));
    }
    return jobs;
  }

  /** The ids of the TaskManagers on which tasks of this job finished. */
  public Set<String> taskManagersThatRan(String jid) {
    Set<String> ids = new TreeSet<>();
    for (JsonNode vertex : getJson("jobs/" + jid).path("vertices")) {
      String path = "jobs/" + jid + "/vertices/" + vertex.path("id").asText() + "/taskmanagers";
      for (JsonNode taskManager : getJson(path).path("taskmanagers")) {
        if (taskManager.path("status-counts").path("FINISHED").asInt() > 0) {
          ids.add(taskManager.path("taskmanager-id").asText());
        }
      }
    }
    return ids;
  }

  /** The job with this id, if the cluster knows it. */
  public Optional<JobSummary> job(String jid) {
    return jobs().stream().filter(job -> job.jid().equals(jid)).findFirst();
  }

  /**
   * Waits until a job with this name is known to the cluster and returns it. Useful when the
   * submitter (e.g. Beam's FlinkRunner) does not report the job id. If several jobs have the name,
   * returns one of them.
   */
  public JobSummary awaitJobNamed(String name, Duration timeout) {
    return poll(
        timeout,
        () -> jobs().stream().filter(job -> job.name().equals(name)).findFirst(),
        () -> "no job named '" + name + "' appeared; jobs: " + jobs());
  }

  /**
   * Polls {@code /jobs/overview} until the job reaches a terminal state (FINISHED, FAILED or
   * CANCELED) and returns its last summary.
   *
   * @throws IllegalStateException if the timeout passes first
   */
  public JobSummary awaitTerminalState(String jid, Duration timeout) {
    return poll(
        timeout,
        () -> job(jid).filter(JobSummary::isTerminal),
        () -> "job " + jid + " not in a terminal state: " + job(jid).orElse(null));
  }

  /** The JobManager's exception history of a job (root cause of a failure), as JSON. */
  public JsonNode jobExceptions(String jid) {
    return getJson("jobs/" + jid + "/exceptions");
  }

  /** Stops the cluster with stop-cluster.sh; idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    ScriptResult result = stop();
    closed = true;
    removeShutdownHook();
    if (result.exitCode() != 0) {
      throw new IllegalStateException(
          "stop-cluster.sh exited with " + result.exitCode() + ":\n" + result.output());
    }
  }

  private ScriptResult stop() {
    try {
      return runScript(
          runDir.resolve("stop-cluster.out"),
          STOP_TIMEOUT,
          Map.of(),
          flinkDir.resolve("stop-cluster.sh").toString(),
          runDir.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private synchronized void stopQuietly() {
    if (closed) {
      return;
    }
    try {
      stop();
      closed = true;
    } catch (RuntimeException e) {
      System.err.println("stopping the loopback Flink cluster failed: " + e);
    }
  }

  private void removeShutdownHook() {
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down and runs the hook itself.
    }
  }

  /** Re-runs the probe every {@link #POLL_INTERVAL} until it yields a value or time runs out. */
  private static <T> T poll(
      Duration timeout, Supplier<Optional<T>> probe, Supplier<String> onTimeout) {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      Optional<T> value = probe.get();
      if (value.isPresent()) {
        return value.get();
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("timed out after " + timeout + ": " + onTimeout.get());
      }
      try {
        Thread.sleep(POLL_INTERVAL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while polling the Flink REST API", e);
      }
    }
  }

  private record ScriptResult(int exitCode, String output) {}

  /**
   * Runs a script with its output in a file rather than a pipe: the cluster processes the script
   * leaves behind must not hold a pipe that this JVM waits on.
   */
  private static ScriptResult runScript(
      Path outputFile, Duration timeout, Map<String, String> environment, String... command)
      throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(outputFile.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    builder.environment().putAll(environment);
    Process process = builder.start();
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        return new ScriptResult(
            -1, "timed out after " + timeout + "\n" + Files.readString(outputFile));
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command[0], e);
    }
    return new ScriptResult(process.exitValue(), Files.readString(outputFile));
  }
}
