package io.millrace.testing;

import io.millrace.transforms.io.Storage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;

/**
 * A real S3-compatible server on 127.0.0.1 and a free port: S3Proxy over its file-system blob store
 * (buckets are folders under the server's folder), run in a JVM of its own on the jars the {@code
 * transforms/s3proxy} module copies, and stopped by its PID. It checks every request's signature
 * (AWS v2 and v4) against a key pair of its own.
 *
 * <p>In this JVM the AWS SDK finds the key pair as the system properties {@code aws.accessKeyId}
 * and {@code aws.secretAccessKey}, the first link of its default provider chain, which {@link
 * Storage} leaves in place: they are set while the server runs and restored when it stops (so run
 * one server at a time). A child process gets the same through {@link #environment()}.
 */
public final class S3Server implements AutoCloseable {
  /** The folder of S3Proxy's jars, when not found under the checkout. */
  public static final String LIB_PROPERTY = "millrace.s3proxy.lib";

  private static final String ACCESS_KEY_PROPERTY = "aws.accessKeyId";
  private static final String SECRET_KEY_PROPERTY = "aws.secretAccessKey";
  private static final Pattern STARTED =
      Pattern.compile("Started ServerConnector.*\\{127\\.0\\.0\\.1:(\\d+)}");
  private static final Pattern REQUEST =
      Pattern.compile("S3ProxyHandler request: Request\\((\\w+) http://[^/]+/([^ )]*)");
  private static final long START_TIMEOUT_SECONDS = 120;
  private static final long STOP_TIMEOUT_SECONDS = 30;

  private final Process process;
  private final Path buckets;
  private final Deque<String> output;
  private final URI endpoint;
  private final String accessKey;
  private final String secretKey;
  private final String previousAccessKey;
  private final String previousSecretKey;
  private final long startMillis;
  private final Requests requests;

  private S3Server(
      Process process,
      Path buckets,
      Deque<String> output,
      int port,
      String accessKey,
      String secretKey,
      String previousAccessKey,
      String previousSecretKey,
      long startMillis,
      Requests requests) {
    this.process = process;
    this.buckets = buckets;
    this.output = output;
    this.endpoint = URI.create("http://127.0.0.1:" + port);
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.previousAccessKey = previousAccessKey;
    this.previousSecretKey = previousSecretKey;
    this.startMillis = startMillis;
    this.requests = requests;
  }

  /** Starts a server keeping its buckets as folders under {@code directory}. */
  public static S3Server start(Path directory) throws IOException, InterruptedException {
    long started = System.nanoTime();
    Path lib = lib();
    Path buckets = Files.createDirectories(directory.resolve("buckets"));
    String accessKey = "AKMR" + randomHex(8).toUpperCase();
    String secretKey = randomHex(20);
    Path properties = directory.resolve("s3proxy.conf");
    Files.writeString(
        properties,
        String.join(
            "\n",
            // Port 0: the server binds a free port and says which (no race for a chosen one).
            "s3proxy.endpoint=http://127.0.0.1:0",
            "s3proxy.authorization=aws-v2-or-v4",
            "s3proxy.identity=" + accessKey,
            "s3proxy.credential=" + secretKey,
            "jclouds.provider=filesystem-nio2",
            "jclouds.identity=local",
            "jclouds.credential=local",
            "jclouds.filesystem.basedir=" + buckets.toAbsolutePath(),
            ""),
        StandardCharsets.UTF_8);
    Path logging = directory.resolve("logback.xml");
    Files.writeString(
        logging,
        String.join(
            "\n",
            "<configuration>",
            "  <appender name='out' class='ch.qos.logback.core.ConsoleAppender'>",
            "    <encoder><pattern>%level %logger %msg%n</pattern></encoder>",
            "  </appender>",
            "  <logger name='org.gaul.shaded.org.eclipse.jetty.server.AbstractConnector'"
                + " level='INFO'/>",
            // One line per request, which countRequests() reads.
            "  <logger name='org.gaul.s3proxy.S3ProxyHandler' level='DEBUG'/>",
            "  <root level='WARN'><appender-ref ref='out'/></root>",
            "</configuration>",
            ""),
        StandardCharsets.UTF_8);
    String java = ProcessHandle.current().info().command().orElse("java");
    Process process =
        new ProcessBuilder(
                java,
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Dlogback.configurationFile=" + logging.toAbsolutePath(),
                "-cp",
                lib.toAbsolutePath() + "/*",
                "org.gaul.s3proxy.Main",
                "--properties",
                properties.toAbsolutePath().toString())
            .redirectErrorStream(true)
            .start();
    process.getOutputStream().close();
    Deque<String> output = new ArrayDeque<>();
    Requests requests = new Requests();
    int port;
    try {
      port = awaitPort(process, output, requests);
    } catch (IOException | RuntimeException | InterruptedException e) {
      stop(process);
      throw e;
    }
    String previousAccessKey = System.setProperty(ACCESS_KEY_PROPERTY, accessKey);
    String previousSecretKey = System.setProperty(SECRET_KEY_PROPERTY, secretKey);
    long millis = (System.nanoTime() - started) / 1_000_000;
    return new S3Server(
        process,
        buckets,
        output,
        port,
        accessKey,
        secretKey,
        previousAccessKey,
        previousSecretKey,
        millis,
        requests);
  }

