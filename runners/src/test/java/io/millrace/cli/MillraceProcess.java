package io.millrace.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The shaded jar in a child JVM, run as a user runs it: its output (stdout and stderr) line by line
 * as it comes, and SIGKILL on demand, which no shutdown hook or cleanup survives. The jar is {@code
 * -Dmillrace.jar} (set by failsafe), else {@code target/millrace.jar}.
 */
final class MillraceProcess {
  /** Marks the end of the child's output in {@link #lines}. */
  private static final String END = new String("end of output");

  private static final Duration EXIT_AFTER_KILL = Duration.ofSeconds(60);

  private final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> seen = new ArrayList<>();
  private boolean ended;

  private MillraceProcess(Process process) {
    this.process = process;
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader out =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                  lines.add(line);
                }
              } catch (IOException e) {
                lines.add("(output unreadable: " + e + ")");
              } finally {
                lines.add(END);
              }
            },
            "millrace-output-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code java -jar millrace.jar ARGS} with {@code environment} added to this one's. */
  static MillraceProcess start(Map<String, String> environment, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-jar");
    command.add(Path.of(System.getProperty("millrace.jar", "target/millrace.jar")).toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    Process process = builder.start();
    process.getOutputStream().close();
    return new MillraceProcess(process);
  }

  /**
   * The next line of output, waiting at most {@code wait}; empty when none came in that time or the
   * output ended.
   */
  Optional<String> nextLine(Duration wait) throws InterruptedException {
    if (ended) {
      return Optional.empty();
    }
    String line = lines.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    if (line == END) {
      ended = true;
      return Optional.empty();
    }
    if (line != null) {
      seen.add(line);
    }
    return Optional.ofNullable(line);
  }

  /**
   * Reads output until a line matches and returns it; fails the test when the output ends or {@code
   * timeout} passes first.
   */
  String awaitLine(Predicate<String> matches, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!ended) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      Optional<String> line = nextLine(Duration.ofNanos(left));
      if (line.isPresent() && matches.test(line.get())) {
        return line.get();
      }
    }
    return fail(
        (ended ? "the process ended" : "no such line within " + timeout)
            + " before the awaited line:\n"
            + output());
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL; waits for the process to end and reads the rest of its output. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    assertTrue(
        process.waitFor(EXIT_AFTER_KILL.toSeconds(), TimeUnit.SECONDS),
        "pid " + process.pid() + " outlived SIGKILL");
    drain();
    assertTrue(process.exitValue() != 0, "a killed process exited 0");
  }

  /** Waits for the process to exit (killing it after {@code timeout}); returns its exit code. */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      kill();
      fail("the process did not end within " + timeout + ":\n" + output());
    }
    drain();
    return process.exitValue();
  }

  private void drain() throws InterruptedException {
    while (!ended) {
      nextLine(EXIT_AFTER_KILL);
    }
  }

  /** The lines read so far. */
  List<String> seen() {
    return List.copyOf(seen);
  }

  /** The output read so far, one string. */
  String output() {
    return String.join("\n", seen);
  }
}
