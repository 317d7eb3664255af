package io.millrace.serving;

import io.millrace.artifact.StoragePaths;
import io.millrace.model.ModelRegistry;
import io.millrace.serving.s3.S3FileSystemProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.ProviderNotFoundException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The model server: a registry's models behind TensorFlow Serving's REST API ({@link RestApi}) on
 * an HTTP port of its own. It binds 127.0.0.1 unless told otherwise, answers health checks at once
 * and loads the models in the background (their status reads LOADING until then).
 *
 * <p>Its classpath holds the runner-free core, the model module (TensorFlow Java) and Jetty: no
 * Beam, no Flink ({@code ServingClasspathTest}).
 */
public final class ModelServer implements AutoCloseable {
  /**
   * How to serve.
   *
   * @param registry the registry's folder or URI
   * @param models the models to serve; empty: every model in the registry
   * @param port 0 for any free port
   * @param maxConcurrent inference requests run at once, over REST and gRPC together
   * @param maxQueued inference requests waiting for a slot before more are refused (REST: 503,
   *     gRPC: RESOURCE_EXHAUSTED)
   * @param pollInterval how often the registry is read for new versions and labels; zero: never
   *     (only {@link #poll} reads it)
   * @param batching how concurrent requests to one version are grouped into one TensorFlow call
   */
  public record Config(
      String registry,
      List<String> models,
      VersionPolicy versionPolicy,
      String host,
      int port,
      int maxConcurrent,
      int maxQueued,
      long maxRequestBytes,
      Duration pollInterval,
      ServedVersion.Batching batching) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_BATCH_SIZE = 64;
    public static final long DEFAULT_BATCH_TIMEOUT_MICROS = 1000;
    public static final int DEFAULT_MAX_QUEUED = 64;
    public static final long DEFAULT_MAX_REQUEST_BYTES = 64L << 20;

    public Config {
      models = List.copyOf(models);
      if (pollInterval.isNegative()) {
        throw new IllegalArgumentException("the poll interval " + pollInterval + " is negative");
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port " + port + " is not in 0..65535");
      }
      if (maxConcurrent < 1 || maxQueued < 0 || maxRequestBytes < 1) {
        throw new IllegalArgumentException(
            "maxConcurrent and maxRequestBytes must be >= 1, maxQueued >= 0: "
                + maxConcurrent
                + ", "
                + maxRequestBytes
                + ", "
                + maxQueued);
      }
    }

    /**
     * Every model, its latest version, on 127.0.0.1, one inference per core at once, batching on
     * ({@link #DEFAULT_MAX_BATCH_SIZE} rows, {@link #DEFAULT_BATCH_TIMEOUT_MICROS} µs:
     * bench/serve.sh measured twice the throughput at 16 and 64 clients, and a lone request waits
     * for nothing).
     */
    public static Config of(String registry, int port) {
      return new Config(
          registry,
          List.of(),
          VersionPolicy.latest(1),
          DEFAULT_HOST,
          port,
          Runtime.getRuntime().availableProcessors(),
          DEFAULT_MAX_QUEUED,
          DEFAULT_MAX_REQUEST_BYTES,
          DEFAULT_POLL_INTERVAL,
          new ServedVersion.Batching(DEFAULT_MAX_BATCH_SIZE, DEFAULT_BATCH_TIMEOUT_MICROS, 1));
    }

    public Config withModels(List<String> models) {
      return new Config(
          registry,
          models,
          versionPolicy,
          host,
          port,
          maxConcurrent,
          maxQueued,
          maxRequestBytes,
          pollInterval,
          batching);
    }

    public Config withVersionPolicy(VersionPolicy versionPolicy) {
      return new Config(
          registry,
          models,
          versionPolicy,
          host,
          port,
          maxConcurrent,
          maxQueued,
          maxRequestBytes,
          pollInterval,
          batching);
    }

    public Config withHost(String host) {
      return new Config(
          registry,
          models,
          versionPolicy,
          host,
          port,
          maxConcurrent,
          maxQueued,
          maxRequestBytes,
          pollInterval,
          batching);
    }

    public Config withCapacity(int maxConcurrent, int maxQueued) {
      return new Config(
          registry,
          models,
          versionPolicy,
          host,
          port,
          maxConcurrent,
          maxQueued,
          maxRequestBytes,
          pollInterval,
          batching);
    }

    public Config withPollInterval(Duration pollInterval) {
      return new Config(
          registry,
          models,
          versionPolicy,
          host,
          port,
          maxConcurrent,
          maxQueued,
          maxRequestBytes,
          pollInterval,
          batching);
    }

    /**
     * Groups concurrent requests to a version into TensorFlow calls of up to {@code maxBatchSize}
     * rows, waiting at most {@code batchTimeoutMicros} for a batch to fill; a size of 1 is off.
     */
    public Config withBatching(int maxBatchSize, long batchTimeoutMicros) {
      return new Config(
          registry,
          models,
          versionPolicy,
          host,
          port,
          maxConcurrent,
          maxQueued,
          maxRequestBytes,
          pollInterval,
          new ServedVersion.Batching(maxBatchSize, batchTimeoutMicros, 1));
    }

