package io.millrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code millrace run} on a disk that fills up: a real tmpfs of a few hundred kilobytes, mounted in
 * a private mount namespace ({@code unshare -m}) that only the CLI process under test sees. The
 * failure says "no space left on" and where, not only SQLite's "cannot commit - no transaction is
 * active" or the JDK's bare "No space left on device".
 */
class FullDiskCliTest {
  @TempDir Path dir;

  private record Result(int exit, String out, String err) {}

  /** Runs the penguins pipeline in a process whose pipeline root is a tmpfs of {@code size}. */
  private Result runOnDiskOf(String size, String... more) throws IOException, InterruptedException {
    Path mount = dir.resolve("disk-" + size);
    Files.createDirectories(mount);
    assumeTrue(
        mountWorks(mount),
        "unshare -m with a tmpfs mount is unavailable here (needs util-linux and root), so a"
            + " full disk cannot be made");
    Path file = PenguinsPipeline.write(dir.resolve("p-" + size), 1);
    Files.writeString(
        file, Files.readString(file).replace("root: root", "root: " + mount.resolve("root")));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command =
        new ArrayList<>(
            List.of(
                "unshare",
                "-m",
                "--propagation",
                "private",
                "sh",
                "-c",
                "mount -t tmpfs -o size=\"$1\" tmpfs \"$2\" && shift 2 && exec \"$@\"",
                "sh",
                size,
                mount.toString(),
                java,
                "-cp",
                System.getProperty("java.class.path"),
                Millrace.class.getName(),
                "run",
                "--pipeline",
                file.toString()));
    command.addAll(List.of(more));
    Process process =
        new ProcessBuilder(command)
            .redirectOutput(dir.resolve("out-" + size).toFile())
            .redirectError(dir.resolve("err-" + size).toFile())
            .start();
    assertTrue(process.waitFor(5, TimeUnit.MINUTES), "the run did not end");
    return new Result(
        process.exitValue(),
        Files.readString(dir.resolve("out-" + size), StandardCharsets.UTF_8),
        Files.readString(dir.resolve("err-" + size), StandardCharsets.UTF_8));
  }

  private static boolean mountWorks(Path mount) throws InterruptedException {
    try {
      Process probe =
          new ProcessBuilder(
                  List.of(
                      "unshare",
                      "-m",
                      "--propagation",
                      "private",
                      "mount",
                      "-t",
                      "tmpfs",
                      "-o",
                      "size=64k",
                      "tmpfs",
                      mount.toString()))
              .redirectErrorStream(true)
              .start();
      probe.getInputStream().readAllBytes();
      return probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0;
    } catch (IOException e) {
      return false;
    }
  }

  private static void failsForSpaceNaming(Result run, Path where) {
    assertEquals(Millrace.EXIT_FAILED, run.exit(), run.out() + run.err());
    assertTrue(run.err().contains("no space left on " + where), run.err());
    assertFalse(run.err().contains("\tat "), "a stack trace as the message:\n" + run.err());
  }

  @Test
  void aStoreThatCannotCommitSaysNoSpaceLeftOnItsDirectory() throws Exception {
    // Too small for the metadata store's first transaction.
    Result run = runOnDiskOf("80k");
    failsForSpaceNaming(run, dir.resolve("disk-80k").resolve("root"));
    assertTrue(run.err().contains("metadata.sqlite"), run.err());
  }

  @Test
  void aDiskThatFillsDuringTheRunSaysNoSpaceLeftWhereverTheWriteWent() throws Exception {
    // Room for the store and the first stages, not for the rest. Whichever write comes first when
    // the disk is full fails (mostly the store's, whose log grows with every stage); both lie
    // under the root.
    Result run = runOnDiskOf("600k");
    failsForSpaceNaming(run, dir.resolve("disk-600k").resolve("root"));
    assertTrue(run.out().contains("] ingest      done"), run.out());
  }

  @Test
  void aStageThatFillsTheDiskSaysNoSpaceLeftOnItsArtifactDirectory() throws Exception {
    // The store on another disk: the first write to fail is a stage's.
    Files.createDirectories(dir.resolve("store"));
    Result run =
        runOnDiskOf(
            "300k", "--metadata-url", "jdbc:sqlite:" + dir.resolve("store/metadata.sqlite"));
    Path artifacts = dir.resolve("disk-300k").resolve("root").resolve("artifacts");
    failsForSpaceNaming(run, artifacts);
    assertTrue(run.out().contains("FAILED: no space left on " + artifacts), run.out());
  }
}
