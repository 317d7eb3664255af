package io.millrace.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Raw records as TensorFlow Serving requests, sent with the JDK's HttpClient to 127.0.0.1. */
final class TaxiRequests {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private TaxiRequests() {}

  /** A raw record as an instance: each of the given inputs' first value, null when missing. */
  static ObjectNode instance(Example e, ExampleSchema inputs) {
    ObjectNode row = JSON.createObjectNode();
    for (int f = 0; f < inputs.size(); f++) {
      String name = inputs.name(f);
      int index = e.schema().indexOf(name);
      Object v = index < 0 ? null : e.rawValues(index);
      if (v instanceof long[] l) {
        row.put(name, l[0]);
      } else if (v instanceof double[] d) {
        row.put(name, d[0]);
      } else if (v instanceof byte[][] b) {
        row.put(name, new String(b[0], StandardCharsets.UTF_8));
      } else {
        row.putNull(name);
      }
    }
    return row;
  }

  /** {@code {"instances": [...]}} of the records. */
  static String instances(List<Example> records, ExampleSchema inputs) {
    ObjectNode body = JSON.createObjectNode();
    ArrayNode rows = body.putArray("instances");
    records.forEach(e -> rows.add(instance(e, inputs)));
    return body.toString();
  }

  static HttpResponse<String> post(int port, String path, String body)
      throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A committed registry version whose model.json is not a model: its load fails. */
  static void writeBrokenVersion(Path version) throws IOException {
    Files.createDirectories(version);
    Files.writeString(version.resolve("model.json"), "{not json");
    Files.writeString(version.resolve(ArtifactDirectory.COMMITTED), "");
  }
}
