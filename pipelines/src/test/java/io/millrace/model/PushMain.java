package io.millrace.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.artifact.StoragePaths;
import io.millrace.metadata.MetadataStore;
import io.millrace.transforms.io.Storage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * A push in its own JVM, for {@link ConcurrentPushTest}: prints "ready", waits for a line on
 * standard input (so that every child pushes at the same moment), pushes and prints the version.
 *
 * <p>Arguments: registry, model artifact, evaluation artifact, model name, metadata store file.
 */
public final class PushMain {
  private PushMain() {}

  /**
   * Races {@code count} pushes of one model as {@code name}, each in its own JVM on this test's
   * class path with {@code environment} added: starts them, waits until every one is ready,
   * releases them at once, and returns the version each pushed, failing the test when one fails or
   * outlives {@code timeout}.
   */
  static List<Integer> race(
      int count,
      Map<String, String> environment,
      Duration timeout,
      String registry,
      Path model,
      Path evaluation,
      String name,
      Path metadata)
      throws IOException, InterruptedException {
    List<Process> children = new ArrayList<>();
    List<BufferedReader> outputs = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        ProcessBuilder push =
            new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    // The child's first line must be its own "ready", not a JVM warning about
                    // another process's performance-data file (PIDs repeat in containers).
                    "-XX:-UsePerfData",
                    "-Xlog:disable",
                    "-cp",
                    System.getProperty("java.class.path"),
                    PushMain.class.getName(),
                    registry,
                    model.toString(),
                    evaluation.toString(),
                    name,
                    metadata.toString())
                .redirectErrorStream(true);
        push.environment().putAll(environment);
        Process child = push.start();
        children.add(child);
        outputs.add(
            new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8)));
      }
      for (BufferedReader out : outputs) {
        assertEquals("ready", out.readLine());
      }
      for (Process child : children) {
        OutputStream in = child.getOutputStream();
        in.write("go\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
      }
      List<Integer> versions = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        StringBuilder text = new StringBuilder();
        for (String line; (line = outputs.get(i).readLine()) != null; ) {
          text.append(line).append('\n');
        }
        assertTrue(children.get(i).waitFor(timeout.toSeconds(), TimeUnit.SECONDS), text.toString());
        assertEquals(0, children.get(i).exitValue(), text.toString());
        String[] lines = text.toString().strip().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith("version "), text.toString());
        versions.add(Integer.parseInt(last.substring("version ".length())));
      }
      return versions;
    } finally {
      children.forEach(Process::destroyForcibly);
    }
  }

  public static void main(String[] args) throws Exception {
    System.out.println("ready");
    System.out.flush();
    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    // The registry may be s3://...: configured by the AWS variables, as the CLI is (after "ready":
    // Beam's first use logs to the output the parent reads).
    Storage.register(PipelineOptionsFactory.create());
    ModelRegistry registry = new ModelRegistry(StoragePaths.of(args[0]));
    try (MetadataStore store = MetadataStore.openSqlite(Path.of(args[4]))) {
      int version = registry.push(Path.of(args[1]), Path.of(args[2]), args[3], store);
      System.out.println("version " + version);
    }
  }
}
