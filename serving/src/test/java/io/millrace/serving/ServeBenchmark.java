package io.millrace.serving;

import io.millrace.artifact.ArtifactDirectory;
import io.millrace.model.LoadedModel;
import io.millrace.model.TaxiModels;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * bench/serve.sh's loopback load generator: the small taxi model of the test suite, one-row
 * requests, closed loops of 1, 16 and 64 threads, each for a warm-up second then {@code seconds}
 * measured. Modes: the in-process floor (the same model called directly by as many threads), the
 * HTTP server without batching, with batching, and a swap (a new version pushed and polled in while
 * the load runs) against the same length of steady load.
 *
 * <p>Latencies go to HdrHistogram with coordinated-omission correction: a closed loop cannot send
 * while it waits, so each latency is recorded with the expected interval between a thread's
 * requests (its mean latency in the warm-up second), and HdrHistogram back-fills the requests a
 * stall kept from being sent.
 *
 * <p>Usage: ServeBenchmark WORK_DIR [SECONDS] [MAX_BATCH_SIZE] [BATCH_TIMEOUT_MICROS]
 * [ROWS_PER_REQUEST]
 */
public final class ServeBenchmark {
  private static final int[] CONCURRENCY = {1, 16, 64};
  private static final long SLOW_NANOS = 10_000_000;

  /** Requests slower than {@link #SLOW_NANOS} in the current window: start and latency. */
  private static final java.util.concurrent.ConcurrentLinkedQueue<long[]> slow =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  /**
   * Whether the clients are the JDK's HttpClient; by default they are a minimal HTTP/1.1 keep-alive
   * client on a socket, which costs the shared cores far less per request (as wrk would), so the
   * figures say more about the server.
   */
  private static final boolean JDK_CLIENT = "jdk".equals(System.getenv("BENCH_CLIENT"));

  /** One keep-alive HTTP/1.1 connection: a request's bytes out, the status and body read back. */
  static final class KeepAlive {
    private final java.net.Socket socket;
    private final java.io.OutputStream out;
    private final java.io.DataInputStream in;

    KeepAlive(int port) throws IOException {
      socket = new java.net.Socket("127.0.0.1", port);
      socket.setTcpNoDelay(true);
      out = new java.io.BufferedOutputStream(socket.getOutputStream());
      in = new java.io.DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
    }

    static byte[] request(String path, String body) {
      byte[] json = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      byte[] head =
          ("POST "
                  + path
                  + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  + "Content-Length: "
                  + json.length
                  + "\r\n\r\n")
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      byte[] all = java.util.Arrays.copyOf(head, head.length + json.length);
      System.arraycopy(json, 0, all, head.length, json.length);
      return all;
    }

    /** Sends a request and reads its whole answer; its status code. */
    int exchange(byte[] request) throws IOException {
      out.write(request);
      out.flush();
      String status = line();
      int code = Integer.parseInt(status.substring(9, 12));
      long length = -1;
      boolean chunked = false;
      for (String header = line(); !header.isEmpty(); header = line()) {
        String lower = header.toLowerCase(Locale.ROOT);
        if (lower.startsWith("content-length:")) {
          length = Long.parseLong(lower.substring(15).trim());
        } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
          chunked = true;
        }
      }
      if (chunked) {
        for (long size = Long.parseLong(line().trim(), 16); size > 0; ) {
          in.skipNBytes(size);
          line();
          size = Long.parseLong(line().trim(), 16);
        }
        line();
      } else if (length > 0) {
        in.skipNBytes(length);
      }
      return code;
    }

