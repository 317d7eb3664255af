package io.millrace.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.model.LoadedModel;
import io.millrace.model.TaxiModels;
import io.millrace.record.Example;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TensorFlow Serving's REST API on a registry holding the small taxi model, through the JDK's
 * HttpClient against a server on 127.0.0.1 and a free port.
 */
class RestApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static Path registry;
  static ModelServer server;
  static LoadedModel direct;

  @BeforeAll
  static void serve() throws IOException {
    registry = dir.resolve("registry");
    TaxiModels.writeGood(registry.resolve("taxi/1"), "taxi");
    // A version whose load fails: its status says why, version 1 still serves.
    TaxiRequests.writeBrokenVersion(registry.resolve("taxi/2"));
    server =
        ModelServer.start(
            ModelServer.Config.of(registry.toString(), 0)
                .withVersionPolicy(VersionPolicy.parse("all")));
    server.awaitLoaded();
    direct = LoadedModel.load(registry.resolve("taxi/1"));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (direct != null) {
      direct.close();
    }
  }

  record Answer(int status, JsonNode body, HttpResponse<String> response) {}

  static Answer post(String path, String body) throws IOException, InterruptedException {
    HttpResponse<String> r = TaxiRequests.post(server.port(), path, body);
    return new Answer(r.statusCode(), JSON.readTree(r.body()), r);
  }

  static Answer get(String path) throws IOException, InterruptedException {
    HttpResponse<String> r = TaxiRequests.get(server.port(), path);
    return new Answer(r.statusCode(), JSON.readTree(r.body()), r);
  }

  static String instances(List<Example> records) {
    return TaxiRequests.instances(records, direct.transformer().fitted().inputSchema());
  }

  @Test
  void predictRowsAndColumnsGiveTheModelsOwnPredictions() throws Exception {
    List<Example> records = TaxiModels.eval().subList(0, 300);
    LoadedModel.Predictions expected = direct.predict(records);
    Answer rows = post("/v1/models/taxi:predict", instances(records));
    assertEquals(200, rows.status(), rows.body().toString());
    JsonNode predictions = rows.body().get("predictions");
    assertEquals(records.size(), predictions.size());
    for (int i = 0; i < records.size(); i++) {
      assertEquals(
          JSON.getNodeFactory().numberNode((double) expected.get(i, 0)).toString(),
          predictions.get(i).toString(),
          "record " + i);
    }
    // The same records as columns, to version 1 by number: the same values under "outputs".
    JsonNode asRows = JSON.readTree(instances(records)).get("instances");
    ObjectNode columns = JSON.createObjectNode();
    ObjectNode inputs = columns.putObject("inputs");
    asRows.get(0).fieldNames().forEachRemaining(name -> inputs.putArray(name));
    for (JsonNode row : asRows) {
      row.fields().forEachRemaining(f -> ((ArrayNode) inputs.get(f.getKey())).add(f.getValue()));
    }
    Answer cols = post("/v1/models/taxi/versions/1:predict", columns.toString());
    assertEquals(200, cols.status(), cols.body().toString());
    assertEquals(predictions, cols.body().get("outputs"));

    // classify: TF Serving's [[label, score], ...] per example.
    Answer classified =
        post(
            "/v1/models/taxi:classify",
            instances(records.subList(0, 3)).replace("\"instances\"", "\"examples\""));
    assertEquals(200, classified.status(), classified.body().toString());
    assertEquals("1", classified.body().at("/result/0/1/0").asText());
    assertEquals(predictions.get(0), classified.body().at("/result/0/1/1"));
  }

  @Test
  void concurrentRequestsGetTheirOwnAnswersAndBadOnesDisturbNone() throws Exception {
    List<Example> eval = TaxiModels.eval();
    int clients = 8;
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        List<Example> records = eval.subList(c * 100, c * 100 + 100);
        boolean bad = c % 3 == 2;
        done.add(
            pool.submit(
                () -> {
                  for (int round = 0; round < 5; round++) {
                    if (bad) {
                      Answer refused =
                          post("/v1/models/taxi:predict", "{\"instances\": [{\"fare\": \"x\"}]}");
                      assertEquals(400, refused.status(), refused.body().toString());
                      continue;
                    }
                    LoadedModel.Predictions expected = direct.predict(records);
                    Answer a = post("/v1/models/taxi:predict", instances(records));
                    assertEquals(200, a.status(), a.body().toString());
                    for (int i = 0; i < records.size(); i++) {
                      assertEquals(
                          (double) expected.get(i, 0),
                          a.body().at("/predictions/" + i).doubleValue());
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void theTransformedSignatureTakesTheModelsInputs() throws Exception {
    List<Example> records = TaxiModels.eval().subList(0, 20);
    LoadedModel.Predictions expected = direct.predict(records);
    ObjectNode body = JSON.createObjectNode().put("signature_name", "transformed");
    ArrayNode rows = body.putArray("instances");
    List<String> inputs =
        new java.util.ArrayList<>(direct.artifact().info().inputs().denseFeatures());
    inputs.addAll(direct.artifact().info().inputs().idColumns());
    for (Example raw : records) {
      Example t = direct.transformer().apply(raw);
      ObjectNode row = rows.addObject();
      for (String name : inputs) {
        Object v = t.rawValues(t.schema().requireIndex(name));
        row.set(name, JSON.valueToTree(v));
      }
    }
    Answer a = post("/v1/models/taxi:predict", body.toString());
    assertEquals(200, a.status(), a.body().toString());
    // The metadata gives each input's rank: 2 for a one-hot vector per row, else 1.
    JsonNode declared =
        get("/v1/models/taxi/metadata")
            .body()
            .at("/metadata/signature_def/signature_def/transformed/inputs");
    assertEquals(inputs.size(), declared.size(), declared.toString());
    JsonNode first = rows.get(0);
    for (String name : inputs) {
      assertEquals(
          first.get(name).size() > 1 ? 2 : 1,
          declared.at("/" + name + "/tensor_shape/dim").size(),
          name + ": " + declared.get(name));
    }
    for (int i = 0; i < records.size(); i++) {
      assertEquals((double) expected.get(i, 0), a.body().at("/predictions/" + i).doubleValue());
    }
  }

  @Test
  void statusAndMetadata() throws Exception {
    Answer status = get("/v1/models/taxi");
    assertEquals(200, status.status());
    assertEquals("1", status.body().at("/model_version_status/0/version").asText());
    assertEquals("AVAILABLE", status.body().at("/model_version_status/0/state").asText());
    assertEquals("END", status.body().at("/model_version_status/1/state").asText());
    assertTrue(
        status
            .body()
            .at("/model_version_status/1/status/error_message")
            .asText()
            .contains("model.json"),
        status.body().toString());
    Answer one = get("/v1/models/taxi/versions/1");
    assertEquals(1, one.body().get("model_version_status").size());

    Answer metadata = get("/v1/models/taxi/metadata");
    assertEquals(200, metadata.status(), metadata.body().toString());
    JsonNode inputs =
        metadata.body().at("/metadata/signature_def/signature_def/serving_default/inputs");
    assertTrue(inputs.has("trip_miles"), inputs.toString());
    assertEquals(
        "DT_FLOAT",
        metadata
            .body()
            .at("/metadata/signature_def/signature_def/serving_default/outputs/probabilities/dtype")
            .asText());
    assertTrue(
        metadata.body().at("/metadata/signature_def/signature_def/transformed/inputs").size() > 0);

    // Version 2 failed to load: a request to it names its state and why.
    Answer toFailed = post("/v1/models/taxi/versions/2:predict", "{\"instances\": []}");
    assertEquals(404, toFailed.status());
    assertTrue(toFailed.body().get("error").asText().contains("END"), toFailed.body().toString());

    assertEquals(200, get("/health/live").status());
    assertEquals(200, get("/health/ready").status());
  }

  @Test
  void badRequestsGetA4xxNamingWhatIsWrong() throws Exception {
    String good = instances(TaxiModels.eval().subList(0, 1));
    JsonNode goodRow = JSON.readTree(good).at("/instances/0");
    expect(400, "malformed JSON", post("/v1/models/taxi:predict", "{\"instances\": [ {"));
    expect(400, "not a JSON object", post("/v1/models/taxi:predict", "[1, 2]"));
    expect(400, "exactly one of", post("/v1/models/taxi:predict", "{}"));
    expect(404, "model 'nope' is not served", post("/v1/models/nope:predict", good));
    expect(
        404,
        "version 7 of model 'taxi' is not served",
        post("/v1/models/taxi/versions/7:predict", good));
    expect(400, "version 'x'", post("/v1/models/taxi/versions/x:predict", good));
    expect(404, "no label 'stable'", post("/v1/models/taxi/labels/stable:predict", good));
    expect(
        400,
        "signature_name 'other'",
        post("/v1/models/taxi:predict", "{\"signature_name\": \"other\", \"instances\": []}"));

    ObjectNode unknown = goodRow.deepCopy();
    unknown.put("colour", "red");
    expect(
        400,
        "unknown input 'colour'",
        post("/v1/models/taxi:predict", "{\"instances\": [" + unknown + "]}"));

    ObjectNode missing = goodRow.deepCopy();
    missing.remove("trip_miles");
    expect(
        400,
        "instances[0] lacks the input 'trip_miles'",
        post("/v1/models/taxi:predict", "{\"instances\": [" + missing + "]}"));

    ObjectNode wrongType = goodRow.deepCopy();
    wrongType.put("trip_miles", "far");
    expect(
        400,
        "instances[0].trip_miles must be a number",
        post("/v1/models/taxi:predict", "{\"instances\": [" + wrongType + "]}"));

    expect(
        400,
        "Duplicate field 'instances'",
        post("/v1/models/taxi:predict", "{\"instances\": [], \"instances\": []}"));
    expect(400, "use :classify", post("/v1/models/taxi:regress", "{\"examples\": []}"));
    expect(405, "takes POST", get("/v1/models/taxi:predict"));
    expect(404, "no such endpoint", get("/v2/whatever"));

    // None of that disturbed the server: a good request still gets its answer.
    assertEquals(200, post("/v1/models/taxi:predict", good).status());
  }

  private static void expect(int status, String message, Answer answer) {
    assertEquals(status, answer.status(), answer.body().toString());
    assertTrue(answer.body().get("error").asText().contains(message), answer.body().toString());
  }
}
