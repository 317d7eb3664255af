package io.millrace.cli;

import static io.millrace.cli.MillraceCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.cli.MillraceCliTest.Run;
import io.millrace.testing.SharedData;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Artifacts live under the pipeline's root, so the run lock guards the root: a second pipeline file
 * with another name but the same root (by the same path or through a symbolic link) does not run
 * while the first does, and says who holds it.
 */
class SharedRootCliTest {
  @TempDir Path dir;

  private Path pipeline(String name, String root) throws IOException {
    Path file = dir.resolve(name + ".yaml");
    Files.writeString(
        file,
        String.join(
            "\n",
            "name: " + name,
            "root: " + root,
            "input:",
            "  pattern: " + SharedData.path("penguins/penguins.csv").toAbsolutePath(),
            "  missingValues: [NA]",
            ""));
    return file;
  }

  /**
   * Progress output that stops the run printing it at its first stage, while it holds the lock,
   * until the test lets it go on.
   */
  private static final class PauseAtFirstStage extends Writer {
    final CountDownLatch reached = new CountDownLatch(1);
    final CountDownLatch resume = new CountDownLatch(1);
    final StringBuilder text = new StringBuilder();

    @Override
    public void write(char[] chars, int offset, int length) throws IOException {
      text.append(chars, offset, length);
      if (reached.getCount() > 0 && text.indexOf("running") >= 0) {
        reached.countDown();
        try {
          if (!resume.await(5, TimeUnit.MINUTES)) {
            throw new IOException("the test never let the first run go on");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException(e);
        }
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }

  @Test
  void aSecondPipelineOnTheSameRootIsRefusedWhileTheFirstRuns() throws Exception {
    Path first = pipeline("first", "root");
    Path second = pipeline("second", "root");
    Files.createDirectories(dir.resolve("root"));
    Files.createSymbolicLink(dir.resolve("link"), dir.resolve("root"));
    Path third = pipeline("third", "link");

    PauseAtFirstStage progress = new PauseAtFirstStage();
    StringWriter firstErr = new StringWriter();
    ExecutorService thread = Executors.newSingleThreadExecutor();
    try {
      Future<Integer> running =
          thread.submit(
              () ->
                  Millrace.execute(
                      new PrintWriter(progress),
                      new PrintWriter(firstErr),
                      "run",
                      "--pipeline",
                      first.toString()));
      assertTrue(progress.reached.await(5, TimeUnit.MINUTES), firstErr.toString());

      String root = dir.resolve("root").toRealPath().toString();
      for (Path other : new Path[] {second, third}) {
        Run refused = run("run", "--pipeline", other.toString());
        assertEquals(Millrace.EXIT_FAILED, refused.exit(), refused.out() + refused.err());
        assertTrue(refused.err().contains("millrace run first"), refused.err());
        assertTrue(refused.err().contains(root), refused.err());
        assertTrue(refused.err().contains("wait for it to finish"), refused.err());
      }
      Run same = run("run", "--pipeline", first.toString());
      assertEquals(Millrace.EXIT_FAILED, same.exit(), same.out() + same.err());
      assertTrue(same.err().contains("pipeline first is being run by"), same.err());

      progress.resume.countDown();
      assertEquals(0, running.get(5, TimeUnit.MINUTES), progress.text + firstErr.toString());
    } finally {
      progress.resume.countDown();
      thread.shutdownNow();
    }
    Run after = run("run", "--pipeline", second.toString());
    assertEquals(0, after.exit(), after.out() + after.err());
  }
}
