package io.millrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.StoragePaths;
import io.millrace.model.LoadedModel;
import io.millrace.model.ModelRegistry;
import io.millrace.model.TaxiModels;
import io.millrace.serving.ModelServer;
import io.millrace.testing.S3Server;
import io.millrace.testing.StorageServers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real serving process (the serving jar, no Beam) on a registry on S3 (S3Proxy), configured as
 * the AWS CLI is (AWS_ENDPOINT_URL_S3, AWS_REGION, keys in the environment): it answers as the same
 * registry served from the local disk, sees a version pushed to S3 at its next poll, and routes a
 * label kept on S3.
 */
@ExtendWith(StorageServers.class)
class ServeS3Test {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  /** Copies a model artifact to {@code root/name/version} on S3, committed by its marker. */
  private static void push(Path model, Path root, String name, int version) throws IOException {
    ArtifactDirectory target =
        ArtifactDirectory.begin(root.resolve(name).resolve(Integer.toString(version)));
    ArtifactDirectory.copyRecursively(model, target.staging());
    target.commit();
  }

  @Test
  void theServingProcessReadsARegistryOnS3(S3Server s3) throws Exception {
    s3.createBucket("models");
    s3.register();
    Path good = dir.resolve("local/taxi/1");
    Path shuffled = dir.resolve("shuffled");
    TaxiModels.writeGood(good, "taxi");
    TaxiModels.writeShuffled(shuffled, "taxi");
    Path onS3 = StoragePaths.of("s3://models/registry");
    push(good, onS3, "taxi", 1);
    String body;
    try (LoadedModel model = LoadedModel.load(good)) {
      var inputs = model.transformer().fitted().inputSchema();
      List<String> names = new ArrayList<>();
      for (int f = 0; f < inputs.size(); f++) {
        names.add(inputs.name(f));
      }
      body = ServeProcessTest.instances(TaxiModels.eval().subList(0, 200), names);
    }

    String local;
    try (ModelServer server =
        ModelServer.start(ModelServer.Config.of(dir.resolve("local").toString(), 0))) {
      server.awaitLoaded();
      local = ServeProcessTest.post(server.port(), "/v1/models/taxi:predict", body).body();
    }

    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Dmillrace.modelCache=" + dir.resolve("cache"));
    command.addAll(
        List.of(
            "-jar",
            ServeCommand.servingJar().toString(),
            "--registry",
            "s3://models/registry",
            "--port",
            "0",
            "--poll-interval",
            "0.2"));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(s3.environment());
    Path err = dir.resolve("serve.err");
    Process serve = builder.redirectError(err.toFile()).start();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
      Matcher serving =
          Pattern.compile("serving on http://127\\.0\\.0\\.1:(\\d+) \\(loading models\\)")
              .matcher(String.valueOf(out.readLine()));
      assertTrue(serving.matches(), Files.readString(err));
      int port = Integer.parseInt(serving.group(1));
      assertEquals("ready:", out.readLine(), Files.readString(err));
      assertEquals("  taxi: version 1 AVAILABLE", out.readLine());

      // The same answer, byte for byte, as the local registry's; the model TensorFlow loaded is
      // the verified copy in the local cache, named by its fingerprint.
      assertEquals(local, ServeProcessTest.post(port, "/v1/models/taxi:predict", body).body());
      try (var cached = Files.list(dir.resolve("cache"))) {
        assertTrue(
            cached.anyMatch(p -> p.getFileName().toString().matches("[0-9a-f]{64}")),
            "no fingerprint-named copy in the model cache");
      }

      // A version pushed to S3 is loaded at a later poll and takes the requests without a version.
      push(shuffled, onS3, "taxi", 2);
      String fresh =
          await(
              () -> ServeProcessTest.post(port, "/v1/models/taxi:predict", body),
              r -> r.statusCode() == 200 && !r.body().equals(local));
      assertEquals(
          "AVAILABLE",
          JSON.readTree(ServeProcessTest.get(port, "/v1/models/taxi/versions/2"))
              .at("/model_version_status/0/state")
              .asText());

      // A label written on S3 routes to version 1 once a poll has read it.
      new ModelRegistry(onS3).label("taxi", 1, "stable");
      String stable =
          await(
              () -> ServeProcessTest.post(port, "/v1/models/taxi/labels/stable:predict", body),
              r -> r.statusCode() == 200);
      assertEquals(local, stable);
      assertTrue(!fresh.equals(stable));
    } finally {
      serve.destroy();
      assertTrue(serve.waitFor(60, TimeUnit.SECONDS), "the server did not stop on SIGTERM");
    }
    // Stopped by SIGTERM, after its shutdown hook stopped serving (the CLI reports that as 0).
    assertEquals(143, serve.exitValue(), Files.readString(err));
  }

  @Test
  void aRegistryOnS3ThatCannotBeReadIsNamedWithItsExitCode(S3Server s3) throws Exception {
    // No such bucket: a bad command line (2), naming the registry.
    Run missing = serve(s3.environment(), "s3://no-such-bucket/registry");
    assertEquals(Millrace.EXIT_USAGE, missing.exit(), missing.err());
    assertTrue(missing.err().contains("s3://no-such-bucket/registry"), missing.err());
    assertTrue(!missing.err().contains("\tat "), "a stack trace: " + missing.err());

    // An endpoint nothing answers on: the registry cannot be read (1), naming it.
    Map<String, String> unreachable = new java.util.HashMap<>(s3.environment());
    unreachable.put("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:1");
    Run refused = serve(unreachable, "s3://models/registry");
    assertEquals(Millrace.EXIT_FAILED, refused.exit(), refused.err());
    assertTrue(refused.err().contains("s3://models/registry"), refused.err());
    assertTrue(!refused.err().contains("\tat "), "a stack trace: " + refused.err());
  }

  private record Run(int exit, String err) {}

  /** The serving process on a registry it cannot serve: it exits without serving. */
  private Run serve(Map<String, String> environment, String registry) throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-jar",
            ServeCommand.servingJar().toString(),
            "--registry",
            registry,
            "--port",
            "0");
    builder.environment().putAll(environment);
    Path err = Files.createTempFile(dir, "serve", ".err");
    Process serve = builder.redirectError(err.toFile()).start();
    serve.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
    assertTrue(serve.waitFor(2, TimeUnit.MINUTES), "the server did not exit");
    return new Run(serve.exitValue(), Files.readString(err));
  }

  private interface Call {
    HttpResponse<String> call() throws Exception;
  }

  /**
   * Asks until the answer is the one wanted (the server polls S3 every 0.2 s); at most a minute.
   */
  private static String await(Call call, Predicate<HttpResponse<String>> wanted) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    HttpResponse<String> last = call.call();
    while (!wanted.test(last)) {
      assertTrue(System.nanoTime() < deadline, "still: " + last.statusCode() + " " + last.body());
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      last = call.call();
    }
    return last.body();
  }
}
