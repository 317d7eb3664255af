package io.millrace.serving;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.model.LoadedModel;
import io.millrace.model.LoadedModel.Predictions;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureType;
import io.millrace.train.ModelExport;
import io.millrace.transform.tf.TransformGraph;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * TensorFlow Serving's REST API over the served models, with its request and response shapes, so
 * that its clients work unchanged:
 *
 * <pre>
 * POST /v1/models/NAME[/versions/V|/labels/L]:predict   {"instances": [...]} or {"inputs": {...}}
 * POST /v1/models/NAME[/versions/V|/labels/L]:classify  {"examples": [...], "context": {...}}
 * POST /v1/models/NAME[/versions/V|/labels/L]:regress   {"examples": [...], "context": {...}}
 * GET  /v1/models/NAME[/versions/V]                     version status
 * GET  /v1/models/NAME[/versions/V]/metadata            signatures, their inputs and types
 * GET  /health/live, /health/ready                      liveness; readiness (every model serves)
 * GET  /monitoring/prometheus/metrics                   {@link ServingMetrics}, Prometheus' text
 * </pre>
 *
 * <p>A refused request is answered {@code {"error": "..."}} with a 4xx naming the field or the
 * name; a full queue with 503 and {@code Retry-After}. Predictions are float32 values written as
 * {@code millrace predict} writes them (the float widened to a double), so both give the same
 * bytes.
 */
final class RestApi extends Handler.Abstract {
  private static final Pattern MODEL_PATH =
      Pattern.compile(
          "/v1/models/([^/:]+)(?:/versions/([^/:]+)|/labels/([^/:]+))?(:predict|:classify|:regress|/metadata)?");
  static final String METRICS_PATH = "/monitoring/prometheus/metrics";
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private final ServedModels models;
  private final ServingMetrics metrics;
  private final Admission admission;
  private final long maxRequestBytes;
  private volatile Runnable onAdmitted = () -> {};

  Admission admission() {
    return admission;
  }

  /**
   * @param admission the server's capacity, shared with its gRPC API; requests beyond it are
   *     answered 503
   */
  RestApi(ServedModels models, ServingMetrics metrics, Admission admission, long maxRequestBytes) {
    this.models = models;
    this.metrics = metrics;
    this.admission = admission;
    this.maxRequestBytes = maxRequestBytes;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    long started = System.nanoTime();
    if (Request.getPathInContext(request).equals(METRICS_PATH)) {
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; version=0.0.4");
      Content.Sink.write(response, true, metrics.prometheusText(), callback);
      return true;
    }
    int status;
    io.grpc.Status.Code code;
    JsonNode body;
    Served served = new Served();
    try {
      body = route(request, served);
      status = 200;
      code = io.grpc.Status.Code.OK;
    } catch (ApiException e) {
      status = e.status();
      code = e.code();
      body = error(e.getMessage());
    } catch (RuntimeException e) {
      // A fault of the server or the model, not of the request: the request still gets an answer.
      status = 500;
      code = io.grpc.Status.Code.INTERNAL;
      body = error(e.toString());
    }
    if (status == 503 && !response.getHeaders().contains(HttpHeader.RETRY_AFTER)) {
      response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
    }
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    // Counted before the answer leaves: a client that reads the metrics after its answer sees its
    // request in them.
    if (served.api != null) {
      metrics.request(
          served.model,
          served.version,
          served.label,
          served.api,
          "REST",
          code.name(),
          System.nanoTime() - started);
    }
    response.write(true, ByteBuffer.wrap(bytes), callback);
    return true;
  }

  /** What a model request named and which version answered it, for the metrics. */
  private static final class Served {
    String model;
    String version = "";
    String label = "";
    String api;
  }

  private static ObjectNode error(String message) {
    ObjectNode error = JSON.createObjectNode();
    error.put("error", message);
    return error;
  }

