package io.millrace.flink;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The shaded {@code millrace.jar} run as a user runs it: {@code java -jar}, in a process of its
 * own.
 */
final class MillraceJar {
  private MillraceJar() {}

  /** How the process ended and everything it printed (stdout and stderr). */
  record Run(int exit, String output) {}

  /** The jar maven-failsafe names in the system property {@code millrace.jar}. */
  static Path path() {
    return Path.of(System.getProperty("millrace.jar", "target/millrace.jar"));
  }

  /**
   * Runs {@code java -jar millrace.jar ARGS} with these variables added to the environment, its
   * output in {@code log}.
   *
   * @throws IllegalStateException if it has not ended within {@code timeout} (it is then killed)
   */
  static Run run(Path log, Map<String, String> environment, Duration timeout, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    command.add("-jar");
    command.add(path().toString());
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(environment);
    Process process = builder.start();
    if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("timed out after " + timeout + ": " + command);
    }
    return new Run(process.exitValue(), Files.readString(log));
  }
}
