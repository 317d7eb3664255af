package io.millrace.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.Int64Value;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.millrace.model.LoadedModel;
import io.millrace.model.TaxiModels;
import io.millrace.record.Example;
import io.millrace.serving.proto.tensorflow.framework.Code;
import io.millrace.serving.proto.tensorflow.framework.DataType;
import io.millrace.serving.proto.tensorflow.framework.SignatureDef;
import io.millrace.serving.proto.tensorflow.framework.TensorProto;
import io.millrace.serving.proto.tensorflow.framework.TensorShapeProto;
import io.millrace.serving.proto.tensorflow.serving.GetModelMetadata.GetModelMetadataRequest;
import io.millrace.serving.proto.tensorflow.serving.GetModelMetadata.GetModelMetadataResponse;
import io.millrace.serving.proto.tensorflow.serving.GetModelMetadata.SignatureDefMap;
import io.millrace.serving.proto.tensorflow.serving.GetModelStatus.GetModelStatusRequest;
import io.millrace.serving.proto.tensorflow.serving.GetModelStatus.GetModelStatusResponse;
import io.millrace.serving.proto.tensorflow.serving.GetModelStatus.ModelVersionStatus;
import io.millrace.serving.proto.tensorflow.serving.Model.ModelSpec;
import io.millrace.serving.proto.tensorflow.serving.ModelServiceGrpc;
import io.millrace.serving.proto.tensorflow.serving.Predict.PredictRequest;
import io.millrace.serving.proto.tensorflow.serving.Predict.PredictResponse;
import io.millrace.serving.proto.tensorflow.serving.PredictionServiceGrpc;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * TensorFlow Serving's gRPC API through a grpc-java client built from the same protos, over a real
 * Netty channel to a server on 127.0.0.1 and a free port; its answers against the REST API's.
 */
class GrpcApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static ModelServer http;
  static GrpcServer grpc;
  static ManagedChannel channel;
  static PredictionServiceGrpc.PredictionServiceBlockingStub prediction;
  static ModelServiceGrpc.ModelServiceBlockingStub modelService;
  static LoadedModel direct;

  @BeforeAll
  static void serve() throws IOException {
    Path registry = dir.resolve("registry");
    TaxiModels.writeGood(registry.resolve("taxi/1"), "taxi");
    TaxiRequests.writeBrokenVersion(registry.resolve("taxi/2"));
    ModelServer.Config config =
        ModelServer.Config.of(registry.toString(), 0).withVersionPolicy(VersionPolicy.parse("all"));
    http = ModelServer.start(config);
    grpc = GrpcServer.start(http, config, 0);
    http.awaitLoaded();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", grpc.port()).usePlaintext().build();
    prediction = PredictionServiceGrpc.newBlockingStub(channel);
    modelService = ModelServiceGrpc.newBlockingStub(channel);
    direct = LoadedModel.load(registry.resolve("taxi/1"));
  }

  @AfterAll
  static void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (grpc != null) {
      grpc.close();
    }
    if (http != null) {
      http.close();
    }
    if (direct != null) {
      direct.close();
    }
  }

  @Test
  void predictOnRawFeaturesEqualsTheRestApisPredict() throws Exception {
    Set<String> needed = InputSignature.of(direct, null).required();
    List<Example> records = complete(200);
    assertTrue(records.size() > 50, "records with every needed input: " + records.size());
    Map<String, TensorProto> inputs = tensors(records, needed);

    PredictResponse answer =
        prediction.predict(
            PredictRequest.newBuilder()
                .setModelSpec(ModelSpec.newBuilder().setName("taxi"))
                .putAllInputs(inputs)
                .build());
    TensorProto out = answer.getOutputsOrThrow(answer.getOutputsMap().keySet().iterator().next());
    assertEquals(DataType.DT_FLOAT, out.getDtype());
    assertEquals(records.size(), out.getFloatValCount());
    assertEquals(1, answer.getModelSpec().getVersion().getValue());
    assertEquals("serving_default", answer.getModelSpec().getSignatureName());

    // The same records as REST instances.
    HttpResponse<String> rest =
        TaxiRequests.post(
            http.port(),
            "/v1/models/taxi:predict",
            TaxiRequests.instances(records, direct.transformer().fitted().inputSchema()));
    assertEquals(200, rest.statusCode(), rest.body());
    JsonNode predictions = JSON.readTree(rest.body()).get("predictions");
    LoadedModel.Predictions expected = direct.predict(records);
    for (int i = 0; i < records.size(); i++) {
      assertEquals((float) predictions.get(i).doubleValue(), out.getFloatVal(i), "record " + i);
      assertEquals(expected.get(i, 0), out.getFloatVal(i), "record " + i);
    }
  }

  @Test
  void predictOnTheTransformedSignatureTakesTheModelsInputs() {
    List<Example> raw = TaxiModels.eval().subList(0, 40);
    List<Example> transformed = raw.stream().map(e -> direct.transformer().apply(e)).toList();
    List<String> names = new ArrayList<>(direct.artifact().info().inputs().denseFeatures());
    names.addAll(direct.artifact().info().inputs().idColumns());
    PredictResponse answer =
        prediction.predict(
            PredictRequest.newBuilder()
                .setModelSpec(
                    ModelSpec.newBuilder()
                        .setName("taxi")
                        .setVersion(Int64Value.of(1))
                        .setSignatureName("transformed"))
                .putAllInputs(tensors(transformed, names))
                .build());
    TensorProto out = answer.getOutputsMap().values().iterator().next();
    LoadedModel.Predictions expected = direct.predict(raw);
    for (int i = 0; i < raw.size(); i++) {
      assertEquals(expected.get(i, 0), out.getFloatVal(i), "record " + i);
    }
  }

  @Test
  void metadataListsTheSignaturesAndTheirInputs() throws Exception {
    GetModelMetadataResponse metadata =
        prediction.getModelMetadata(
            GetModelMetadataRequest.newBuilder()
                .setModelSpec(ModelSpec.newBuilder().setName("taxi"))
                .addMetadataField("signature_def")
                .build());
    assertEquals(1, metadata.getModelSpec().getVersion().getValue());
    SignatureDefMap signatures =
        metadata.getMetadataOrThrow("signature_def").unpack(SignatureDefMap.class);
    assertEquals(
        Set.of("serving_default", "transformed"), signatures.getSignatureDefMap().keySet());
    SignatureDef raw = signatures.getSignatureDefOrThrow("serving_default");
    for (String needed : InputSignature.of(direct, null).required()) {
      assertTrue(
          raw.getInputsMap().containsKey(needed), needed + " in " + raw.getInputsMap().keySet());
    }
    assertEquals(DataType.DT_DOUBLE, raw.getInputsOrThrow("fare").getDtype());
    SignatureDef transformed = signatures.getSignatureDefOrThrow("transformed");
    assertEquals(
        InputSignature.of(direct, "transformed").required(), transformed.getInputsMap().keySet());
    assertEquals(1, transformed.getOutputsCount());
  }

  @Test
  void statusReportsEachVersionAndAFailedLoadsError() {
    GetModelStatusResponse status =
        modelService.getModelStatus(
            GetModelStatusRequest.newBuilder()
                .setModelSpec(ModelSpec.newBuilder().setName("taxi"))
                .build());
    assertEquals(2, status.getModelVersionStatusCount());
    ModelVersionStatus good = status.getModelVersionStatus(0);
    assertEquals(1, good.getVersion());
    assertEquals(ModelVersionStatus.State.AVAILABLE, good.getState());
    assertEquals(Code.OK, good.getStatus().getErrorCode());
    ModelVersionStatus broken = status.getModelVersionStatus(1);
    assertEquals(2, broken.getVersion());
    assertEquals(ModelVersionStatus.State.END, broken.getState());
    assertEquals(Code.UNKNOWN, broken.getStatus().getErrorCode());
    assertTrue(broken.getStatus().getErrorMessage().contains("model.json"), broken.toString());

    GetModelStatusResponse one =
        modelService.getModelStatus(
            GetModelStatusRequest.newBuilder()
                .setModelSpec(ModelSpec.newBuilder().setName("taxi").setVersion(Int64Value.of(1)))
                .build());
    assertEquals(List.of(good), one.getModelVersionStatusList());
  }

  @Test
  void badRequestsAreRefusedNamingTheFieldOrTheName() {
    Map<String, TensorProto> good =
        tensors(complete(1), InputSignature.of(direct, null).required());
    refused(
        Status.Code.NOT_FOUND,
        "'nope'",
        () -> prediction.predict(request(ModelSpec.newBuilder().setName("nope"), good)));
    refused(
        Status.Code.NOT_FOUND,
        "version 7",
        () ->
            prediction.predict(
                request(
                    ModelSpec.newBuilder().setName("taxi").setVersion(Int64Value.of(7)), good)));
    refused(
        Status.Code.NOT_FOUND,
        "version 2",
        () ->
            prediction.predict(
                request(
                    ModelSpec.newBuilder().setName("taxi").setVersion(Int64Value.of(2)), good)));
    refused(
        Status.Code.NOT_FOUND,
        "'canary'",
        () ->
            prediction.predict(
                request(ModelSpec.newBuilder().setName("taxi").setVersionLabel("canary"), good)));
    refused(
        Status.Code.INVALID_ARGUMENT,
        "model_spec.name",
        () -> prediction.predict(request(ModelSpec.newBuilder(), good)));
    refused(
        Status.Code.INVALID_ARGUMENT,
        "'sideways'",
        () ->
            prediction.predict(
                request(
                    ModelSpec.newBuilder().setName("taxi").setSignatureName("sideways"), good)));

    ModelSpec.Builder taxi = ModelSpec.newBuilder().setName("taxi");
    Map<String, TensorProto> unknown = new LinkedHashMap<>(good);
    unknown.put("no_such_feature", good.get("fare"));
    refused(
        Status.Code.INVALID_ARGUMENT,
        "no_such_feature",
        () -> prediction.predict(request(taxi, unknown)));
    Map<String, TensorProto> missing = new LinkedHashMap<>(good);
    missing.remove("fare");
    refused(Status.Code.INVALID_ARGUMENT, "fare", () -> prediction.predict(request(taxi, missing)));
    Map<String, TensorProto> wrongType = new LinkedHashMap<>(good);
    wrongType.put(
        "fare",
        TensorProto.newBuilder()
            .setDtype(DataType.DT_STRING)
            .setTensorShape(shape(1))
            .addStringVal(ByteString.copyFromUtf8("cheap"))
            .build());
    refused(
        Status.Code.INVALID_ARGUMENT,
        "inputs.fare",
        () -> prediction.predict(request(taxi, wrongType)));
    Map<String, TensorProto> wrongDtype = new LinkedHashMap<>(good);
    wrongDtype.put(
        "fare",
        TensorProto.newBuilder()
            .setDtype(DataType.DT_BOOL)
            .setTensorShape(shape(1))
            .addBoolVal(true)
            .build());
    refused(
        Status.Code.INVALID_ARGUMENT,
        "inputs.fare has dtype DT_BOOL",
        () -> prediction.predict(request(taxi, wrongDtype)));
    Map<String, TensorProto> wrongCount = new LinkedHashMap<>(good);
    wrongCount.put("fare", good.get("fare").toBuilder().setTensorShape(shape(3)).build());
    refused(
        Status.Code.INVALID_ARGUMENT,
        "inputs.fare has 1 values",
        () -> prediction.predict(request(taxi, wrongCount)));
    // Sizes whose product overflows to the number of values given (none), and packed content
    // that is no whole number of values: refused, not a failure inside nor values dropped.
    Map<String, TensorProto> overflowing = new LinkedHashMap<>(good);
    overflowing.put(
        "fare",
        TensorProto.newBuilder()
            .setDtype(good.get("fare").getDtype())
            .setTensorShape(shape(1L << 32, 1L << 32))
            .build());
    refused(
        Status.Code.INVALID_ARGUMENT,
        "inputs.fare has 0 values",
        () -> prediction.predict(request(taxi, overflowing)));
    Map<String, TensorProto> partial = new LinkedHashMap<>(good);
    partial.put(
        "fare",
        TensorProto.newBuilder()
            .setDtype(good.get("fare").getDtype())
            .setTensorShape(shape(1))
            .setTensorContent(ByteString.copyFrom(new byte[10]))
            .build());
    refused(
        Status.Code.INVALID_ARGUMENT,
        "10 bytes of tensor_content",
        () -> prediction.predict(request(taxi, partial)));

    refused(
        Status.Code.INVALID_ARGUMENT,
        "signature_def",
        () ->
            prediction.getModelMetadata(
                GetModelMetadataRequest.newBuilder().setModelSpec(taxi).build()));
    refused(
        Status.Code.NOT_FOUND,
        "'nope'",
        () ->
            modelService.getModelStatus(
                GetModelStatusRequest.newBuilder()
                    .setModelSpec(ModelSpec.newBuilder().setName("nope"))
                    .build()));
    // Refusals disturb nothing: the same channel still predicts.
    assertFalse(prediction.predict(request(taxi, good)).getOutputsMap().isEmpty());
  }

  private static PredictRequest request(ModelSpec.Builder spec, Map<String, TensorProto> inputs) {
    return PredictRequest.newBuilder().setModelSpec(spec).putAllInputs(inputs).build();
  }

  private static void refused(Status.Code code, String named, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
    assertTrue(
        e.getStatus().getDescription() != null && e.getStatus().getDescription().contains(named),
        "'" + named + "' in " + e.getStatus().getDescription());
  }

  /**
   * The first eval records that give every input the raw signature needs (a tensor has no nulls).
   */
  private static List<Example> complete(int n) {
    Set<String> needed = InputSignature.of(direct, null).required();
    return TaxiModels.eval().stream()
        .filter(e -> needed.stream().allMatch(name -> present(e, name)))
        .limit(n)
        .toList();
  }

  static boolean present(Example e, String name) {
    int index = e.schema().indexOf(name);
    Object v = index < 0 ? null : e.rawValues(index);
    return v != null && java.lang.reflect.Array.getLength(v) > 0;
  }

  private static TensorShapeProto shape(long... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (long d : dims) {
      shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
    }
    return shape.build();
  }

  /** One tensor per input: each record's values, shape [N] or [N, K] for K values per record. */
  static Map<String, TensorProto> tensors(List<Example> records, Iterable<String> names) {
    Map<String, TensorProto> tensors = new LinkedHashMap<>();
    for (String name : names) {
      TensorProto.Builder t = TensorProto.newBuilder();
      int width = -1;
      for (Example e : records) {
        Object v = e.rawValues(e.schema().requireIndex(name));
        width = java.lang.reflect.Array.getLength(v);
        if (v instanceof long[] l) {
          t.setDtype(DataType.DT_INT64);
          for (long x : l) {
            t.addInt64Val(x);
          }
        } else if (v instanceof double[] d) {
          t.setDtype(DataType.DT_DOUBLE);
          for (double x : d) {
            t.addDoubleVal(x);
          }
        } else if (v instanceof float[] f) {
          t.setDtype(DataType.DT_FLOAT);
          for (float x : f) {
            t.addFloatVal(x);
          }
        } else {
          t.setDtype(DataType.DT_STRING);
          for (byte[] x : (byte[][]) v) {
            t.addStringVal(ByteString.copyFrom(x));
          }
        }
      }
      t.setTensorShape(width == 1 ? shape(records.size()) : shape(records.size(), width));
      tensors.put(name, t.build());
    }
    return tensors;
  }
}
