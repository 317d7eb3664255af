package io.millrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.millrace.model.TaxiModels;
import io.millrace.record.Example;
import io.millrace.serving.ModelServer;
import io.millrace.serving.proto.tensorflow.serving.GetModelMetadata.GetModelMetadataRequest;
import io.millrace.serving.proto.tensorflow.serving.GetModelMetadata.GetModelMetadataResponse;
import io.millrace.serving.proto.tensorflow.serving.GetModelMetadata.SignatureDefMap;
import io.millrace.serving.proto.tensorflow.serving.GetModelStatus.GetModelStatusRequest;
import io.millrace.serving.proto.tensorflow.serving.GetModelStatus.GetModelStatusResponse;
import io.millrace.serving.proto.tensorflow.serving.GetModelStatus.ModelVersionStatus;
import io.millrace.serving.proto.tensorflow.serving.Model.ModelSpec;
import io.millrace.serving.proto.tensorflow.serving.ModelServiceGrpc;
import io.millrace.serving.proto.tensorflow.serving.PredictionServiceGrpc;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code millrace serve} runs the server in a JVM of its own whose classpath is the serving jar
 * alone, and that jar holds no Beam, Flink or Hadoop class; it answers REST and gRPC.
 */
class ServeProcessTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  @Test
  void theServerRunsInAJvmWithoutBeamAndAnswersPredict() throws Exception {
    Path registry = dir.resolve("registry");
    TaxiModels.writeGood(registry.resolve("taxi/1"), "taxi");
    BackgroundServe serve =
        BackgroundServe.start("--registry", registry.toString(), "--port", "0", "--grpc-port", "0");
    Matcher serving =
        Pattern.compile("serving on http://127\\.0\\.0\\.1:(\\d+) \\(loading models\\)")
            .matcher(String.valueOf(serve.readLine()));
    assertTrue(serving.matches(), serve.err());
    int port = Integer.parseInt(serving.group(1));
    Matcher grpcServing =
        Pattern.compile("serving gRPC on 127\\.0\\.0\\.1:(\\d+)")
            .matcher(String.valueOf(serve.readLine()));
    assertTrue(grpcServing.matches(), serve.err());
    int grpcPort = Integer.parseInt(grpcServing.group(1));
    assertEquals("ready:", serve.readLine(), serve.err());

    // The server is a child JVM started as `java [options] -jar millrace-serving.jar ...`: that
    // jar is its whole classpath.
    ProcessHandle child =
        ProcessHandle.current()
            .children()
            .filter(p -> commandLine(p).stream().anyMatch(a -> a.endsWith("millrace-serving.jar")))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no child JVM runs millrace-serving.jar"));
    List<String> arguments = commandLine(child);
    int jarAt = arguments.indexOf("-jar");
    assertTrue(jarAt > 0, "not started with -jar: " + arguments);
    for (String option : List.of("-cp", "-classpath", "--class-path")) {
      assertFalse(arguments.subList(0, jarAt).contains(option), arguments.toString());
    }
    Path jar = Path.of(arguments.get(jarAt + 1));
    try (JarFile served = new JarFile(jar.toFile())) {
      assertNull(served.getManifest().getMainAttributes().getValue("Class-Path"));
      assertEquals(
          "io.millrace.serving.ServeMain",
          served.getManifest().getMainAttributes().getValue("Main-Class"));
      List<String> runnerClasses =
          served.stream()
              .map(e -> e.getName())
              .filter(
                  name ->
                      name.startsWith("org/apache/beam/")
                          || name.startsWith("org/apache/flink/")
                          || name.startsWith("org/apache/hadoop/")
                          || name.startsWith("io/millrace/transforms/")
                          || name.startsWith("io/millrace/stage/")
                          || name.startsWith("io/millrace/cli/"))
              .limit(5)
              .toList();
      assertEquals(List.of(), runnerClasses, "in " + jar);
      assertTrue(served.getEntry("org/tensorflow/Session.class") != null, "TensorFlow Java");
    }

    // It answers :predict, as the same server in this process does.
    Example record = TaxiModels.eval().get(0);
    JsonNode inputs =
        JSON.readTree(get(port, "/v1/models/taxi/metadata"))
            .at("/metadata/signature_def/signature_def/serving_default/inputs");
    List<String> names = new java.util.ArrayList<>();
    inputs.fieldNames().forEachRemaining(names::add);
    String body = instances(List.of(record), names);
    HttpResponse<String> predicted = post(port, "/v1/models/taxi:predict", body);
    assertEquals(200, predicted.statusCode(), predicted.body());
    try (ModelServer inProcess = ModelServer.start(ModelServer.Config.of(registry.toString(), 0))) {
      inProcess.awaitLoaded();
      assertEquals(
          post(inProcess.port(), "/v1/models/taxi:predict", body).body(), predicted.body());
    }

    // And TF Serving's gRPC API, from the same JVM.
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
    try {
      GetModelStatusResponse status =
          ModelServiceGrpc.newBlockingStub(channel)
              .getModelStatus(
                  GetModelStatusRequest.newBuilder()
                      .setModelSpec(ModelSpec.newBuilder().setName("taxi"))
                      .build());
      assertEquals(ModelVersionStatus.State.AVAILABLE, status.getModelVersionStatus(0).getState());
      GetModelMetadataResponse metadata =
          PredictionServiceGrpc.newBlockingStub(channel)
              .getModelMetadata(
                  GetModelMetadataRequest.newBuilder()
                      .setModelSpec(ModelSpec.newBuilder().setName("taxi"))
                      .addMetadataField("signature_def")
                      .build());
      assertEquals(
          inputs.size(),
          metadata
              .getMetadataOrThrow("signature_def")
              .unpack(SignatureDefMap.class)
              .getSignatureDefOrThrow("serving_default")
              .getInputsCount());
    } finally {
      channel.shutdownNow();
    }

    serve.interrupt();
    assertEquals("  taxi: version 1 AVAILABLE", serve.readLine());
    assertEquals("stopped", serve.readLine());
    assertEquals(0, serve.exitCode(), serve.err());
    assertFalse(child.isAlive(), "the server's JVM outlived the command");
  }

  @Test
  void aRegistryOnAStoreTheServerCannotReadIsRefusedWithAClearMessage() {
    MillraceCliTest.Run gs =
        MillraceCliTest.run("serve", "--registry", "gs://bucket/registry", "--port", "0");
    assertEquals(Millrace.EXIT_USAGE, gs.exit(), gs.out() + gs.err());
    assertTrue(gs.err().contains("gs://bucket/registry"), gs.err());
    assertTrue(gs.err().contains("local disk or on S3"), gs.err());
    assertFalse(gs.err().contains("\tat "), "a stack trace: " + gs.err());
  }

  private static List<String> commandLine(ProcessHandle process) {
    try {
      String text = Files.readString(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
      return Arrays.asList(text.split("\0"));
    } catch (java.io.IOException e) {
      return List.of();
    }
  }

  /**
   * {@code {"instances": [...]}} of the records, each with the inputs named (null when missing).
   */
  static String instances(List<Example> records, List<String> names) {
    ObjectNode body = JSON.createObjectNode();
    var rows = body.putArray("instances");
    for (Example record : records) {
      ObjectNode row = rows.addObject();
      for (String name : names) {
        int index = record.schema().indexOf(name);
        Object v = index < 0 ? null : record.rawValues(index);
        if (v instanceof long[] l && l.length > 0) {
          row.put(name, l[0]);
        } else if (v instanceof double[] d && d.length > 0) {
          row.put(name, d[0]);
        } else if (v instanceof byte[][] b && b.length > 0) {
          row.put(name, new String(b[0], StandardCharsets.UTF_8));
        } else {
          row.putNull(name);
        }
      }
    }
    return body.toString();
  }

  static String get(int port, String path) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  static HttpResponse<String> post(int port, String path, String body) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
