package io.millrace.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.testing.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Class-data sharing of the loopback cluster's processes (start-cluster.sh, stop-cluster.sh): a
 * cluster that ran a job to its end leaves an archive of the classes of each kind of process, which
 * the next cluster on the same lib/ maps; a cluster that ran none leaves nothing.
 */
class ClusterClassDataIT {
  @TempDir Path dir;

  @Test
  void aClusterThatRanAJobLeavesClassDataThatTheNextClusterMaps() throws Exception {
    Path archives = dir.resolve("cds");
    Path runDir = dir.resolve("run");

    try (LoopbackFlinkCluster first = start(runDir, archives)) {
      long tm = first.taskManagerPids().get(0);
      assertTrue(
          commandLine(tm).contains("-XX:ArchiveClassesAtExit=" + runDir.toAbsolutePath()),
          "without an archive a TaskManager writes one as it exits: " + commandLine(tm));
      ingest(first, dir.resolve("first"));
    }
    assertTrue(Files.size(archives.resolve("taskmanager.jsa")) > 0, "kept after the first cluster");
    assertTrue(Files.size(archives.resolve("jobmanager.jsa")) > 0);
    try (var left = Files.list(runDir)) {
      assertFalse(
          left.anyMatch(p -> p.getFileName().toString().endsWith(".jsa.tmp")), "nothing left");
    }

    try (LoopbackFlinkCluster second = start(runDir, archives)) {
      long tm = second.taskManagerPids().get(0);
      String archive = archives.resolve("taskmanager.jsa").toAbsolutePath().toString();
      assertTrue(commandLine(tm).contains("-XX:SharedArchiveFile=" + archive), commandLine(tm));
      // Mapped, not only named: the JVM maps an archive only after checking it against lib/.
      assertTrue(
          Files.readAllLines(Path.of("/proc/" + tm + "/maps")).stream()
              .anyMatch(line -> line.endsWith(archive)),
          "the TaskManager maps " + archive);
      ingest(second, dir.resolve("second"));
    }
  }

  @Test
  void aClusterThatRanNoJobLeavesNoClassData() {
    Path archives = dir.resolve("cds");
    try (LoopbackFlinkCluster idle = start(dir.resolve("run"), archives)) {
      assertEquals(1, idle.taskManagerPids().size());
    }
    assertFalse(Files.exists(archives.resolve("taskmanager.jsa")));
    assertFalse(Files.exists(archives.resolve("jobmanager.jsa")));
  }

  /**
   * The folder a run directory names for archives is the stop script's to write in only where it
   * finds nothing or a class-data archive: a hand-edited name never costs a user's file.
   */
  @Test
  void stoppingNeverReplacesAFileThatIsNoClassDataArchive() throws Exception {
    Path runDir = Files.createDirectories(dir.resolve("run"));
    Path archives = Files.createDirectories(dir.resolve("notes"));
    Files.writeString(archives.resolve("taskmanager.jsa"), "a user's file");
    Files.writeString(runDir.resolve("cds-dir"), archives.toAbsolutePath() + "\n");
    Files.write(runDir.resolve("taskmanager-1.jsa.tmp"), new byte[] {1, 2, 3});

    Process stop =
        new ProcessBuilder(
                LoopbackFlinkCluster.flinkDir().resolve("stop-cluster.sh").toString(),
                runDir.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(stop.getInputStream().readAllBytes());
    assertEquals(0, stop.waitFor(), output);

    assertEquals("a user's file", Files.readString(archives.resolve("taskmanager.jsa")));
    assertTrue(output.contains("it is no class-data archive"), output);
    assertFalse(Files.exists(runDir.resolve("taskmanager-1.jsa.tmp")), "its own leftover goes");
  }

  private static LoopbackFlinkCluster start(Path runDir, Path archives) {
    return LoopbackFlinkCluster.start(
        runDir,
        LoopbackFlinkCluster.freePort(),
        LoopbackFlinkCluster.freePort(),
        new LoopbackFlinkCluster.Layout(
            1, List.of(), Map.of("FLINK_CDS_DIR", archives.toAbsolutePath().toString())));
  }

  /** Runs {@code java -jar millrace.jar ingest} on the cluster, as a user would. */
  private static void ingest(LoopbackFlinkCluster cluster, Path output) throws Exception {
    MillraceJar.Run run =
        MillraceJar.run(
            output.resolveSibling(output.getFileName() + ".log"),
            Map.of(),
            Duration.ofMinutes(5),
            "ingest",
            "--input",
            SharedData.path("penguins/penguins.csv").toString(),
            "--output",
            output.toString(),
            "--runner",
            "FlinkRunner",
            "--flinkMaster",
            cluster.restAddress());
    assertEquals(0, run.exit(), run.output());
    assertEquals(1, cluster.jobs().size(), cluster.jobs().toString());
    assertEquals("FINISHED", cluster.jobs().get(0).state());
  }

  private static String commandLine(long pid) throws IOException {
    return Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
  }
}