  private JsonNode route(Request request, Served served) {
    String path = Request.getPathInContext(request);
    String method = request.getMethod();
    if (path.equals("/health/live")) {
      requireMethod(method, "GET", path);
      return JSON.createObjectNode().put("status", "live");
    }
    if (path.equals("/health/ready")) {
      requireMethod(method, "GET", path);
      if (!models.ready()) {
        throw ApiException.unavailable("not every served model has an available version yet");
      }
      return JSON.createObjectNode().put("status", "ready");
    }
    Matcher m = MODEL_PATH.matcher(path);
    if (!m.matches()) {
      throw ApiException.notFound(
          "no such endpoint: " + path + " (see /v1/models/NAME[/versions/V|/labels/L]:predict)");
    }
    String name = m.group(1);
    String versionText = m.group(2);
    String label = m.group(3);
    String verb = m.group(4);
    if (verb == null || verb.equals("/metadata")) {
      requireMethod(method, "GET", path);
      // TF Serving counts its status and metadata GETs under API "" (their path names no method).
      served.model = models.names().contains(name) ? name : "";
      served.api = "";
      List<ServedVersion> versions =
          label != null
              ? List.of(models.labelled(name, label))
              : versionText == null
                  ? List.copyOf(models.versions(name).values())
                  : List.of(models.version(name, version(versionText)));
      if (verb != null) {
        return metadata(name, versions);
      }
      JsonNode status = status(versions);
      if (label != null && !models.labelNote(name, label).isEmpty()) {
        // The label names a version that is not loaded and warm yet: it still routes here.
        ((ObjectNode) status).put("label_status", models.labelNote(name, label));
      }
      return status;
    }
    requireMethod(method, "POST", path);
    // Names a client made up are not metric labels (each would be a series of its own): an
    // unknown model counts under model_name "", an unknown label under label "".
    served.model = models.names().contains(name) ? name : "";
    served.api = verb.substring(1);
    Integer versionNumber = versionText == null ? null : version(versionText);
    // Admitted before its body is read: the bodies held in memory are bounded by the capacity.
    admission.admit();
    try {
      onAdmitted.run();
      JsonNode body = body(request);
      admission.run();
      try (ServedVersion.Lease lease = models.acquire(name, versionNumber, label)) {
        served.version = Integer.toString(lease.version().version());
        served.label = label == null ? "" : label;
        return infer(lease, verb.substring(1), body);
      } finally {
        admission.finish();
      }
    } finally {
      admission.leave();
    }
  }

  /** Tests observe admission with this (a request holds its slot while its body arrives). */
  void onAdmitted(Runnable listener) {
    this.onAdmitted = listener;
  }

  private static void requireMethod(String method, String expected, String path) {
    if (!method.equals(expected)) {
      throw ApiException.methodNotAllowed(path + " takes " + expected + ", not " + method);
    }
  }

  private static int version(String text) {
    try {
      int v = Integer.parseInt(text);
      if (v >= 1) {
        return v;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw ApiException.badRequest("version '" + text + "' is not a positive integer");
  }

  private JsonNode body(Request request) {
    byte[] bytes;
    try (InputStream in = Content.Source.asInputStream(request)) {
      bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxRequestBytes + 1));
    } catch (IOException e) {
      throw ApiException.badRequest("cannot read the request body: " + e.getMessage());
    }
    if (bytes.length > maxRequestBytes) {
      throw ApiException.tooLarge("the request body is larger than " + maxRequestBytes + " bytes");
    }
    JsonNode body;
    try {
      body = JSON.readTree(bytes);
    } catch (IOException e) {
      throw ApiException.badRequest("malformed JSON: " + e.getMessage());
    }
    if (body == null || !body.isObject()) {
      throw ApiException.badRequest("the request body is not a JSON object");
    }
    return body;
  }

