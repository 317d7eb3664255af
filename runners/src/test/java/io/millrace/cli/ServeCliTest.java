package io.millrace.cli;

import static io.millrace.cli.MillraceCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.model.LoadedModel;
import io.millrace.model.TaxiModels;
import io.millrace.serving.ModelServer;
import io.millrace.testing.SharedData;
import io.millrace.transform.ServingSchema;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code millrace serve}: the model server answers what {@code millrace predict} writes. */
class ServeCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  @Test
  void servedPredictionsEqualMillracePredictByteForByteOnAllTaxiEvalRecords() throws Exception {
    Path registry = dir.resolve("registry");
    Path version = registry.resolve("taxi/1");
    TaxiModels.writeGood(version, "taxi");
    Path predicted = dir.resolve("predicted");
    MillraceCliTest.Run predict =
        run(
            "predict",
            "--model",
            version.toString(),
            "--input",
            SharedData.path("taxi/tutorial/eval.csv").toString(),
            "--output",
            predicted.toString());
    assertEquals(0, predict.exit(), predict.out() + predict.err());
    List<JsonNode> rows = new ArrayList<>();
    try (Stream<Path> files = Files.list(predicted.resolve("predictions"))) {
      for (Path file : files.sorted().toList()) {
        for (String line : Files.readAllLines(file)) {
          rows.add(JSON.readTree(line));
        }
      }
    }
    assertEquals(5000, rows.size());

    Set<String> needed;
    try (LoadedModel model = LoadedModel.load(version)) {
      List<String> modelInputs = new ArrayList<>(model.artifact().info().inputs().denseFeatures());
      modelInputs.addAll(model.artifact().info().inputs().idColumns());
      needed = ServingSchema.inputsOf(model.transformer().fitted(), modelInputs);
    }
    // Each record as a TF Serving instance: the raw features the model needs, as predict read
    // them (predict reads the others, such as the label's, as text), null when missing.
    ObjectNode body = JSON.createObjectNode();
    ArrayNode instances = body.putArray("instances");
    for (JsonNode row : rows) {
      ObjectNode instance = instances.addObject();
      for (String name : needed) {
        JsonNode values = row.get(name);
        instance.set(
            name,
            values == null || values.isNull() || values.isEmpty()
                ? JSON.nullNode()
                : values.get(0));
      }
    }
    try (ModelServer server = ModelServer.start(ModelServer.Config.of(registry.toString(), 0))) {
      server.awaitLoaded();
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:" + server.port() + "/v1/models/taxi:predict"))
                      .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, response.statusCode(), response.body());
      JsonNode predictions = JSON.readTree(response.body()).get("predictions");
      assertEquals(rows.size(), predictions.size());
      for (int i = 0; i < rows.size(); i++) {
        assertEquals(
            rows.get(i).get("probability").get(0).toString(),
            predictions.get(i).toString(),
            "record " + i + ": " + instances.get(i));
      }
    }
  }

  @Test
  void theServeCommandServesUntilInterruptedThenStops() throws Exception {
    Path registry = dir.resolve("registry");
    TaxiModels.writeGood(registry.resolve("taxi/1"), "taxi");
    BackgroundServe serve = BackgroundServe.start("--registry", registry.toString(), "--port", "0");
    // Port 0: the server binds a free port and prints it.
    Matcher serving =
        Pattern.compile("serving on http://127\\.0\\.0\\.1:(\\d+) \\(loading models\\)")
            .matcher(String.valueOf(serve.readLine()));
    assertTrue(serving.matches(), serve.err());
    int port = Integer.parseInt(serving.group(1));
    assertEquals("ready:", serve.readLine());
    assertEquals("  taxi: version 1 AVAILABLE", serve.readLine());

    HttpResponse<String> status =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models/taxi"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, status.statusCode());
    assertTrue(status.body().contains("AVAILABLE"), status.body());

    serve.interrupt();
    assertEquals("stopped", serve.readLine());
    assertEquals(0, serve.exitCode(), serve.err());
    assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
  }

  @Test
  void millraceLabelPointsALabelThatTheServerRoutesTo() throws Exception {
    Path registry = dir.resolve("registry");
    TaxiModels.writeGood(registry.resolve("taxi/1"), "taxi");
    MillraceCliTest.Run labelled =
        run("label", "--registry", registry.toString(), "taxi", "1", "stable");
    assertEquals(0, labelled.exit(), labelled.out() + labelled.err());
    assertEquals("Label stable of taxi now names version 1", labelled.out().trim());

    MillraceCliTest.Run noVersion =
        run("label", "--registry", registry.toString(), "taxi", "7", "stable");
    assertEquals(Millrace.EXIT_USAGE, noVersion.exit(), noVersion.out() + noVersion.err());
    assertTrue(noVersion.err().contains("no committed version 7"), noVersion.err());
    MillraceCliTest.Run badLabel =
        run("label", "--registry", registry.toString(), "taxi", "1", "../stable");
    assertEquals(Millrace.EXIT_USAGE, badLabel.exit(), badLabel.out() + badLabel.err());
    assertTrue(badLabel.err().contains("label"), badLabel.err());
    MillraceCliTest.Run badName =
        run("label", "--registry", registry.toString(), "..", "1", "stable");
    assertEquals(Millrace.EXIT_USAGE, badName.exit(), badName.out() + badName.err());
    assertTrue(Files.notExists(registry.resolve("stable")));

    try (ModelServer server = ModelServer.start(ModelServer.Config.of(registry.toString(), 0))) {
      server.awaitLoaded();
      HttpClient http = HttpClient.newHttpClient();
      String instance =
          "{\"instances\": [{\"trip_miles\": 1.2, \"fare\": 7.25, \"trip_seconds\": 420,"
              + " \"payment_type\": \"Credit Card\", \"company\": \"Flash Cab\","
              + " \"trip_start_hour\": 17, \"trip_start_day\": 3, \"pickup_latitude\": 41.89,"
              + " \"pickup_longitude\": -87.63, \"dropoff_latitude\": 41.88,"
              + " \"dropoff_longitude\": null}]}";
      HttpResponse<String> byLabel =
          post(http, server, "/v1/models/taxi/labels/stable:predict", instance);
      HttpResponse<String> byVersion =
          post(http, server, "/v1/models/taxi/versions/1:predict", instance);
      assertEquals(200, byLabel.statusCode(), byLabel.body());
      assertEquals(byVersion.body(), byLabel.body());
      HttpResponse<String> unknown =
          post(http, server, "/v1/models/taxi/labels/canary:predict", instance);
      assertEquals(404, unknown.statusCode());
      assertTrue(unknown.body().contains("no label 'canary'"), unknown.body());
    }
  }

  private static HttpResponse<String> post(
      HttpClient http, ModelServer server, String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void badCommandLinesExitWith2AndSayWhy() {
    MillraceCliTest.Run noRegistry =
        run("serve", "--registry", dir.resolve("none").toString(), "--port", "0");
    assertEquals(Millrace.EXIT_USAGE, noRegistry.exit(), noRegistry.out() + noRegistry.err());
    assertTrue(noRegistry.err().contains("is not a folder"), noRegistry.err());

    MillraceCliTest.Run badPolicy =
        run("serve", "--registry", dir.toString(), "--port", "0", "--version-policy", "newest");
    assertEquals(Millrace.EXIT_USAGE, badPolicy.exit());
    assertTrue(badPolicy.err().contains("version policy 'newest'"), badPolicy.err());

    MillraceCliTest.Run badPort = run("serve", "--registry", dir.toString(), "--port", "70000");
    assertEquals(Millrace.EXIT_USAGE, badPort.exit());
    assertTrue(badPort.err().contains("port 70000"), badPort.err());

    MillraceCliTest.Run badBatch =
        run("serve", "--registry", dir.toString(), "--port", "0", "--max-batch-size", "0");
    assertEquals(Millrace.EXIT_USAGE, badBatch.exit());
    assertTrue(badBatch.err().contains("--max-batch-size"), badBatch.err());
  }
}
