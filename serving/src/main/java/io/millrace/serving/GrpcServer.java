package io.millrace.serving;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * TensorFlow Serving's gRPC API ({@link GrpcApi}) on a port of its own, over the models a {@link
 * ModelServer} serves, within that server's capacity. It binds the host the HTTP server binds
 * (127.0.0.1 unless told otherwise).
 */
public final class GrpcServer implements AutoCloseable {
  private final Server server;

  private GrpcServer(Server server) {
    this.server = server;
  }

  /**
   * Serves gRPC on {@code port} (0: any free port) beside {@code http}, sharing its capacity.
   *
   * @throws IOException when the port cannot be bound
   */
  public static GrpcServer start(ModelServer http, ModelServer.Config config, int port)
      throws IOException {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("gRPC port " + port + " is not in 0..65535");
    }
    GrpcApi api = new GrpcApi(http.models(), http.admission());
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress(config.host(), port))
            .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, config.maxRequestBytes()))
            .addService(api.predictionService())
            .addService(api.modelService())
            .build();
    try {
      server.start();
    } catch (IOException e) {
      throw new IOException(
          "cannot serve gRPC on " + config.host() + ":" + port + ": " + e.getMessage(), e);
    }
    return new GrpcServer(server);
  }

  /** The bound port (the free port chosen when asked for 0). */
  public int port() {
    return server.getPort();
  }

  /** Stops accepting calls and lets those in flight finish (up to 30 s). */
  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(30, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
