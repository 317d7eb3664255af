package io.millrace.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.model.LoadedModel;
import io.millrace.model.ModelRegistry;
import io.millrace.model.TaxiModels;
import io.millrace.record.Example;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server follows the registry: a new version is loaded, warmed and swapped in under load
 * without failing a request, a version that fails to load leaves the old one serving, labels route
 * to the version they name once it is loaded. Polls are called directly (the poll interval is 0).
 */
class HotSwapTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static Path good;
  static Path shuffled;
  static List<Example> records;
  static String body;
  static String goodAnswer;
  static String shuffledAnswer;

  @BeforeAll
  static void models() throws IOException {
    good = dir.resolve("models/good");
    shuffled = dir.resolve("models/shuffled");
    TaxiModels.writeGood(good, "taxi");
    TaxiModels.writeShuffled(shuffled, "taxi");
    records = TaxiModels.eval().subList(0, 500);
    try (LoadedModel g = LoadedModel.load(good);
        LoadedModel s = LoadedModel.load(shuffled)) {
      body = TaxiRequests.instances(records, g.transformer().fitted().inputSchema());
      goodAnswer = predictions(g.predict(records));
      shuffledAnswer = predictions(s.predict(records));
    }
    assertTrue(!goodAnswer.equals(shuffledAnswer), "the two models must answer differently");
  }

  /** Predictions as the server writes them. */
  static String predictions(LoadedModel.Predictions p) {
    var out = JSON.createObjectNode().putArray("predictions");
    for (int r = 0; r < p.rows(); r++) {
      out.add((double) p.get(r, 0));
    }
    return out.toString();
  }

  /** Copies a model into the registry as a committed version, appearing whole (a rename). */
  static void push(Path model, Path registry, String name, int version) throws IOException {
    Path staging = registry.resolve(name).resolve(".push-test-" + version);
    ArtifactDirectory.copyRecursively(model, staging);
    Files.createDirectories(registry.resolve(name));
    Files.move(
        staging,
        registry.resolve(name).resolve(Integer.toString(version)),
        StandardCopyOption.ATOMIC_MOVE);
  }

  static ModelServer serve(Path registry) throws IOException {
    ModelServer server =
        ModelServer.start(
            ModelServer.Config.of(registry.toString(), 0).withPollInterval(Duration.ZERO));
    server.awaitLoaded();
    return server;
  }

  static String answer(HttpResponse<String> r) throws IOException {
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body()).get("predictions").toString();
  }

  static JsonNode status(ModelServer server, String path) throws Exception {
    return JSON.readTree(TaxiRequests.get(server.port(), path).body());
  }

  @Test
  void aNewVersionIsSwappedInUnderLoadWithoutFailingARequest() throws Exception {
    Path registry = dir.resolve("swap");
    push(good, registry, "taxi", 1);
    push(good, registry, "other", 1);
    try (ModelServer server = serve(registry)) {
      ServedVersion otherBefore = server.models().version("other", 1);
      SwapLoad.Counts answers =
          SwapLoad.run(
              8,
              10,
              () -> {
                HttpResponse<String> r =
                    TaxiRequests.post(server.port(), "/v1/models/taxi:predict", body);
                if (r.statusCode() != 200) {
                  throw new IllegalStateException(r.statusCode() + " " + r.body());
                }
                return JSON.readTree(r.body()).get("predictions").toString();
              },
              goodAnswer,
              shuffledAnswer,
              () -> {
                push(shuffled, registry, "taxi", 2);
                server.poll();
              });
      assertEquals(
          "END",
          status(server, "/v1/models/taxi/versions/1")
              .at("/model_version_status/0/state")
              .asText());
      assertEquals(
          "AVAILABLE",
          status(server, "/v1/models/taxi/versions/2")
              .at("/model_version_status/0/state")
              .asText());
      assertEquals(0, server.models().version("taxi", 1).leases());
      // The model that did not change was not reloaded: the same loaded version serves.
      assertSame(otherBefore, server.models().version("other", 1));
      assertEquals(ServedVersion.State.AVAILABLE, otherBefore.state());
      assertTrue(
          server.models().version("taxi", 2).warmUp().contains("input schema"),
          server.models().version("taxi", 2).warmUp());
      assertTrue(answers.fromNew() > 0);
    }
  }

  @Test
  void aVersionThatFailsToLoadLeavesThePreviousOneServing() throws Exception {
    Path registry = dir.resolve("broken");
    push(good, registry, "taxi", 1);
    try (ModelServer server = serve(registry)) {
      TaxiRequests.writeBrokenVersion(registry.resolve("taxi/2"));
      server.poll();
      JsonNode v2 = status(server, "/v1/models/taxi/versions/2").at("/model_version_status/0");
      assertEquals("END", v2.get("state").asText());
      assertTrue(!v2.at("/status/error_message").asText().isEmpty(), v2.toString());
      assertEquals(
          goodAnswer, answer(TaxiRequests.post(server.port(), "/v1/models/taxi:predict", body)));
      assertEquals(
          "AVAILABLE",
          status(server, "/v1/models/taxi/versions/1")
              .at("/model_version_status/0/state")
              .asText());
      assertTrue(server.ready());
    }
  }

  @Test
  void labelsRouteToTheirVersionOnceItIsLoadedAndUnknownLabelsAre404() throws Exception {
    Path registry = dir.resolve("labels");
    push(good, registry, "taxi", 1);
    push(shuffled, registry, "taxi", 2);
    ModelRegistry models = new ModelRegistry(registry);
    models.label("taxi", 1, "stable");
    models.label("taxi", 2, "canary");
    // The policy serves the latest version; the label stable keeps version 1 loaded too.
    try (ModelServer server = serve(registry)) {
      String stable = "/v1/models/taxi/labels/stable:predict";
      assertEquals(goodAnswer, answer(TaxiRequests.post(server.port(), stable, body)));
      assertEquals(
          shuffledAnswer,
          answer(TaxiRequests.post(server.port(), "/v1/models/taxi/labels/canary:predict", body)));
      HttpResponse<String> unknown =
          TaxiRequests.post(server.port(), "/v1/models/taxi/labels/nightly:predict", body);
      assertEquals(404, unknown.statusCode());
      assertTrue(unknown.body().contains("no label 'nightly'"), unknown.body());
      String metrics = TaxiRequests.get(server.port(), RestApi.METRICS_PATH).body();
      assertTrue(
          metrics.contains(
              ServingMetrics.REQUEST_COUNT
                  + "{model_name=\"taxi\",version=\"1\",label=\"stable\",API=\"predict\","
                  + "entrypoint=\"REST\",status=\"OK\"} 1"),
          metrics);
      // A made-up label is no series of its own.
      assertTrue(!metrics.contains("nightly"), metrics);

      // A label moved to a version that fails to load keeps routing to its old version.
      TaxiRequests.writeBrokenVersion(registry.resolve("taxi/3"));
      models.label("taxi", 3, "stable");
      server.poll();
      assertEquals(goodAnswer, answer(TaxiRequests.post(server.port(), stable, body)));
      JsonNode labelStatus = status(server, "/v1/models/taxi/labels/stable");
      assertEquals("1", labelStatus.at("/model_version_status/0/version").asText());
      assertTrue(
          labelStatus.get("label_status").asText().contains("names version 3, which is END"),
          labelStatus.toString());

      // Moved to a good version, it routes there after the poll that loaded it.
      models.label("taxi", 2, "stable");
      server.poll();
      assertEquals(shuffledAnswer, answer(TaxiRequests.post(server.port(), stable, body)));
      // Version 1 is no longer wanted by the policy nor by a label: unloaded.
      assertEquals(ServedVersion.State.END, server.models().version("taxi", 1).state());
    }
  }
}
