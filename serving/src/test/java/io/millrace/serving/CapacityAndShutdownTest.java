package io.millrace.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.millrace.model.TaxiModels;
import io.millrace.serving.proto.tensorflow.serving.Model.ModelSpec;
import io.millrace.serving.proto.tensorflow.serving.Predict.PredictRequest;
import io.millrace.serving.proto.tensorflow.serving.PredictionServiceGrpc;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.eclipse.jetty.util.component.Graceful;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full server answers 503 with Retry-After and serves again once a slot frees; a stopping server
 * finishes the request in flight; a server whose model failed to load is live but not ready.
 *
 * <p>A request is held in flight by sending its headers and only part of its body over a raw
 * socket: the server admits it, then waits for the rest.
 */
class CapacityAndShutdownTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static Path registry;
  static String body;

  @BeforeAll
  static void registry() throws IOException {
    registry = dir.resolve("registry");
    TaxiModels.writeGood(registry.resolve("taxi/1"), "taxi");
    try (io.millrace.model.LoadedModel model =
        io.millrace.model.LoadedModel.load(registry.resolve("taxi/1"))) {
      body =
          TaxiRequests.instances(
              TaxiModels.eval().subList(0, 5), model.transformer().fitted().inputSchema());
    }
  }

  /** A request whose body is half sent: the server has admitted it when {@code admitted} opens. */
  static final class HeldRequest implements AutoCloseable {
    private final Socket socket;
    private final byte[] bytes;

    HeldRequest(int port, String path, String json) throws IOException {
      socket = new Socket("127.0.0.1", port);
      bytes = json.getBytes(StandardCharsets.UTF_8);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST "
                  + path
                  + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  + "Connection: close\r\nContent-Length: "
                  + bytes.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(bytes, 0, bytes.length / 2);
      out.flush();
    }

    /** Sends the rest of the body; the status code of the answer. */
    int finish() throws IOException {
      OutputStream out = socket.getOutputStream();
      out.write(bytes, bytes.length / 2, bytes.length - bytes.length / 2);
      out.flush();
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      String status = in.readLine();
      return Integer.parseInt(status.split(" ")[1]);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  static HttpResponse<String> predict(int port) throws IOException, InterruptedException {
    return TaxiRequests.post(port, "/v1/models/taxi:predict", body);
  }

  @Test
  void aFullServerAnswers503WithRetryAfterAndServesAgainOnceASlotFrees() throws Exception {
    try (ModelServer server =
        ModelServer.start(ModelServer.Config.of(registry.toString(), 0).withCapacity(1, 0))) {
      server.awaitLoaded();
      CountDownLatch admitted = new CountDownLatch(1);
      server.api().onAdmitted(admitted::countDown);
      try (HeldRequest held = new HeldRequest(server.port(), "/v1/models/taxi:predict", body)) {
        admitted.await();
        HttpResponse<String> refused = predict(server.port());
        assertEquals(503, refused.statusCode(), refused.body());
        assertEquals("1", refused.headers().firstValue("Retry-After").orElse(""));
        assertTrue(JSON.readTree(refused.body()).get("error").asText().contains("capacity"));
        assertEquals(200, held.finish());
      }
      HttpResponse<String> served = predict(server.port());
      assertEquals(200, served.statusCode(), served.body());
    }
  }

  /**
   * One capacity for both APIs: a REST request in flight fills a server of one slot for gRPC too,
   * and each API's refusal is counted with the code it answered (gRPC's RESOURCE_EXHAUSTED used to
   * be counted as UNAVAILABLE, and gRPC had a capacity of its own beside REST's).
   */
  @Test
  void restAndGrpcShareOneCapacityAndARefusalIsCountedAsItWasAnswered() throws Exception {
    ModelServer.Config config = ModelServer.Config.of(registry.toString(), 0).withCapacity(1, 0);
    try (ModelServer server = ModelServer.start(config);
        GrpcServer grpc = GrpcServer.start(server, config, 0)) {
      server.awaitLoaded();
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", grpc.port()).usePlaintext().build();
      try {
        PredictionServiceGrpc.PredictionServiceBlockingStub prediction =
            PredictionServiceGrpc.newBlockingStub(channel);
        PredictRequest noInputs =
            PredictRequest.newBuilder()
                .setModelSpec(ModelSpec.newBuilder().setName("taxi"))
                .build();
        CountDownLatch admitted = new CountDownLatch(1);
        server.api().onAdmitted(admitted::countDown);
        try (HeldRequest held = new HeldRequest(server.port(), "/v1/models/taxi:predict", body)) {
          admitted.await();
          StatusRuntimeException full =
              assertThrows(StatusRuntimeException.class, () -> prediction.predict(noInputs));
          assertEquals(Status.Code.RESOURCE_EXHAUSTED, full.getStatus().getCode());
          assertTrue(full.getStatus().getDescription().contains("capacity"), full.toString());
          assertEquals(503, predict(server.port()).statusCode());
          assertEquals(200, held.finish());
        }
        // The slot is free again: the request is read, and refused for what it lacks.
        StatusRuntimeException empty =
            assertThrows(StatusRuntimeException.class, () -> prediction.predict(noInputs));
        assertEquals(Status.Code.INVALID_ARGUMENT, empty.getStatus().getCode(), empty.toString());
      } finally {
        channel.shutdownNow();
      }
      String metrics = TaxiRequests.get(server.port(), RestApi.METRICS_PATH).body();
      for (String series :
          List.of(
              "{model_name=\"taxi\",version=\"\",label=\"\",API=\"Predict\","
                  + "entrypoint=\"GRPC\",status=\"RESOURCE_EXHAUSTED\"} 1",
              "{model_name=\"taxi\",version=\"\",label=\"\",API=\"predict\","
                  + "entrypoint=\"REST\",status=\"RESOURCE_EXHAUSTED\"} 1")) {
        assertTrue(
            metrics.contains(ServingMetrics.REQUEST_COUNT + series), series + "\n" + metrics);
      }
    }
  }

  @Test
  void aBodyLargerThanTheLimitIsRefusedWith413() throws Exception {
    try (ModelServer server =
        ModelServer.start(
            ModelServer.Config.of(registry.toString(), 0).withMaxRequestBytes(body.length() - 1))) {
      server.awaitLoaded();
      HttpResponse<String> refused = predict(server.port());
      assertEquals(413, refused.statusCode(), refused.body());
      assertTrue(refused.body().contains("larger than"), refused.body());
      assertTrue(refused.headers().firstValue("Server").isEmpty(), "no server version is sent");
    }
  }

  @Test
  void stoppingFinishesTheRequestInFlightAndRefusesNewConnections() throws Exception {
    ModelServer server = ModelServer.start(ModelServer.Config.of(registry.toString(), 0));
    server.awaitLoaded();
    int port = server.port();
    CountDownLatch admitted = new CountDownLatch(1);
    server.api().onAdmitted(admitted::countDown);
    CountDownLatch stopping = new CountDownLatch(1);
    server
        .jetty()
        .addEventListener(
            new LifeCycle.Listener() {
              @Override
              public void lifeCycleStopping(LifeCycle event) {
                stopping.countDown();
              }
            });
    try (HeldRequest held = new HeldRequest(port, "/v1/models/taxi:predict", body)) {
      admitted.await();
      CompletableFuture<Void> closed = CompletableFuture.runAsync(server::close);
      stopping.await();
      // The connector stops accepting before the server waits for requests in flight: once it has,
      // the held request is finished, and must still be answered.
      Graceful connector = (Graceful) server.jetty().getConnectors()[0];
      while (!connector.isShutdown()) {
        Thread.onSpinWait();
      }
      assertEquals(200, held.finish());
      closed.join();
    }
    assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
  }

  @Test
  void aServerWhoseOnlyVersionFailedToLoadIsLiveButNotReady() throws Exception {
    Path broken = dir.resolve("broken");
    TaxiRequests.writeBrokenVersion(broken.resolve("taxi/1"));
    try (ModelServer server = ModelServer.start(ModelServer.Config.of(broken.toString(), 0))) {
      server.awaitLoaded();
      assertEquals(200, TaxiRequests.get(server.port(), "/health/live").statusCode());
      HttpResponse<String> ready = TaxiRequests.get(server.port(), "/health/ready");
      assertEquals(503, ready.statusCode(), ready.body());
      HttpResponse<String> status = TaxiRequests.get(server.port(), "/v1/models/taxi");
      assertEquals(
          "END", JSON.readTree(status.body()).at("/model_version_status/0/state").asText());
      assertEquals(404, predict(server.port()).statusCode());
    }
  }
}