  private static JsonNode infer(ServedVersion.Lease lease, String verb, JsonNode body) {
    LoadedModel model = lease.model();
    ServedVersion target = lease.version();
    JsonNode signatureName = body.get("signature_name");
    if (signatureName != null && !signatureName.isTextual()) {
      throw ApiException.badRequest("signature_name is not a string");
    }
    InputSignature signature =
        InputSignature.of(model, signatureName == null ? null : signatureName.textValue());
    io.millrace.train.Task task = model.task();
    ObjectNode out = JSON.createObjectNode();
    if (verb.equals("predict")) {
      boolean rows = body.has("instances");
      if (rows == body.has("inputs")) {
        throw ApiException.badRequest(
            "give exactly one of 'instances' (rows) and 'inputs' (columns)");
      }
      List<Example> records =
          rows
              ? signature.rows(body.get("instances"), "instances", null)
              : signature.columns(body.get("inputs"));
      Predictions p = lease.predict(signature.name(), records);
      ArrayNode values = out.putArray(rows ? "predictions" : "outputs");
      for (int r = 0; r < p.rows(); r++) {
        if (task == io.millrace.train.Task.MULTICLASS) {
          ArrayNode row = values.addArray();
          for (int k = 0; k < p.width(); k++) {
            row.add((double) p.get(r, k));
          }
        } else {
          values.add((double) p.get(r, 0));
        }
      }
      return out;
    }
    if (!body.has("examples")) {
      throw ApiException.badRequest("'" + verb + "' takes 'examples' (and optionally 'context')");
    }
    boolean classify = verb.equals("classify");
    if (classify == (task == io.millrace.train.Task.REGRESSION)) {
      throw ApiException.badRequest(
          "model '"
              + target.name()
              + "' is a "
              + task.name().toLowerCase(java.util.Locale.ROOT)
              + " model: use :"
              + (task == io.millrace.train.Task.REGRESSION ? "regress" : "classify")
              + " or :predict");
    }
    List<Example> records = signature.rows(body.get("examples"), "examples", body.get("context"));
    Predictions p = lease.predict(signature.name(), records);
    ArrayNode result = out.putArray("result");
    List<String> classes = model.artifact().info().classNames();
    for (int r = 0; r < p.rows(); r++) {
      if (!classify) {
        result.add((double) p.get(r, 0));
      } else if (task == io.millrace.train.Task.BINARY) {
        ArrayNode row = result.addArray();
        row.addArray().add("0").add((double) (1f - p.get(r, 0)));
        row.addArray().add("1").add((double) p.get(r, 0));
      } else {
        ArrayNode row = result.addArray();
        for (int k = 0; k < p.width(); k++) {
          String label =
              classes != null && k < classes.size() ? classes.get(k) : Integer.toString(k);
          row.addArray().add(label).add((double) p.get(r, k));
        }
      }
    }
    return out;
  }

  private static JsonNode status(List<ServedVersion> versions) {
    ObjectNode out = JSON.createObjectNode();
    ArrayNode statuses = out.putArray("model_version_status");
    for (ServedVersion v : versions) {
      ObjectNode s = statuses.addObject();
      s.put("version", Integer.toString(v.version()));
      s.put("state", v.state().name());
      ObjectNode status = s.putObject("status");
      status.put("error_code", v.error().isEmpty() ? "OK" : "UNKNOWN");
      status.put("error_message", v.error());
    }
    return out;
  }

  private static JsonNode metadata(String name, List<ServedVersion> versions) {
    ServedVersion v =
        versions.stream()
            .filter(s -> s.state() == ServedVersion.State.AVAILABLE)
            .reduce((a, b) -> b)
            .orElseThrow(
                () -> ApiException.notFound("model '" + name + "' has no available version"));
    LoadedModel model = v.requireAvailable();
    ObjectNode out = JSON.createObjectNode();
    ObjectNode spec = out.putObject("model_spec");
    spec.put("name", name);
    spec.put("signature_name", "");
    spec.put("version", Integer.toString(v.version()));
    ObjectNode defs =
        out.putObject("metadata").putObject("signature_def").putObject("signature_def");
    for (String signatureName :
        List.of(TransformGraph.SIGNATURE, ModelExport.TRANSFORMED_SIGNATURE)) {
      InputSignature signature = InputSignature.of(model, signatureName);
      ObjectNode def = defs.putObject(signatureName);
      ObjectNode inputs = def.putObject("inputs");
      ExampleSchema schema = signature.schema();
      for (int f = 0; f < schema.size(); f++) {
        if (signature.accepts(schema.name(f))) {
          inputs.set(
              schema.name(f),
              tensorInfo(schema.name(f), dtype(schema.type(f)), signature.rank(schema.name(f))));
        }
      }
      String output = ModelExport.outputKey(model.task());
      def.putObject("outputs")
          .set(
              output,
              tensorInfo(
                  output, "DT_FLOAT", model.task() == io.millrace.train.Task.MULTICLASS ? 2 : 1));
      def.put("method_name", "tensorflow/serving/predict");
    }
    return out;
  }

  private static String dtype(FeatureType type) {
    return switch (type) {
      case INT -> "DT_INT64";
      case FLOAT -> "DT_DOUBLE";
      case BYTES -> "DT_STRING";
    };
  }

  private static ObjectNode tensorInfo(String name, String dtype, int rank) {
    ObjectNode info = JSON.createObjectNode();
    info.put("dtype", dtype);
    ObjectNode shape = info.putObject("tensor_shape");
    ArrayNode dims = shape.putArray("dim");
    for (int d = 0; d < rank; d++) {
      dims.addObject().put("size", "-1").put("name", "");
    }
    shape.put("unknown_rank", false);
    info.put("name", name);
    return info;
  }
}
