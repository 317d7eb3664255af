package io.millrace.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * {@code millrace serve ARGS} run by the CLI in a thread of its own, its output read line by line
 * as it is printed; interrupting the thread stops it as SIGTERM would.
 */
final class BackgroundServe {
  private final BufferedReader lines;
  private final StringWriter err = new StringWriter();
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  private final Thread thread;

  private BackgroundServe(String... arguments) throws IOException {
    PipedInputStream printed = new PipedInputStream();
    PrintWriter out =
        new PrintWriter(
            new OutputStreamWriter(new PipedOutputStream(printed), StandardCharsets.UTF_8), true);
    lines = new BufferedReader(new InputStreamReader(printed, StandardCharsets.UTF_8));
    String[] command = new String[arguments.length + 1];
    command[0] = "serve";
    System.arraycopy(arguments, 0, command, 1, arguments.length);
    thread = new Thread(() -> exit.complete(Millrace.execute(out, new PrintWriter(err), command)));
  }

  static BackgroundServe start(String... arguments) throws IOException {
    BackgroundServe serve = new BackgroundServe(arguments);
    serve.thread.start();
    return serve;
  }

  /** The next line the command prints (blocks until it does). */
  String readLine() throws IOException {
    return lines.readLine();
  }

  /** What the command printed to its error output so far. */
  String err() {
    return err.toString();
  }

  /** Stops the command, as SIGTERM would. */
  void interrupt() {
    thread.interrupt();
  }

  /** The command's exit code, once it has ended. */
  int exitCode() {
    return exit.join();
  }
}
