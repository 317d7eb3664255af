package io.millrace.serving;

import com.google.protobuf.Any;
import com.google.protobuf.Int64Value;
import io.grpc.stub.StreamObserver;
import io.millrace.model.LoadedModel;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureType;
import io.millrace.serving.proto.tensorflow.framework.Code;
import io.millrace.serving.proto.tensorflow.framework.DataType;
import io.millrace.serving.proto.tensorflow.framework.SignatureDef;
import io.millrace.serving.proto.tensorflow.framework.TensorInfo;
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
import io.millrace.serving.proto.tensorflow.serving.Status.StatusProto;
import io.millrace.train.ModelExport;
import io.millrace.train.Task;
import io.millrace.transform.tf.TransformGraph;
import java.util.List;
import java.util.function.Supplier;

/**
 * TensorFlow Serving's gRPC API over the served models: {@code PredictionService.Predict} and
 * {@code GetModelMetadata}, {@code ModelService.GetModelStatus}, from TF Serving's own protos
 * (src/main/proto). Requests resolve their version and read their records as the REST API does
 * ({@link ServedModels}, {@link InputSignature}), so both answer alike; a refused request gets
 * {@code INVALID_ARGUMENT} or {@code NOT_FOUND} with the REST API's message, a full queue {@code
 * RESOURCE_EXHAUSTED}. The other methods (Classify, Regress, MultiInference, reloading the config)
 * answer {@code UNIMPLEMENTED}.
 */
final class GrpcApi {
  private final ServedModels models;
  private final Admission admission;

  /**
   * @param admission the server's capacity, shared with its REST API
   */
  GrpcApi(ServedModels models, Admission admission) {
    this.models = models;
    this.admission = admission;
  }

  PredictionServiceGrpc.PredictionServiceImplBase predictionService() {
    return new PredictionServiceGrpc.PredictionServiceImplBase() {
      @Override
      public void predict(PredictRequest request, StreamObserver<PredictResponse> response) {
        answer(response, () -> GrpcApi.this.predict(request));
      }

      @Override
      public void getModelMetadata(
          GetModelMetadataRequest request, StreamObserver<GetModelMetadataResponse> response) {
        answer(response, () -> metadata(request));
      }
    };
  }

  ModelServiceGrpc.ModelServiceImplBase modelService() {
    return new ModelServiceGrpc.ModelServiceImplBase() {
      @Override
      public void getModelStatus(
          GetModelStatusRequest request, StreamObserver<GetModelStatusResponse> response) {
        answer(response, () -> status(request));
      }
    };
  }