    private String line() throws IOException {
      StringBuilder s = new StringBuilder();
      for (int b = in.read(); b != '\n'; b = in.read()) {
        if (b < 0) {
          throw new java.io.EOFException("the server closed the connection");
        }
        if (b != '\r') {
          s.append((char) b);
        }
      }
      return s.toString();
    }
  }

  record Result(
      String mode, int clients, double perSecond, double p50Ms, double p99Ms, long failed) {
    String row() {
      return String.format(
          Locale.ROOT,
          "%-20s %4d %10.0f %9.2f %9.2f %7d",
          mode,
          clients,
          perSecond,
          p50Ms,
          p99Ms,
          failed);
    }
  }

  @FunctionalInterface
  interface Call {
    /** One request; false when it failed. */
    boolean run(int client, int i) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    int maxBatch = args.length > 2 ? Integer.parseInt(args[2]) : 64;
    long timeoutMicros = args.length > 3 ? Long.parseLong(args[3]) : 1000;
    int rowsPerRequest = args.length > 4 ? Integer.parseInt(args[4]) : 1;
    Path models = work.resolve("models");
    if (!Files.exists(models.resolve("taxi-a"))) {
      Files.createDirectories(models);
      TaxiModels.writeGood(models.resolve("taxi-a"), "taxi");
      TaxiModels.writeShuffled(models.resolve("taxi-b"), "taxi");
    }
    // A registry of the benchmark's own, made fresh for each run.
    Path registry = Files.createTempDirectory(work, "registry-");
    try {
      push(models.resolve("taxi-a"), registry, 1);
      run(registry, models, seconds, maxBatch, timeoutMicros, rowsPerRequest);
    } finally {
      ArtifactDirectory.deleteRecursively(registry);
    }
  }

  private static void run(
      Path registry, Path models, int seconds, int maxBatch, long timeoutMicros, int rowsPerRequest)
      throws Exception {
    List<Example> eval = TaxiModels.eval();
    List<List<Example>> requests = new ArrayList<>();
    for (int from = 0; requests.size() < 1000; from = (from + rowsPerRequest) % 4000) {
      requests.add(eval.subList(from, from + rowsPerRequest));
    }
    List<Result> results = new ArrayList<>();
    int cores = Runtime.getRuntime().availableProcessors();
    System.out.printf(
        Locale.ROOT,
        "cores %d; load average before: %s; %d row(s) per request; client: %s; batching:"
            + " --max-batch-size %d"
            + " --batch-timeout-micros %d; %d s measured per row%n",
        cores,
        loadAverage(),
        rowsPerRequest,
        JDK_CLIENT ? "JDK HttpClient" : "keep-alive socket",
        maxBatch,
        timeoutMicros,
        seconds);
    System.out.printf(
        "%-20s %4s %10s %9s %9s %7s%n", "mode", "c", "req/s", "p50_ms", "p99_ms", "failed");
    try (LoadedModel direct = LoadedModel.load(registry.resolve("taxi/1"))) {
      ExampleSchema inputs = direct.transformer().fitted().inputSchema();
      List<String> bodies = requests.stream().map(r -> TaxiRequests.instances(r, inputs)).toList();
      // BENCH_ONLY=swap: the swap rows alone (to look at a swap without loading the machine long).
      boolean swapOnly = "swap".equals(System.getenv("BENCH_ONLY"));
      for (int c : swapOnly ? new int[0] : CONCURRENCY) {
        results.add(
            print(
                measure(
                    "in-process floor",
                    c,
                    seconds,
                    (client, i) -> {
                      direct.predict(requests.get(i % requests.size()));
                      return true;
                    })));
        for (boolean batched : new boolean[] {false, true}) {
          ModelServer.Config config =
              ModelServer.Config.of(registry.toString(), 0)
                  .withPollInterval(Duration.ZERO)
                  .withCapacity(cores, 256);
          config =
              batched ? config.withBatching(maxBatch, timeoutMicros) : config.withBatching(1, 0);
          try (ModelServer server = ModelServer.start(config)) {
            server.awaitLoaded();
            results.add(
                print(
                    measure(
                        batched ? "http batched" : "http unbatched",
                        c,
                        seconds,
                        httpCalls(server.port(), bodies, c))));
          }
        }
      }
      // p99 during a swap against steady state, 16 clients, batching on (the default).
      try (ModelServer server =
          ModelServer.start(
              ModelServer.Config.of(registry.toString(), 0)
                  .withPollInterval(Duration.ZERO)
                  .withCapacity(cores, 256)
                  .withBatching(maxBatch, timeoutMicros))) {
        server.awaitLoaded();
        Call http = httpCalls(server.port(), bodies, 16);
        results.add(print(measure("steady (swap row)", 16, seconds, http)));
        CompletableFuture<Void> swap = new CompletableFuture<>();
        long[] swapWindow = new long[2];
        slow.clear();
        Result during =
            measure(
                "during swap",
                16,
                seconds,
                http,
                () ->
                    CompletableFuture.runAsync(
                        () -> {
                          try {
                            push(models.resolve("taxi-b"), registry, 2);
                            swapWindow[0] = System.nanoTime();
                            server.poll();
                            swapWindow[1] = System.nanoTime();
                            swap.complete(null);
                          } catch (IOException | RuntimeException e) {
                            swap.completeExceptionally(e);
                          }
                        }));
        swap.join();
        results.add(print(during));
        long before = 0;
        long loading = 0;
        long after = 0;
        for (long[] s : slow) {
          if (s[0] + s[1] < swapWindow[0]) {
            before++;
          } else if (s[0] > swapWindow[1]) {
            after++;
          } else {
            loading++;
          }
        }
        System.out.printf(
            Locale.ROOT,
            "during swap: the poll (load, warm, swap, drain) took %.0f ms; requests over %d ms:"
                + " %d before it, %d overlapping it, %d after it%n",
            (swapWindow[1] - swapWindow[0]) / 1e6,
            SLOW_NANOS / 1_000_000,
            before,
            loading,
            after);
        System.out.println("after the swap: " + String.join("; ", server.describe()));
        // How long each version took to load and warm, from the server's own metrics.
        TaxiRequests.get(server.port(), RestApi.METRICS_PATH)
            .body()
            .lines()
            .filter(line -> line.startsWith(ServingMetrics.LOAD_LATENCY + "{"))
            .map(line -> "  " + line.replaceAll("model_path=\"[^\"]*\",", ""))
            .forEach(System.out::println);
      }
    }
    System.out.printf(Locale.ROOT, "load average after: %s%n", loadAverage());
    if (results.size() < 3 * CONCURRENCY.length) {
      return;
    }
    Result floor16 = find(results, "in-process floor", 16);
    Result plain16 = find(results, "http unbatched", 16);
    Result batched16 = find(results, "http batched", 16);
    Result steady = find(results, "steady (swap row)", 16);
    Result swapping = find(results, "during swap", 16);
    System.out.printf(
        Locale.ROOT,
        "c16: batched/unbatched throughput %.2fx (aim >= 2), p99 %.2fx (aim <= 1.10);"
            + " http/in-process floor %.2f unbatched, %.2f batched (aim >= 0.70);"
            + " p99 during swap / steady %.2fx (aim <= 1.2)%n",
        batched16.perSecond() / plain16.perSecond(),
        batched16.p99Ms() / plain16.p99Ms(),
        plain16.perSecond() / floor16.perSecond(),
        batched16.perSecond() / floor16.perSecond(),
        swapping.p99Ms() / steady.p99Ms());
  }

  private static Result find(List<Result> results, String mode, int clients) {
    return results.stream()
        .filter(r -> r.mode().equals(mode) && r.clients() == clients)
        .findFirst()
        .orElseThrow();
  }

  private static Result print(Result r) {
    System.out.println(r.row());
    System.out.flush();
    return r;
  }

  private static Call httpCalls(int port, List<String> bodies, int clients) throws IOException {
    if (!JDK_CLIENT) {
      KeepAlive[] connections = new KeepAlive[clients];
      for (int c = 0; c < clients; c++) {
        connections[c] = new KeepAlive(port);
      }
      List<byte[]> requests =
          bodies.stream().map(b -> KeepAlive.request("/v1/models/taxi:predict", b)).toList();
      return (client, i) -> connections[client].exchange(requests.get(i % requests.size())) == 200;
    }
    URI uri = URI.create("http://127.0.0.1:" + port + "/v1/models/taxi:predict");
    // A client (and so a connection) per thread, as separate callers would have.
    HttpClient[] http = new HttpClient[clients];
    for (int c = 0; c < clients; c++) {
      http[c] = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }
    return (client, i) -> {
      HttpResponse<String> r =
          http[client].send(
              HttpRequest.newBuilder(uri)
                  .POST(HttpRequest.BodyPublishers.ofString(bodies.get(i % bodies.size())))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200;
    };
  }

  private static Result measure(String mode, int clients, int seconds, Call call)
      throws InterruptedException {
    return measure(mode, clients, seconds, call, () -> {});
  }

  /** Warm-up second, then {@code onMeasuring}, then {@code seconds} measured. */
  private static Result measure(
      String mode, int clients, int seconds, Call call, Runnable onMeasuring)
      throws InterruptedException {
    Histogram all = new Histogram(3);
    AtomicLong done = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    CountDownLatch warm = new CountDownLatch(clients);
    CountDownLatch start = new CountDownLatch(1);
    long[] window = new long[2];
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int client = c;
      Thread t =
          new Thread(
              () -> {
                Histogram mine = new Histogram(3);
                int i = client * 7919;
                long warmEnd = System.nanoTime() + 1_000_000_000L;
                long warmCount = 0;
                long warmStart = System.nanoTime();
                while (System.nanoTime() < warmEnd) {
                  attempt(call, client, i++, failed);
                  warmCount++;
                }
                long expectedInterval = (System.nanoTime() - warmStart) / Math.max(1, warmCount);
                warm.countDown();
                try {
                  start.await();
                } catch (InterruptedException e) {
                  return;
                }
                long end = window[1];
                long n = 0;
                while (true) {
                  long t0 = System.nanoTime();
                  if (t0 >= end) {
                    break;
                  }
                  boolean ok = attempt(call, client, i++, failed);
                  long latency = System.nanoTime() - t0;
                  mine.recordValueWithExpectedInterval(latency, expectedInterval);
                  if (latency > SLOW_NANOS) {
                    slow.add(new long[] {t0, latency});
                  }
                  if (ok) {
                    n++;
                  }
                }
                done.addAndGet(n);
                synchronized (all) {
                  all.add(mine);
                }
              },
              "bench-client-" + c);
      threads.add(t);
      t.start();
    }
    warm.await();
    failed.set(0);
    window[0] = System.nanoTime();
    window[1] = window[0] + seconds * 1_000_000_000L;
    start.countDown();
    onMeasuring.run();
    for (Thread t : threads) {
      t.join();
    }
    double elapsed = (System.nanoTime() - window[0]) / 1e9;
    return new Result(
        mode,
        clients,
        done.get() / elapsed,
        all.getValueAtPercentile(50) / 1e6,
        all.getValueAtPercentile(99) / 1e6,
        failed.get());
  }

  private static boolean attempt(Call call, int client, int i, AtomicLong failed) {
    try {
      if (call.run(client, i)) {
        return true;
      }
    } catch (Exception e) {
      // counted below
    }
    failed.incrementAndGet();
    return false;
  }

  /** Copies a model into the registry as a committed version, appearing whole (a rename). */
  private static void push(Path model, Path registry, int version) throws IOException {
    Path dir = registry.resolve("taxi");
    Files.createDirectories(dir);
    Path staging = dir.resolve(".push-bench-" + version);
    ArtifactDirectory.copyRecursively(model, staging);
    Files.move(staging, dir.resolve(Integer.toString(version)), StandardCopyOption.ATOMIC_MOVE);
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
