package io.millrace.cli;

import com.google.common.util.concurrent.Uninterruptibles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code millrace serve}: runs the model server in a JVM of its own, from the serving jar ({@code
 * millrace-serving.jar}, main {@code io.millrace.serving.ServeMain}), so that no Beam, Flink or
 * Hadoop class is on the server's classpath. The arguments go to it unchanged (it parses and
 * validates them, {@code --help} included); its output and errors come out here; its exit code is
 * this command's. Stopping this command (SIGTERM, Ctrl-C, an interrupt) stops the server the same
 * way: in-flight requests finish first.
 */
@Command(
    name = "serve",
    description = {
      "Serves a registry's models over TensorFlow Serving's REST API, in a JVM of its own without"
          + " Beam (the serving jar). `millrace serve --help` lists its options."
    })
final class ServeCommand implements Callable<Integer> {
  static final String SERVING_JAR = "millrace-serving.jar";

  @Unmatched List<String> arguments = new ArrayList<>();

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path jar = servingJar();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String javaOptions = System.getenv("MILLRACE_JAVA_OPTS");
    if (javaOptions != null && !javaOptions.isBlank()) {
      command.addAll(List.of(javaOptions.trim().split("\\s+")));
    }
    command.add("-jar");
    command.add(jar.toString());
    command.addAll(arguments);
    Process server =
        new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.INHERIT).start();
    Thread stopOnExit = new Thread(() -> stop(server), "millrace-serve-stop");
    Runtime.getRuntime().addShutdownHook(stopOnExit);
    Thread copyOut = copy(server.getInputStream(), out, "millrace-serve-out");
    Thread copyErr = copy(server.getErrorStream(), err, "millrace-serve-err");
    boolean stopped = false;
    try {
      server.waitFor();
    } catch (InterruptedException e) {
      // Interrupting the command (as an embedding caller may) stops serving, like SIGTERM.
      stopped = true;
      stop(server);
      Thread.currentThread().interrupt();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(stopOnExit);
      } catch (IllegalStateException shuttingDown) {
        // The JVM is exiting: the hook stops the server.
      }
    }
    Uninterruptibles.joinUninterruptibly(copyOut);
    Uninterruptibles.joinUninterruptibly(copyErr);
    // A stop asked for here is a clean end, though the server's JVM then exits with 143 (SIGTERM).
    return stopped ? 0 : server.exitValue();
  }

  /** Asks the server to stop (SIGTERM) and waits until it has. */
  private static void stop(Process server) {
    // Through its handle: Process.destroy also closes the pipes of its output at once, which
    // would lose what the server prints while it stops.
    server.toHandle().destroy();
    try {
      Uninterruptibles.getUninterruptibly(server.onExit());
    } catch (ExecutionException e) {
      throw new IllegalStateException("waiting for the server to stop", e.getCause());
    }
  }

  private static Thread copy(InputStream from, PrintWriter to, String name) {
    Thread copier =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(new InputStreamReader(from, StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                  to.println(line);
                  to.flush();
                }
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            name);
    copier.setDaemon(true);
    copier.start();
    return copier;
  }

  /**
   * The serving jar: the {@code millrace.servingJar} system property or {@code
   * MILLRACE_SERVING_JAR} when set; else beside this CLI's jar, or in the build tree's {@code
   * serving/target} above it.
   */
  static Path servingJar() {
    String given = System.getProperty("millrace.servingJar", System.getenv("MILLRACE_SERVING_JAR"));
    if (given != null && !given.isBlank()) {
      Path jar = Path.of(given);
      if (!Files.isRegularFile(jar)) {
        throw new IllegalStateException("the serving jar " + jar + " does not exist");
      }
      return jar;
    }
    Path here;
    try {
      here =
          Path.of(ServeCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot tell where the millrace CLI runs from", e);
    }
    List<Path> looked = new ArrayList<>();
    for (Path dir = here.getParent(); dir != null && looked.size() < 8; dir = dir.getParent()) {
      for (Path candidate :
          List.of(dir.resolve(SERVING_JAR), dir.resolve("serving/target").resolve(SERVING_JAR))) {
        if (Files.isRegularFile(candidate)) {
          return candidate;
        }
        looked.add(candidate);
      }
    }
    throw new IllegalStateException(
        "cannot find the serving jar "
            + SERVING_JAR
            + " (looked at "
            + looked.subList(0, Math.min(4, looked.size()))
            + "); build it with `mvn package` or name it with MILLRACE_SERVING_JAR");
  }
}
