package io.millrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.StoragePaths;
import io.millrace.model.ModelArtifact;
import io.millrace.model.ModelRegistry;
import io.millrace.pipeline.PipelineRunner;
import io.millrace.testing.S3Server;
import io.millrace.testing.SharedData;
import io.millrace.testing.StorageServers;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The penguins pipeline with its input, root and registry on a real S3-compatible server (S3Proxy),
 * run by the shaded jar in a child JVM that is SIGKILLed in the middle of each stage in turn (as
 * soon as the stage's first object is stored), then run again: each run reuses what completed,
 * redoes the killed stage rather than trusting its partial objects, and the final run pushes. Then
 * no object a crashed attempt wrote is left in the bucket, and the registry holds exactly its
 * committed versions, each verifying against its fingerprint.
 */
@ExtendWith(StorageServers.class)
class S3CrashRecoveryIT {
  private static final String BUCKET = "crash";
  private static final Duration STAGE_TIMEOUT = Duration.ofMinutes(3);

  @TempDir Path dir;

  @Test
  void aRunKilledInEachStageOnS3IsRedoneAndLeavesNothingHalfWritten(S3Server s3) throws Exception {
    s3.upload(SharedData.path("penguins/penguins.csv"), "s3://crash/data/penguins.csv");
    Path pipeline =
        PenguinsPipeline.write(
            dir, 20, "s3://crash/penguins", "s3://crash/data/penguins.csv", "s3://crash/registry");
    String[] run = {
      "run",
      "--pipeline",
      pipeline.toString(),
      "--metadata-url",
      "jdbc:sqlite:" + dir.resolve("metadata.sqlite")
    };

    List<String> killed = new ArrayList<>();
    for (int next = 0; next < PipelineRunner.STAGES.size(); ) {
      String target = PipelineRunner.STAGES.get(next);
      MillraceProcess attempt = MillraceProcess.start(s3.environment(), run);
      attempt.awaitLine(line -> line.matches(".*\\b" + target + "\\s+running.*"), STAGE_TIMEOUT);
      killWhenAnObjectIsStored(attempt, target, s3);
      assertResumed(attempt, killed);
      printProgress(attempt);
      killed.add(runningWhenKilled(attempt.seen()));
      next = PipelineRunner.STAGES.indexOf(killed.get(killed.size() - 1)) + 1;
    }

    MillraceProcess last = MillraceProcess.start(s3.environment(), run);
    assertEquals(0, last.awaitExit(Duration.ofMinutes(5)), last.output());
    assertResumed(last, killed);
    printProgress(last);
    assertTrue(last.output().contains("pushed as penguins"), last.output());
    // Each stage was killed once, mid-write, unless it finished before its kill landed.
    assertTrue(killed.size() >= PipelineRunner.STAGES.size() - 2, "killed in " + killed);

    s3.register();
    assertEquals(List.of(), crashLeftovers(s3), "killed in " + killed);
    ModelRegistry registry = new ModelRegistry(StoragePaths.of("s3://crash/registry"));
    List<Integer> versions = registry.versions("penguins");
    assertFalse(versions.isEmpty());
    assertEquals(
        versions.get(versions.size() - 1), registry.latestVersion("penguins").orElseThrow());
    for (int version : versions) {
      // Reading a model artifact recomputes its fingerprint from every byte.
      ModelArtifact.read(registry.version("penguins", version));
    }
    try (Stream<Path> entries = Files.list(StoragePaths.of("s3://crash/registry/penguins"))) {
      assertEquals(
          versions.stream().map(String::valueOf).toList(),
          entries
              .map(p -> p.getFileName().toString())
              .filter(name -> name.matches("[0-9]+"))
              .sorted()
              .toList(),
          "every numbered entry of the registry is a committed version");
    }
  }

  /**
   * Kills the run as soon as the server stores an object under the stage's folder (or the
   * registry's, for the push), or when the stage finishes first.
   */
  private static void killWhenAnObjectIsStored(MillraceProcess run, String stage, S3Server s3)
      throws IOException, InterruptedException {
    Path folder =
        stage.equals(PipelineRunner.PUSH)
            ? s3.bucketFolder(BUCKET).resolve("registry")
            : s3.bucketFolder(BUCKET).resolve("penguins/artifacts/" + stage);
    try (FirstFileUnder objects = new FirstFileUnder(folder)) {
      long deadline = System.nanoTime() + STAGE_TIMEOUT.toNanos();
      while (!objects.appeared(Duration.ofMillis(50))) {
        Optional<String> line = run.nextLine(Duration.ZERO);
        if (!run.isAlive()
            || System.nanoTime() > deadline
            || line.filter(l -> l.matches(".*\\b" + stage + "\\s+(done|FAILED).*")).isPresent()) {
          break;
        }
      }
    }
    run.kill();
  }

  /**
   * Checks that a run after a killed one reused every stage before the killed one and ran the
   * killed one again, rather than trusting what its killed attempt had stored.
   */
  private static void assertResumed(MillraceProcess run, List<String> killed) {
    if (killed.isEmpty()) {
      return;
    }
    String previous = killed.get(killed.size() - 1);
    List<String> lines = run.seen();
    assertTrue(ran(lines, previous), previous + " was trusted after its kill:\n" + run.output());
    for (String stage : PipelineRunner.STAGES.subList(0, PipelineRunner.STAGES.indexOf(previous))) {
      assertTrue(cached(lines, stage), stage + " was not reused:\n" + run.output());
    }
  }

  /** The run's progress lines, to see in the test's output where time went. */
  private static void printProgress(MillraceProcess run) {
    run.seen().stream().filter(line -> line.startsWith("[")).forEach(System.out::println);
    System.out.println("-- end of run");
  }

  /** The stage that had printed "running" and not "done" when the run was killed. */
  private static String runningWhenKilled(List<String> lines) {
    String running = null;
    for (String line : lines) {
      for (String stage : PipelineRunner.STAGES) {
        if (line.matches(".*\\b" + stage + "\\s+running.*")) {
          running = stage;
        } else if (line.matches(".*\\b" + stage + "\\s+done.*")) {
          running = null;
        }
      }
    }
    assertTrue(running != null, "no stage was running when the run was killed: " + lines);
    return running;
  }

  private static boolean ran(List<String> lines, String stage) {
    return lines.stream().anyMatch(l -> l.matches(".*\\b" + stage + "\\s+running.*"));
  }

  private static boolean cached(List<String> lines, String stage) {
    return lines.stream().anyMatch(l -> l.matches(".*\\b" + stage + "\\s+cached.*"));
  }

  /**
   * Objects whose names only an interrupted write leaves: staged, replaced or temporary copies,
   * under each of the bucket's top folders but S3Proxy's {@code .mpus-*}.
   *
   * <p>S3Proxy's file-system store keeps the parts of a multipart upload as files in {@code
   * .mpus-*} folders at the bucket's top, and lists them as objects (S3 never lists an upload in
   * progress; a lifecycle rule, AbortIncompleteMultipartUpload, see README, deletes those a crash
   * left). A part whose upload the kill cut off stays there as a temporary file without the
   * metadata the store keeps beside each object, and from then on every listing that reaches it
   * fails with HTTP 500 ("Unable to get size of extended attribute 'user.content-md5'" in the
   * server's log): a listing of the bucket's root, whether Beam's match or a plain ListObjectsV2,
   * fails whenever a kill landed in a part upload. So the top folders are found on the server's
   * disk and each is listed through S3.
   */
  private static List<String> crashLeftovers(S3Server s3) throws IOException {
    List<String> leftovers = new ArrayList<>();
    try (Stream<Path> top = Files.list(s3.bucketFolder(BUCKET))) {
      for (Path folder : (Iterable<Path>) top::iterator) {
        String name = folder.getFileName().toString();
        if (!Files.isDirectory(folder) || name.startsWith(".mpus-")) {
          continue;
        }
        Path bucket = StoragePaths.of("s3://" + BUCKET + "/");
        try (Stream<Path> all = Files.walk(StoragePaths.of("s3://" + BUCKET + "/" + name))) {
          all.filter(
                  p -> {
                    for (Path segment : bucket.relativize(p)) {
                      String n = segment.toString();
                      if (ArtifactDirectory.isLeftover(n)
                          || n.startsWith(".push-")
                          || n.equals(".temp-shards")) {
                        return true;
                      }
                    }
                    return false;
                  })
              .map(Path::toString)
              .forEach(leftovers::add);
        }
      }
    }
    return leftovers;
  }

  /**
   * Watches for a regular file to appear at any depth under a folder that may not exist yet,
   * through the kernel's notifications: the folders on the way to it and under it are watched as
   * they are created, and each is listed once watched, so no file is missed.
   */
  private static final class FirstFileUnder implements AutoCloseable {
    private final Path folder;
    private final WatchService watch;
    private final Set<Path> watched = new LinkedHashSet<>();
    private boolean appeared;

    FirstFileUnder(Path folder) throws IOException {
      this.folder = folder;
      this.watch = FileSystems.getDefault().newWatchService();
      Path top = folder;
      while (!Files.isDirectory(top)) {
        top = top.getParent();
      }
      watchTree(top);
    }

    private void watchTree(Path dir) throws IOException {
      if (!(folder.startsWith(dir) || dir.startsWith(folder)) || !watched.add(dir)) {
        return;
      }
      dir.register(
          watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
      try (Stream<Path> entries = Files.list(dir)) {
        for (Path entry : (Iterable<Path>) entries::iterator) {
          seen(entry);
        }
      }
    }

    private void seen(Path entry) throws IOException {
      if (Files.isDirectory(entry)) {
        watchTree(entry);
      } else if (entry.startsWith(folder) && Files.isRegularFile(entry)) {
        appeared = true;
      }
    }

    /** Whether a file is there, waiting at most {@code wait} for one to appear. */
    boolean appeared(Duration wait) throws IOException, InterruptedException {
      if (appeared) {
        return true;
      }
      WatchKey key = watch.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
      if (key == null) {
        return false;
      }
      Path dir = (Path) key.watchable();
      for (WatchEvent<?> event : key.pollEvents()) {
        if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
          watched.clear();
          watchTree(dir);
        } else {
          seen(dir.resolve((Path) event.context()));
        }
      }
      key.reset();
      return appeared;
    }

    @Override
    public void close() throws IOException {
      watch.close();
    }
  }
}
