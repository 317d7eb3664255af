package io.millrace.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.millrace.model.LoadedModel;
import io.millrace.model.ModelRegistry;
import io.millrace.model.TaxiModels;
import io.millrace.record.Example;
import io.millrace.serving.proto.tensorflow.framework.TensorProto;
import io.millrace.serving.proto.tensorflow.serving.Model.ModelSpec;
import io.millrace.serving.proto.tensorflow.serving.Predict.PredictRequest;
import io.millrace.serving.proto.tensorflow.serving.Predict.PredictResponse;
import io.millrace.serving.proto.tensorflow.serving.PredictionServiceGrpc;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gRPC requests go through the same leases as REST ones: a label routes them, a hot swap fails none
 * of them, and they are counted in the metrics under entrypoint GRPC.
 */
class GrpcSwapAndLabelTest {
  @TempDir static Path dir;
  static Path good;
  static Path shuffled;
  static Map<String, TensorProto> inputs;
  static List<Float> goodAnswer;
  static List<Float> shuffledAnswer;

  @BeforeAll
  static void models() throws IOException {
    good = dir.resolve("models/good");
    shuffled = dir.resolve("models/shuffled");
    TaxiModels.writeGood(good, "taxi");
    TaxiModels.writeShuffled(shuffled, "taxi");
    try (LoadedModel g = LoadedModel.load(good);
        LoadedModel s = LoadedModel.load(shuffled)) {
      Set<String> needed = InputSignature.of(g, null).required();
      List<Example> records =
          TaxiModels.eval().stream()
              .filter(e -> needed.stream().allMatch(name -> GrpcApiTest.present(e, name)))
              .limit(100)
              .toList();
      inputs = GrpcApiTest.tensors(records, needed);
      goodAnswer = floats(g.predict(records));
      shuffledAnswer = floats(s.predict(records));
    }
    assertTrue(!goodAnswer.equals(shuffledAnswer), "the two models must answer differently");
  }

  private static List<Float> floats(LoadedModel.Predictions p) {
    List<Float> out = new ArrayList<>();
    for (int r = 0; r < p.rows(); r++) {
      out.add(p.get(r, 0));
    }
    return out;
  }

  private static List<Float> floats(PredictResponse answer) {
    return answer.getOutputsMap().values().iterator().next().getFloatValList();
  }

  private static PredictRequest request(ModelSpec.Builder spec) {
    return PredictRequest.newBuilder().setModelSpec(spec).putAllInputs(inputs).build();
  }

  /** A server with gRPC on a registry, polled only when the test says so. */
  private record Served(ModelServer http, GrpcServer grpc, ManagedChannel channel)
      implements AutoCloseable {
    static Served on(Path registry) throws IOException {
      ModelServer.Config config =
          ModelServer.Config.of(registry.toString(), 0).withPollInterval(Duration.ZERO);
      ModelServer http = ModelServer.start(config);
      GrpcServer grpc = GrpcServer.start(http, config, 0);
      http.awaitLoaded();
      return new Served(
          http,
          grpc,
          NettyChannelBuilder.forAddress("127.0.0.1", grpc.port()).usePlaintext().build());
    }

    PredictionServiceGrpc.PredictionServiceBlockingStub prediction() {
      return PredictionServiceGrpc.newBlockingStub(channel);
    }

    @Override
    public void close() {
      channel.shutdownNow();
      grpc.close();
      http.close();
    }
  }

  @Test
  void aVersionLabelRoutesAndIsCountedUnderGrpc() throws Exception {
    Path registry = dir.resolve("labels");
    HotSwapTest.push(good, registry, "taxi", 1);
    HotSwapTest.push(shuffled, registry, "taxi", 2);
    ModelRegistry models = new ModelRegistry(registry);
    models.label("taxi", 1, "stable");
    try (Served s = Served.on(registry)) {
      PredictResponse stable =
          s.prediction()
              .predict(request(ModelSpec.newBuilder().setName("taxi").setVersionLabel("stable")));
      assertEquals(goodAnswer, floats(stable));
      assertEquals(1, stable.getModelSpec().getVersion().getValue());
      // Without a version or label: the newest version.
      assertEquals(
          shuffledAnswer,
          floats(s.prediction().predict(request(ModelSpec.newBuilder().setName("taxi")))));

      StatusRuntimeException unknown =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  s.prediction()
                      .predict(
                          request(
                              ModelSpec.newBuilder().setName("taxi").setVersionLabel("nightly"))));
      assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
      assertTrue(
          unknown.getStatus().getDescription().contains("no label 'nightly'"),
          unknown.getStatus().getDescription());

      // The label moves once its new version is loaded (it is already): gRPC follows it.
      models.label("taxi", 2, "stable");
      s.http().poll();
      assertEquals(
          shuffledAnswer,
          floats(
              s.prediction()
                  .predict(
                      request(ModelSpec.newBuilder().setName("taxi").setVersionLabel("stable")))));

      String metrics = TaxiRequests.get(s.http().port(), RestApi.METRICS_PATH).body();
      String series =
          "{model_name=\"taxi\",version=\"%s\",label=\"%s\",API=\"Predict\",entrypoint=\"GRPC\"";
      assertTrue(
          metrics.contains(
              ServingMetrics.REQUEST_COUNT + series.formatted("1", "stable") + ",status=\"OK\"} 1"),
          metrics);
      assertTrue(
          metrics.contains(
              ServingMetrics.REQUEST_COUNT + series.formatted("2", "stable") + ",status=\"OK\"} 1"),
          metrics);
      assertTrue(
          metrics.contains(
              ServingMetrics.REQUEST_COUNT + series.formatted("", "") + ",status=\"NOT_FOUND\"} 1"),
          metrics);
      assertTrue(!metrics.contains("nightly"), metrics);
    }
  }

  @Test
  void aHotSwapUnderGrpcLoadFailsNoRequest() throws Exception {
    Path registry = dir.resolve("swap");
    HotSwapTest.push(good, registry, "taxi", 1);
    try (Served s = Served.on(registry)) {
      PredictionServiceGrpc.PredictionServiceBlockingStub stub = s.prediction();
      SwapLoad.run(
          6,
          10,
          () -> floats(stub.predict(request(ModelSpec.newBuilder().setName("taxi")))),
          goodAnswer,
          shuffledAnswer,
          () -> {
            HotSwapTest.push(shuffled, registry, "taxi", 2);
            s.http().poll();
          });
      assertEquals(ServedVersion.State.END, s.http().models().version("taxi", 1).state());
      assertEquals(0, s.http().models().version("taxi", 1).leases());
    }
  }
}