  private static <T> void answer(StreamObserver<T> response, Supplier<T> call) {
    T answer;
    try {
      answer = call.get();
    } catch (ApiException e) {
      response.onError(
          io.grpc.Status.fromCode(e.code()).withDescription(e.getMessage()).asRuntimeException());
      return;
    } catch (RuntimeException e) {
      // A fault of the server or the model, not of the request: the request still gets an answer.
      response.onError(io.grpc.Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
      return;
    }
    response.onNext(answer);
    response.onCompleted();
  }

  /**
   * A Predict call, counted in the metrics as TF Serving counts it (API {@code Predict}, entrypoint
   * {@code GRPC}, as its {@code prediction_service_impl.cc} writes it) with the version that
   * answered and the label the request named.
   */
  private PredictResponse predict(PredictRequest request) {
    long started = System.nanoTime();
    ModelSpec spec = request.getModelSpec();
    String[] answeredBy = {""};
    String status = "INTERNAL";
    try {
      PredictResponse response = predict(request, answeredBy);
      status = "OK";
      return response;
    } catch (ApiException e) {
      status = e.code().name();
      throw e;
    } finally {
      // Names a client made up are not metric labels: an unknown model counts under "".
      String model = models.names().contains(spec.getName()) ? spec.getName() : "";
      String label =
          spec.getVersionChoiceCase() == ModelSpec.VersionChoiceCase.VERSION_LABEL
                  && !answeredBy[0].isEmpty()
              ? spec.getVersionLabel()
              : "";
      models
          .metrics()
          .request(
              model, answeredBy[0], label, "Predict", "GRPC", status, System.nanoTime() - started);
    }
  }

  /**
   * Resolves the version as the REST API does and predicts under a lease on it, so a request during
   * a swap is answered by a version that stays loaded until it is done, and joins that version's
   * batches.
   */
  private PredictResponse predict(PredictRequest request, String[] answeredBy) {
    ModelSpec spec = request.getModelSpec();
    String name = requireName(spec);
    Integer version =
        spec.getVersionChoiceCase() == ModelSpec.VersionChoiceCase.VERSION ? version(spec) : null;
    String label =
        spec.getVersionChoiceCase() == ModelSpec.VersionChoiceCase.VERSION_LABEL
            ? spec.getVersionLabel()
            : null;
    admission.admit();
    try {
      admission.run();
      try (ServedVersion.Lease lease = models.acquire(name, version, label)) {
        answeredBy[0] = Integer.toString(lease.version().version());
        LoadedModel model = lease.model();
        String signatureName = spec.getSignatureName();
        InputSignature signature =
            InputSignature.of(model, signatureName.isEmpty() ? null : signatureName);
        List<Example> records = signature.columns(TensorColumns.columns(request.getInputsMap()));
        String output = ModelExport.outputKey(model.task());
        for (String wanted : request.getOutputFilterList()) {
          if (!wanted.equals(output)) {
            throw ApiException.badRequest(
                "output_filter names '"
                    + wanted
                    + "', not an output of the model (its output: "
                    + output
                    + ")");
          }
        }
        LoadedModel.Predictions predictions = lease.predict(signature.name(), records);
        return PredictResponse.newBuilder()
            .setModelSpec(servedSpec(lease.version(), signature.name()))
            .putOutputs(output, TensorColumns.floats(predictions, model.task() == Task.MULTICLASS))
            .build();
      } finally {
        admission.finish();
      }
    } finally {
      admission.leave();
    }
  }

  private GetModelMetadataResponse metadata(GetModelMetadataRequest request) {
    if (!request.getMetadataFieldList().contains("signature_def")) {
      throw ApiException.badRequest(
          "metadata_field is "
              + request.getMetadataFieldList()
              + "; it must name signature_def, the metadata served");
    }
    ServedVersion target = target(request.getModelSpec());
    LoadedModel model = target.requireAvailable();
    SignatureDefMap.Builder signatures = SignatureDefMap.newBuilder();
    String output = ModelExport.outputKey(model.task());
    for (String name : List.of(TransformGraph.SIGNATURE, ModelExport.TRANSFORMED_SIGNATURE)) {
      InputSignature signature = InputSignature.of(model, name);
      SignatureDef.Builder def =
          SignatureDef.newBuilder().setMethodName("tensorflow/serving/predict");
      ExampleSchema schema = signature.schema();
      for (int f = 0; f < schema.size(); f++) {
        String input = schema.name(f);
        if (signature.accepts(input)) {
          def.putInputs(input, tensorInfo(input, dtype(schema.type(f)), signature.rank(input)));
        }
      }
      def.putOutputs(
          output, tensorInfo(output, DataType.DT_FLOAT, model.task() == Task.MULTICLASS ? 2 : 1));
      signatures.putSignatureDef(name, def.build());
    }
    return GetModelMetadataResponse.newBuilder()
        .setModelSpec(servedSpec(target, ""))
        .putMetadata("signature_def", Any.pack(signatures.build()))
        .build();
  }

  private GetModelStatusResponse status(GetModelStatusRequest request) {
    ModelSpec spec = request.getModelSpec();
    String name = requireName(spec);
    List<ServedVersion> versions =
        switch (spec.getVersionChoiceCase()) {
          case VERSION -> List.of(models.version(name, version(spec)));
          case VERSION_LABEL -> List.of(models.labelled(name, spec.getVersionLabel()));
          case VERSIONCHOICE_NOT_SET -> List.copyOf(models.versions(name).values());
        };
    GetModelStatusResponse.Builder out = GetModelStatusResponse.newBuilder();
    for (ServedVersion v : versions) {
      out.addModelVersionStatus(
          ModelVersionStatus.newBuilder()
              .setVersion(v.version())
              .setState(ModelVersionStatus.State.valueOf(v.state().name()))
              .setStatus(
                  StatusProto.newBuilder()
                      .setErrorCode(v.error().isEmpty() ? Code.OK : Code.UNKNOWN)
                      .setErrorMessage(v.error())));
    }
    return out.build();
  }

  /** The version a request's model_spec names: by number, by label, else the newest available. */
  private ServedVersion target(ModelSpec spec) {
    String name = requireName(spec);
    return switch (spec.getVersionChoiceCase()) {
      case VERSION -> models.version(name, version(spec));
      case VERSION_LABEL -> models.labelled(name, spec.getVersionLabel());
      case VERSIONCHOICE_NOT_SET -> models.newestAvailable(name);
    };
  }

  private static String requireName(ModelSpec spec) {
    if (spec.getName().isEmpty()) {
      throw ApiException.badRequest("model_spec.name is empty: name the model");
    }
    return spec.getName();
  }

  private static int version(ModelSpec spec) {
    long version = spec.getVersion().getValue();
    if (version < 1 || version > Integer.MAX_VALUE) {
      throw ApiException.badRequest("model_spec.version " + version + " is not a positive version");
    }
    return (int) version;
  }

  private static ModelSpec servedSpec(ServedVersion version, String signatureName) {
    return ModelSpec.newBuilder()
        .setName(version.name())
        .setVersion(Int64Value.of(version.version()))
        .setSignatureName(signatureName)
        .build();
  }

  private static DataType dtype(FeatureType type) {
    return switch (type) {
      case INT -> DataType.DT_INT64;
      case FLOAT -> DataType.DT_DOUBLE;
      case BYTES -> DataType.DT_STRING;
    };
  }

  private static TensorInfo tensorInfo(String name, DataType dtype, int rank) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (int d = 0; d < rank; d++) {
      shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(-1));
    }
    return TensorInfo.newBuilder().setName(name).setDtype(dtype).setTensorShape(shape).build();
  }
}
