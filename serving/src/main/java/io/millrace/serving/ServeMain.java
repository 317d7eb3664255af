package io.millrace.serving;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.ProviderNotFoundException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code millrace serve}: the model server on a registry, in a JVM of its own whose classpath is
 * the serving jar ({@code serving/target/millrace-serving.jar}: serving, model, the runner-free
 * core, TensorFlow Java, Jetty; no Beam, Flink or Hadoop). The CLI's {@code serve} command starts
 * this class in a child process; the {@code ./millrace} launcher runs it directly.
 *
 * <p>Exit codes as the CLI's: 0 stopped, 1 failed (the port cannot be bound, the registry cannot be
 * read), 2 bad command line (an unknown option, no such registry or model, a bad policy, a registry
 * on a store it cannot read: gs://, hdfs://).
 */
@Command(
    name = "millrace serve",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Serves a registry's models over TensorFlow Serving's REST API:"
          + " POST /v1/models/NAME[/versions/V|/labels/L]:predict|:classify|:regress,"
          + " GET /v1/models/NAME[/versions/V|/labels/L][/metadata], GET /health/live and"
          + " /health/ready, GET /monitoring/prometheus/metrics; and its gRPC API with"
          + " --grpc-port.",
      "",
      "Binds 127.0.0.1 unless --host says otherwise. Runs until stopped (Ctrl-C, SIGTERM); then"
          + " in-flight requests finish before the models unload."
    })
public final class ServeMain implements Callable<Integer> {
  static final int EXIT_FAILED = 1;
  static final int EXIT_USAGE = 2;

  @Option(
      names = "--registry",
      required = true,
      paramLabel = "URI",
      description = "The registry: a folder, or s3://bucket/prefix (read as the AWS CLI reads S3).")
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
      description =
          "Inference requests run at once, over REST and gRPC together (default: the number of"
              + " cores).")
  int maxConcurrent = Runtime.getRuntime().availableProcessors();

  @Option(
      names = "--max-queued",
      paramLabel = "N",
      description =
          "Inference requests waiting for a slot; more are answered 503 with Retry-After"
              + " (gRPC: RESOURCE_EXHAUSTED) (default: ${DEFAULT-VALUE}).")
  int maxQueued = ModelServer.Config.DEFAULT_MAX_QUEUED;

  @Option(
      names = "--grpc-port",
      paramLabel = "N",
      description =
          "Also serve TensorFlow Serving's gRPC API (PredictionService.Predict and"
              + " GetModelMetadata, ModelService.GetModelStatus) on this port (0: any free port,"
              + " printed).")
  Integer grpcPort;

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

  public static void main(String[] args) {
    System.exit(
        execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /** Runs a {@code serve} command line until the server stops; returns its exit code. */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new ServeMain());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parsed) -> {
          if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
            err.println("millrace: " + e.getMessage());
            return EXIT_USAGE;
          }
          err.println("millrace: " + e);
          e.printStackTrace(err);
          return EXIT_FAILED;
        });
    int exit = cli.execute(args);
    out.flush();
    err.flush();
    return exit;
  }

  /**
   * The serving process has no Beam, whose file systems read {@code gs://} and {@code hdfs://} in
   * the CLI: a registry there is refused up front, naming it. {@code s3://} it reads itself.
   */
  private static void requireReadableRegistry(String registry) {
    try {
      ModelServer.registryRoot(registry);
    } catch (ProviderNotFoundException e) {
      throw new IllegalArgumentException(
          "--registry "
              + registry
              + ": the model server reads registries on the local disk or on S3 (s3://bucket/prefix)"
              + " only; copy the registry to one of those and serve that",
          e);
    }
  }

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    requireReadableRegistry(registry);
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
      return EXIT_FAILED;
    }
    GrpcServer grpc = null;
    if (grpcPort != null) {
      try {
        grpc = GrpcServer.start(server, config, grpcPort);
      } catch (IOException e) {
        server.close();
        spec.commandLine().getErr().println("millrace: " + e.getMessage());
        return EXIT_FAILED;
      } catch (RuntimeException e) {
        server.close();
        throw e;
      }
    }
    GrpcServer grpcServer = grpc;
    // gRPC stops first: its calls finish while the models are still loaded.
    Runnable stopServing =
        () -> {
          try {
            if (grpcServer != null) {
              grpcServer.close();
            }
          } finally {
            server.close();
          }
        };
    // On SIGTERM the hook stops the server; it then waits (briefly) for this thread to report the
    // stop, since the JVM halts as soon as the hooks return.
    CountDownLatch reported = new CountDownLatch(1);
    Thread stop =
        new Thread(
            () -> {
              try {
                stopServing.run();
              } finally {
                try {
                  reported.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            },
            "millrace-serve-stop");
    Runtime.getRuntime().addShutdownHook(stop);
    try {
      out.println("serving on http://" + host + ":" + server.port() + " (loading models)");
      if (grpc != null) {
        out.println("serving gRPC on " + host + ":" + grpc.port());
      }
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
        stopServing.run();
      } catch (IllegalStateException shuttingDown) {
        // The JVM is exiting: the hook stops the server.
      }
    }
    out.println("stopped");
    out.flush();
    reported.countDown();
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