  /**
   * Reads the server's output until its connector says it started and on which port, then keeps
   * draining it so the server never blocks on a full pipe.
   */
  private static int awaitPort(Process process, Deque<String> lastLines, Requests requests)
      throws IOException, InterruptedException {
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                  Matcher request = REQUEST.matcher(line);
                  if (request.find()) {
                    requests.seen(request.group(1), request.group(2));
                    continue;
                  }
                  if (!line.startsWith("WARN")
                      && !line.startsWith("ERROR")
                      && !line.contains("Started")) {
                    continue; // S3ProxyHandler's other debugging
                  }
                  synchronized (lastLines) {
                    lastLines.addLast(line);
                    if (lastLines.size() > 200) {
                      lastLines.removeFirst();
                    }
                  }
                  Matcher started = STARTED.matcher(line);
                  if (started.find()) {
                    port.complete(Integer.parseInt(started.group(1)));
                  }
                }
              } catch (IOException e) {
                // The server went away; waitFor below tells.
              }
              synchronized (lastLines) {
                port.completeExceptionally(
                    new IOException(
                        "S3Proxy exited before it listened: " + String.join("\n", lastLines)));
              }
            },
            "s3proxy-output");
    reader.setDaemon(true);
    reader.start();
    try {
      return port.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (IOException) e.getCause();
    } catch (TimeoutException e) {
      throw new IOException("S3Proxy did not listen within " + START_TIMEOUT_SECONDS + " s");
    }
  }

  /** S3Proxy's jars: {@code -Dmillrace.s3proxy.lib}, else the checkout's build of them. */
  static Path lib() {
    String configured = System.getProperty(LIB_PROPERTY);
    if (configured != null && !configured.isBlank()) {
      return Paths.get(configured);
    }
    for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path lib = dir.resolve("transforms/s3proxy/target/lib");
      if (Files.isDirectory(lib)) {
        return lib;
      }
    }
    throw new IllegalStateException(
        "S3Proxy's jars are not built: build the transforms/s3proxy module (mvn -pl transforms -am"
            + " ...), or name the folder with -D"
            + LIB_PROPERTY);
  }

  private static String randomHex(int bytes) {
    byte[] random = new byte[bytes];
    new SecureRandom().nextBytes(random);
    return HexFormat.of().formatHex(random);
  }

  public URI endpoint() {
    return endpoint;
  }

  /**
   * The folder in which the server keeps a bucket's objects, a key's slashes as subfolders: where a
   * test watches objects appear, as no S3 API notifies a writer's progress.
   */
  public Path bucketFolder(String bucket) {
    return buckets.resolve(bucket);
  }

  public String accessKey() {
    return accessKey;
  }

  public String secretKey() {
    return secretKey;
  }

  /** The server's PID. */
  public long pid() {
    return process.pid();
  }

  /** The server's last lines of output (warnings and errors), to explain a failure. */
  public String recentOutput() {
    synchronized (output) {
      return String.join("\n", output);
    }
  }

  /** How long {@link #start} took, until the server listened. */
  public long startMillis() {
    return startMillis;
  }

  /**
   * Counts the requests the server answers from now until {@link Counting#stop}: what a test
   * asserts to hold the number of round trips of an operation.
   */
  public Counting countRequests() throws InterruptedException {
    // Requests made before may not be read from the server's log yet: count from a marker's line.
    String marker = mark();
    return new Counting(requests.after(marker));
  }

  /** Makes a request naming a bucket of a random name, the marker to find in the log. */
  private String mark() {
    String marker = "count-" + randomHex(8);
    S3Options options = options().as(S3Options.class);
    try (S3Client client = new Storage.S3Clients().createBuilder(options).build()) {
      client.headBucket(request -> request.bucket(marker));
    } catch (RuntimeException e) {
      // No such bucket: the request was made, which is all a marker needs.
    }
    return marker;
  }

  /** The requests the server received while counting, by kind. */
  public final class Counting {
    private final int from;

    private Counting(int from) {
      this.from = from;
    }

    /**
     * The requests since counting began, by kind ({@code LIST}, {@code HEAD}, {@code GET}, {@code
     * PUT}, {@code POST}, {@code DELETE}), once the server has logged them all: a marker request
     * sent after them is logged after them, so its line is awaited.
     */
    public Map<String, Integer> stop() throws InterruptedException {
      int to = requests.after(mark()) - 1;
      Map<String, Integer> counts = new TreeMap<>();
      for (String kind : requests.kinds(from, to)) {
        counts.merge(kind, 1, Integer::sum);
      }
      return counts;
    }
  }

  /** Every request's kind, in the order the server logged them. */
  private static final class Requests {
    private final List<String> kinds = new ArrayList<>();
    private final List<String> paths = new ArrayList<>();

    synchronized void seen(String method, String path) {
      boolean listing = "GET".equals(method) && path.contains("list-type=");
      kinds.add(listing ? "LIST" : method);
      paths.add(path);
      notifyAll();
    }

    synchronized List<String> kinds(int from, int to) {
      return List.copyOf(kinds.subList(from, to));
    }

    /** The index after the marker's request, once the server has logged it. */
    synchronized int after(String marker) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
      while (true) {
        for (int i = paths.size() - 1; i >= 0; i--) {
          if (paths.get(i).startsWith(marker)) {
            return i + 1;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException("S3Proxy did not log the marker request " + marker);
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }
  }

  /** Creates a bucket through the S3 API, unless it exists; {@code s3://name/} then works. */
  public void createBucket(String name) {
    S3Options options = options().as(S3Options.class);
    try (S3Client client = new Storage.S3Clients().createBuilder(options).build()) {
      client.createBucket(request -> request.bucket(name));
    } catch (BucketAlreadyOwnedByYouException e) {
      // Already there, which is what the caller wants.
    }
  }

  /**
   * Copies a local file to {@code s3://bucket/key} on this server, creating the bucket if needed,
   * with this server's options {@link #register}ed.
   */
  public void upload(Path file, String uri) throws IOException {
    createBucket(URI.create(uri).getAuthority());
    register();
    try (OutputStream out = Channels.newOutputStream(Storage.create(uri))) {
      Files.copy(file, out);
    }
  }

  /**
   * The standard AWS variables that point a tool at this server: Millrace in a child process, or
   * the AWS CLI (with the checksum settings S3Proxy needs from current AWS SDKs).
   */
  public Map<String, String> environment() {
    Map<String, String> environment = new LinkedHashMap<>();
    environment.put("AWS_ENDPOINT_URL_S3", endpoint.toString());
    environment.put("AWS_REGION", "us-east-1");
    environment.put("AWS_ACCESS_KEY_ID", accessKey);
    environment.put("AWS_SECRET_ACCESS_KEY", secretKey);
    environment.put("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required");
    environment.put("AWS_RESPONSE_CHECKSUM_VALIDATION", "when_required");
    return environment;
  }

  /** Pipeline options reaching this server, configured by {@link Storage} as the CLI's are. */
  public PipelineOptions options(String... args) {
    return Storage.configure(PipelineOptionsFactory.fromArgs(args).create(), environment());
  }

  /** {@link #options} registered for file operations outside a pipeline. */
  public PipelineOptions register() {
    return Storage.use(options());
  }

  @Override
  public void close() throws IOException, InterruptedException {
    try {
      stop(process);
    } finally {
      restore(ACCESS_KEY_PROPERTY, previousAccessKey);
      restore(SECRET_KEY_PROPERTY, previousSecretKey);
    }
  }

  /** SIGTERM to the PID this class started, SIGKILL if it has not exited after a timeout. */
  private static void stop(Process process) throws IOException, InterruptedException {
    process.destroy();
    if (!process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      if (!process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        throw new IOException("S3Proxy (pid " + process.pid() + ") did not stop");
      }
    }
  }

  private static void restore(String property, String previous) {
    if (previous == null) {
      System.clearProperty(property);
    } else {
      System.setProperty(property, previous);
    }
  }
}
