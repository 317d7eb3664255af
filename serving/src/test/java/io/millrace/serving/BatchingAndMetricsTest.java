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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adaptive batching groups concurrent requests of different sizes into shared TensorFlow calls and
 * gives each exactly its own rows back; bad requests among them fail alone. The Prometheus endpoint
 * counts what happened under TF Serving's metric names.
 */
class BatchingAndMetricsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CLIENTS = 8;
  private static final int ROUNDS = 6;

  @TempDir static Path dir;
  static ModelServer server;
  static LoadedModel direct;

  @BeforeAll
  static void serve() throws IOException {
    Path registry = dir.resolve("registry");
    TaxiModels.writeGood(registry.resolve("taxi/1"), "taxi");
    server =
        ModelServer.start(
            ModelServer.Config.of(registry.toString(), 0)
                .withPollInterval(Duration.ZERO)
                // One TensorFlow call at a time: concurrent requests gather while it runs.
                .withCapacity(1, 64)
                .withBatching(256, 20_000));
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

  @Test
  void concurrentRequestsOfDifferentSizesGetTheirUnbatchedAnswersByteForByte() throws Exception {
    List<Example> eval = TaxiModels.eval();
    var inputs = direct.transformer().fitted().inputSchema();
    CyclicBarrier together = new CyclicBarrier(CLIENTS);
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    // The counts this test adds to those of the class's other test on the same server.
    String where =
        "model_name=\"taxi\",version=\"1\",label=\"\",API=\"predict\",entrypoint=\"REST\"";
    String ok = ServingMetrics.REQUEST_COUNT + "{" + where + ",status=\"OK\"}";
    String invalid = ServingMetrics.REQUEST_COUNT + "{" + where + ",status=\"INVALID_ARGUMENT\"}";
    String latencies = ServingMetrics.REQUEST_LATENCY + "_count{" + where + "}";
    String calls = ServingMetrics.BATCH_SIZE + "_count{model_name=\"taxi\",version=\"1\"}";
    String before = TaxiRequests.get(server.port(), RestApi.METRICS_PATH).body();
    int goodRequests = 0;
    int badRequests = 0;
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        int client = c;
        boolean bad = client == CLIENTS - 1;
        if (bad) {
          badRequests += ROUNDS;
        } else {
          goodRequests += ROUNDS;
        }
        done.add(
            pool.submit(
                () -> {
                  for (int round = 0; round < ROUNDS; round++) {
                    // Sizes 1..43, each client its own records.
                    int size = 1 + (client * 7 + round * 5) % 43;
                    List<Example> records =
                        eval.subList(client * 300 + round * 45, client * 300 + round * 45 + size);
                    String body =
                        bad
                            ? "{\"instances\": [{\"fare\": \"seven\"}]}"
                            : TaxiRequests.instances(records, inputs);
                    together.await(1, TimeUnit.MINUTES);
                    HttpResponse<String> r =
                        TaxiRequests.post(server.port(), "/v1/models/taxi:predict", body);
                    if (bad) {
                      assertEquals(400, r.statusCode(), r.body());
                      assertTrue(r.body().contains("fare"), r.body());
                      continue;
                    }
                    assertEquals(200, r.statusCode(), r.body());
                    LoadedModel.Predictions alone = direct.predict(records);
                    JsonNode predictions = JSON.readTree(r.body()).get("predictions");
                    assertEquals(size, predictions.size());
                    for (int i = 0; i < size; i++) {
                      assertEquals(
                          JSON.getNodeFactory().numberNode((double) alone.get(i, 0)).toString(),
                          predictions.get(i).toString(),
                          "client " + client + " round " + round + " row " + i);
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(5, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }

    String metrics = TaxiRequests.get(server.port(), RestApi.METRICS_PATH).body();
    assertEquals(goodRequests, value(metrics, ok) - valueOrZero(before, ok), metrics);
    assertEquals(badRequests, value(metrics, invalid) - valueOrZero(before, invalid));
    assertEquals(
        goodRequests + badRequests, value(metrics, latencies) - valueOrZero(before, latencies));
    assertTrue(metrics.contains("# TYPE " + ServingMetrics.REQUEST_LATENCY + " histogram"));
    assertTrue(
        metrics.contains(ServingMetrics.REQUEST_LATENCY + "_bucket{" + where + ",le=\"+Inf\"}"));
    assertTrue(metrics.contains(ServingMetrics.LOAD_LATENCY + "{model_path="), metrics);
    // The requests ran in fewer TensorFlow calls than there were requests: they were batched.
    long tensorflowCalls = value(metrics, calls) - valueOrZero(before, calls);
    assertTrue(
        tensorflowCalls < goodRequests,
        "TensorFlow calls: " + tensorflowCalls + ", requests: " + goodRequests);

    // A status or metadata GET counts under API "", as TF Serving's REST handler counts it (the
    // path names no method); a predict under its method's name, as above.
    String gets =
        ServingMetrics.REQUEST_COUNT
            + "{model_name=\"taxi\",version=\"\",label=\"\",API=\"\",entrypoint=\"REST\","
            + "status=\"OK\"}";
    long getsBefore = valueOrZero(metrics, gets);
    assertEquals(200, TaxiRequests.get(server.port(), "/v1/models/taxi").statusCode());
    assertEquals(200, TaxiRequests.get(server.port(), "/v1/models/taxi/metadata").statusCode());
    String after = TaxiRequests.get(server.port(), RestApi.METRICS_PATH).body();
    assertEquals(getsBefore + 2, value(after, gets), after);
  }

  @Test
  void aRequestIsInTheMetricsOnceItsAnswerArrived() throws Exception {
    String invalid =
        ServingMetrics.REQUEST_COUNT
            + "{model_name=\"taxi\",version=\"1\",label=\"\",API=\"predict\","
            + "entrypoint=\"REST\",status=\"INVALID_ARGUMENT\"}";
    long counted =
        valueOrZero(TaxiRequests.get(server.port(), RestApi.METRICS_PATH).body(), invalid);
    // Refused requests are answered fastest, so an answer that overtook its count would show here.
    for (int i = 0; i < 200; i++) {
      HttpResponse<String> r =
          TaxiRequests.post(
              server.port(), "/v1/models/taxi:predict", "{\"instances\": [{\"fare\": \"x\"}]}");
      assertEquals(400, r.statusCode(), r.body());
      counted++;
      assertEquals(
          counted,
          value(TaxiRequests.get(server.port(), RestApi.METRICS_PATH).body(), invalid),
          "request " + i);
    }
  }

  /** A transformed record as an instance of the model's own inputs (a list for a vector). */
  static ObjectNode transformedInstance(Example transformed, List<String> modelInputs) {
    ObjectNode row = JSON.createObjectNode();
    for (String name : modelInputs) {
      Object v = transformed.rawValues(transformed.schema().requireIndex(name));
      if (v instanceof long[] l) {
        if (l.length == 1) {
          row.put(name, l[0]);
        } else {
          ArrayNode list = row.putArray(name);
          for (long x : l) {
            list.add(x);
          }
        }
      } else if (v instanceof double[] d) {
        if (d.length == 1) {
          row.put(name, d[0]);
        } else {
          ArrayNode list = row.putArray(name);
          for (double x : d) {
            list.add(x);
          }
        }
      }
    }
    return row;
  }

  @Test
  void aBadRequestAmongConcurrentOnesFailsAloneAndItsBatchMatesGetTheirAnswers() throws Exception {
    List<String> modelInputs = new ArrayList<>(direct.artifact().info().inputs().denseFeatures());
    modelInputs.addAll(direct.artifact().info().inputs().idColumns());
    List<Example> eval = TaxiModels.eval().subList(2000, 2000 + CLIENTS * 3);
    // An id far beyond its column's vocabulary in the bad request: well-formed JSON of the right
    // type, which TensorFlow's lookup would refuse inside a batch; it is refused before it joins.
    String id = direct.artifact().info().inputs().idColumns().get(0);
    CyclicBarrier together = new CyclicBarrier(CLIENTS);
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    try {
      List<Future<HttpResponse<String>>> answers = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        List<Example> records = eval.subList(c * 3, c * 3 + 3);
        ObjectNode body = JSON.createObjectNode();
        body.put("signature_name", "transformed");
        ArrayNode instances = body.putArray("instances");
        for (Example e : records) {
          instances.add(transformedInstance(direct.transformer().apply(e), modelInputs));
        }
        if (c == 3) {
          ((ObjectNode) instances.get(1)).put(id, 1_000_000_000L);
        }
        answers.add(
            pool.submit(
                () -> {
                  together.await(1, TimeUnit.MINUTES);
                  return TaxiRequests.post(
                      server.port(), "/v1/models/taxi:predict", body.toString());
                }));
      }
      for (int c = 0; c < CLIENTS; c++) {
        HttpResponse<String> r = answers.get(c).get(2, TimeUnit.MINUTES);
        if (c == 3) {
          assertEquals(400, r.statusCode(), r.body());
          assertTrue(r.body().contains("instances[1]." + id + ": id 1000000000"), r.body());
          continue;
        }
        assertEquals(200, r.statusCode(), "client " + c + ": " + r.body());
        LoadedModel.Predictions alone = direct.predict(eval.subList(c * 3, c * 3 + 3));
        JsonNode predictions = JSON.readTree(r.body()).get("predictions");
        for (int i = 0; i < 3; i++) {
          assertEquals(
              JSON.getNodeFactory().numberNode((double) alone.get(i, 0)).toString(),
              predictions.get(i).toString(),
              "client " + c + " row " + i);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static long valueOrZero(String metrics, String series) {
    return metrics.contains(series + " ") ? value(metrics, series) : 0;
  }

  private static long value(String metrics, String series) {
    Matcher m =
        Pattern.compile("^" + Pattern.quote(series) + " (\\d+)$", Pattern.MULTILINE)
            .matcher(metrics);
    assertTrue(m.find(), series + " not in\n" + metrics);
    return Long.parseLong(m.group(1));
  }
}