    public Config withMaxRequestBytes(long maxRequestBytes) {
      return new Config(
          registry,
          models,
          versionPolicy,
          host,
          port,
          maxConcurrent,
          maxQueued,
          maxRequestBytes,
          pollInterval,
          batching);
    }

    /**
     * Inference requests an API runs at once. Batched requests wait in their batcher, which bounds
     * the TensorFlow calls instead: as many are admitted as without batching, none queued.
     */
    int runningSlots() {
      return batching.on() ? maxConcurrent + maxQueued : maxConcurrent;
    }

    /** Inference requests an API keeps waiting for a running slot; more are refused. */
    int queuedSlots() {
      return batching.on() ? 0 : maxQueued;
    }
  }

  private final Server server;
  private final ServerConnector connector;
  private final RestApi api;
  private final ServedModels models;
  private final CompletableFuture<Void> loaded;
  private final ScheduledExecutorService poller;

  private ModelServer(
      Server server,
      ServerConnector connector,
      RestApi api,
      ServedModels models,
      CompletableFuture<Void> loaded,
      ScheduledExecutorService poller) {
    this.server = server;
    this.connector = connector;
    this.api = api;
    this.models = models;
    this.loaded = loaded;
    this.poller = poller;
  }

  /**
   * Starts serving: checks the registry and the models named, binds the port, then loads the
   * versions in the background ({@link #awaitLoaded}).
   *
   * @throws IllegalArgumentException when a named model has no version, or nothing is to serve
   * @throws IOException when the registry cannot be read or the port cannot be bound
   */
  public static ModelServer start(Config config) throws IOException {
    ModelRegistry registry = new ModelRegistry(registryRoot(config.registry()));
    ServingMetrics metrics = new ServingMetrics();
    ServedModels models =
        ServedModels.plan(
            registry,
            config.models(),
            config.versionPolicy(),
            // A batcher runs as many TensorFlow calls at once as unbatched requests would.
            new ServedVersion.Batching(
                config.batching().maxBatchSize(),
                config.batching().batchTimeoutMicros(),
                config.maxConcurrent()),
            metrics);
    QueuedThreadPool threads = new QueuedThreadPool();
    threads.setName("millrace-serve");
    Server server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost(config.host());
    connector.setPort(config.port());
    server.addConnector(connector);
    RestApi api =
        new RestApi(
            models,
            metrics,
            new Admission(config.runningSlots(), config.queuedSlots()),
            config.maxRequestBytes());
    // On stop, new requests are refused and in-flight ones get up to the stop timeout to finish.
    server.setHandler(new GracefulHandler(api));
    server.setStopTimeout(30_000);
    try {
      server.start();
    } catch (Exception e) {
      models.close();
      throw new IOException(
          "cannot serve on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
    }
    ScheduledExecutorService poller =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread t = new Thread(task, "millrace-serve-poll");
              t.setDaemon(true);
              return t;
            });
    CompletableFuture<Void> loaded = CompletableFuture.runAsync(models::poll, poller);
    if (!config.pollInterval().isZero()) {
      long every = config.pollInterval().toMillis();
      poller.scheduleWithFixedDelay(models::poll, every, every, TimeUnit.MILLISECONDS);
    }
    return new ModelServer(server, connector, api, models, loaded, poller);
  }

  /**
   * The registry's root: a local folder or {@code file:} URI, a URI of a file system this process
   * has a provider for, or {@code s3://bucket/prefix} read through the AWS SDK directly (the
   * serving process has no Beam, whose file systems read object stores in the CLI).
   *
   * @throws ProviderNotFoundException for a scheme neither serves ({@code gs://}, {@code hdfs://})
   */
  static Path registryRoot(String registry) {
    try {
      return StoragePaths.of(registry);
    } catch (ProviderNotFoundException e) {
      if (registry.regionMatches(true, 0, "s3://", 0, 5)) {
        return S3FileSystemProvider.fromEnvironment().path("s3://" + registry.substring(5));
      }
      throw e;
    }
  }

  /** The bound port (the free port chosen when the config asked for 0). */
  public int port() {
    return connector.getLocalPort();
  }

  /** Waits until every version has loaded or failed to. */
  public void awaitLoaded() {
    loaded.join();
  }

  /**
   * Reads the registry now, as the poll every {@code pollInterval} does: loads and warms new
   * versions, moves labels, unloads versions no longer wanted once their requests have finished.
   * Returns when that is done.
   */
  public void poll() {
    loaded.join();
    models.poll();
  }

  /** Each served model's versions and their states, one line per model. */
  public List<String> describe() {
    return models.names().stream().map(name -> name + ": " + models.describe(name)).toList();
  }

  /** Whether every model has a version that serves. */
  public boolean ready() {
    return models.ready();
  }

  /** The served models, for the other APIs on them (gRPC). */
  ServedModels models() {
    return models;
  }

  RestApi api() {
    return api;
  }

  /** The capacity for inference requests, which the gRPC API shares. */
  Admission admission() {
    return api.admission();
  }

  Server jetty() {
    return server;
  }

  /** Waits until the server stops (from {@link #close} or a shutdown hook). */
  public void join() throws InterruptedException {
    server.join();
  }

  /** Stops accepting, lets in-flight requests finish, then unloads the models. */
  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("stopping the server: " + e.getMessage(), e);
    } finally {
      poller.shutdownNow();
      loaded.join();
      models.close();
    }
  }
}
