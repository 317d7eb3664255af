package io.millrace.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * The Millrace a Flink session cluster carries in its {@code lib/}, as the cluster's configuration
 * names it: runners/flink/start-cluster.sh (or the operator of a cluster, see README) records the
 * code version of lib/'s Millrace classes under {@value #CODE_VERSION_KEY}, and the REST API shows
 * the JobManager's configuration at {@code /jobmanager/config}. A client of that same code version
 * needs to upload no jar for its jobs.
 */
final class ClusterLibrary {
  static final String CODE_VERSION_KEY = "millrace.code-version";

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Path emptyJobJar;

  private ClusterLibrary() {}

  /**
   * The code version of the Millrace in the cluster's lib/, or empty when the cluster names none or
   * cannot be asked (the submission then reports the unreachable cluster itself).
   *
   * @param restAddress the cluster's REST address, {@code host:port} as given to {@code
   *     --flinkMaster}
   */
  static Optional<String> codeVersion(String restAddress) {
    URI uri;
    try {
      uri = URI.create("http://" + restAddress + "/jobmanager/config");
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build();
    try {
      HttpResponse<String> response =
          HTTP.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      if (response.statusCode() != 200) {
        return Optional.empty();
      }
      for (JsonNode entry : JSON.readTree(response.body())) {
        if (CODE_VERSION_KEY.equals(entry.path("key").asText())) {
          String value = entry.path("value").asText();
          return value.isBlank() ? Optional.empty() : Optional.of(value);
        }
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /**
   * Why a client refuses a cluster whose lib/ carries another Millrace, and what to do: a job jar
   * of this Millrace would mix with lib/'s copy in a TaskManager (some classes from each), and on
   * {@code s3://} such a job failed with "Trying to access closed classloader".
   */
  static String anotherMillrace(String restAddress, String onCluster, String here) {
    return "the Flink cluster at "
        + restAddress
        + " carries Millrace "
        + onCluster
        + " in its lib/, this client is "
        + here
        + "; a job of this one would mix two copies of Millrace's classes in its TaskManagers."
        + " Run a client of code version "
        + onCluster
        + " (the build the cluster's lib/ came from), or rebuild the cluster's lib/ from this"
        + " version (mvn -pl runners/flink -am package) and restart the cluster";
  }

  /**
   * A job jar with no class, only a manifest naming the code version, for a cluster whose lib/
   * carries every class: the FlinkRunner stages the whole classpath when given no file. Written
   * once per process to the temporary folder and deleted when the process exits.
   */
  static synchronized Path emptyJobJar(String codeVersion) {
    if (emptyJobJar == null) {
      Manifest manifest = new Manifest();
      manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
      manifest.getMainAttributes().putValue("Millrace-Code-Version", codeVersion);
      try {
        Path jar = Files.createTempFile("millrace-job-", ".jar");
        jar.toFile().deleteOnExit();
        try (OutputStream out = Files.newOutputStream(jar);
            JarOutputStream ignored = new JarOutputStream(out, manifest)) {
          // The manifest is the whole content.
        }
        emptyJobJar = jar;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write an empty job jar to the temporary folder", e);
      }
    }
    return emptyJobJar;
  }
}
