package io.millrace.cli;

import io.millrace.serving.ModelServer;
import io.millrace.serving.VersionPolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code millrace serve}: the model server (module serving) on a registry, in this process. The
 * server's code needs no Beam (its module has none on its classpath); from the shaded jar Beam's
 * classes are present but not loaded by it, and {@code ModelServer.start} needs only the jars of
 * the serving, model and core modules.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Serves a registry's models over TensorFlow Serving's REST API:"
          + " POST /v1/models/NAME[/versions/V|/labels/L]:predict|:classify|:regress,"
          + " GET /v1/models/NAME[/versions/V|/labels/L][/metadata], GET /health/live and"
          + " /health/ready, GET /monitoring/prometheus/metrics.",
      "",
      "Binds 127.0.0.1 unless --host says otherwise. Runs until stopped (Ctrl-C, SIGTERM); then"
          + " in-flight requests finish before the models unload."
    })
final class ServeCommand implements Callable<Integer> {
  @Option(
      names = "--registry",
      required = true,
      paramLabel = "URI",
      description = "The registry (a folder, or a URI such as s3://bucket/registry).")
  String registry;

  @Option(
      names = "--model",
      paramLabel = "NAME",
      description = "A model to serve; repeat for more (default: every model in the registry).")
  List<String> models = new ArrayList<>();

  @Option(
      names = "--port",
      required = true,
      paramLabel = "N",
      description = "The HTTP port (0: any free port, printed).")
  int port;

  @Option(
      names = "--host",
      paramLabel = "H",
      description = "The address to bind (default: ${DEFAULT-VALUE}).")
  String host = ModelServer.Config.DEFAULT_HOST;

  @Option(
      names = "--version-policy",
      paramLabel = "POLICY",
      description =
          "The versions of each model to serve: latest, latest:N, all or specific:V1,V2"
              + " (default: ${DEFAULT-VALUE}).")
  String versionPolicy = "latest";

  @Option(
      names = "--max-concurrent",
      paramLabel = "N",
      description = "Inference requests run at once (default: the number of cores).")
  int maxConcurrent = Runtime.getRuntime().availableProcessors();

  @Option(
      names = "--max-queued",
      paramLabel = "N",
      description =
          "Inference requests waiting for a slot; more are answered 503 with Retry-After"
              + " (default: ${DEFAULT-VALUE}).")
  int maxQueued = ModelServer.Config.DEFAULT_MAX_QUEUED;

  @Option(
      names = "--poll-interval",
      paramLabel = "SECONDS",
      description =
          "How often the registry is read for new versions and labels; a new version is loaded"
              + " and warmed before it takes traffic, the old one drains, then unloads. 0: never"
              + " (default: ${DEFAULT-VALUE}).")
  double pollIntervalSeconds = ModelServer.Config.DEFAULT_POLL_INTERVAL.toMillis() / 1000.0;

  @Option(
      names = "--max-batch-size",
      paramLabel = "ROWS",
      description =
          "Groups concurrent requests to one version into TensorFlow calls of up to ROWS rows"
              + " (TF Serving's max_batch_size); 1: each request alone (default: ${DEFAULT-VALUE}).")
  int maxBatchSize = ModelServer.Config.DEFAULT_MAX_BATCH_SIZE;

  @Option(
      names = "--batch-timeout-micros",
      paramLabel = "MICROS",
      description =
          "How long a batch may wait to fill while every TensorFlow call slot is busy (TF"
              + " Serving's batch_timeout_micros); with a slot free it goes at once (default:"
              + " ${DEFAULT-VALUE}).")
  long batchTimeoutMicros = ModelServer.Config.DEFAULT_BATCH_TIMEOUT_MICROS;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    List<String> unmatched = spec.commandLine().getUnmatchedArguments();
    if (!unmatched.isEmpty()) {
      throw new IllegalArgumentException("unknown options: " + String.join(" ", unmatched));
    }
    PrintWriter out = spec.commandLine().getOut();
    ModelServer.Config config =
        ModelServer.Config.of(registry, port)
            .withModels(models)
            .withVersionPolicy(VersionPolicy.parse(versionPolicy))
            .withHost(host)
            .withCapacity(maxConcurrent, maxQueued)
            .withPollInterval(pollInterval(pollIntervalSeconds))
            .withBatching(maxBatchSize, batchTimeoutMicros);
    ModelServer server;
    try {
      server = ModelServer.start(config);
    } catch (IOException e) {
      spec.commandLine().getErr().println("millrace: " + e.getMessage());
      return Millrace.EXIT_FAILED;
    }
    Thread stop = new Thread(server::close, "millrace-serve-stop");
    Runtime.getRuntime().addShutdownHook(stop);
    try {
      out.println("serving on http://" + host + ":" + server.port() + " (loading models)");
      out.flush();
      server.awaitLoaded();
      out.println(server.ready() ? "ready:" : "not ready (a model has no available version):");
      server.describe().forEach(line -> out.println("  " + line));
      out.flush();
      server.join();
    } catch (InterruptedException e) {
      // Interrupting the command (as an embedding caller may) stops serving, like SIGTERM.
      Thread.currentThread().interrupt();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(stop);
        server.close();
      } catch (IllegalStateException shuttingDown) {
        // The JVM is exiting: the hook stops the server.
      }
    }
    out.println("stopped");
    out.flush();
    return 0;
  }

  private static Duration pollInterval(double seconds) {
    if (!(seconds >= 0) || Double.isInfinite(seconds)) {
      throw new IllegalArgumentException(
          "--poll-interval " + seconds + " is not a number of seconds >= 0");
    }
    return Duration.ofMillis(Math.round(seconds * 1000));
  }
}
