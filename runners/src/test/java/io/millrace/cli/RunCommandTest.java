package io.millrace.cli;

import static io.millrace.cli.MillraceCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.examples.ExamplesManifest;
import io.millrace.testing.DamagedFiles;
import io.millrace.testing.SharedData;
import io.millrace.transforms.io.ExamplesArtifact;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code millrace run}, {@code runs} and {@code lineage} on the penguins pipeline. */
class RunCommandTest {
  @TempDir Path dir;

  private Path pipeline(String evaluation) throws IOException {
    return PenguinsPipeline.write(dir, 6, evaluation);
  }

  @Test
  void runsTheWholePipelineThenReusesEveryStageAndTracesThePushedModel() throws IOException {
    String file = pipeline("{thresholds: [{metric: accuracy, lowerBound: 0.5}]}").toString();
    MillraceCliTest.Run first = run("run", "--pipeline", file);
    assertEquals(0, first.exit(), first.out() + first.err());
    assertTrue(first.out().contains("PUSHED"), first.out());
    assertTrue(first.out().contains("pushed as penguins version 1"), first.out());
    assertTrue(Files.isDirectory(dir.resolve("root/registry/penguins/1")));
    Matcher report = Pattern.compile("report (\\S+report\\.html)").matcher(first.out());
    assertTrue(report.find(), first.out());
    assertTrue(Files.isRegularFile(Path.of(report.group(1))));

    MillraceCliTest.Run second = run("run", "--pipeline", file);
    assertEquals(0, second.exit(), second.out() + second.err());
    assertTrue(second.out().contains("0 stage(s) ran, 8 cached"), second.out());
    assertFalse(second.out().contains("running"), second.out());

    MillraceCliTest.Run list = run("runs", "list", "--pipeline", file);
    assertEquals(0, list.exit(), list.err());
    assertTrue(list.out().contains("pushed: penguins/1"), list.out());
    Matcher names =
        Pattern.compile("(penguins-\\d{8}-\\d{6}-[0-9a-f]{6})\\s+SUCCEEDED").matcher(list.out());
    assertTrue(names.find(), list.out());
    String newest = names.group(1);
    assertTrue(names.find(), list.out());
    String oldest = names.group(1);

    MillraceCliTest.Run show = run("runs", "show", "--pipeline", file, newest);
    assertEquals(0, show.exit(), show.err());
    assertTrue(show.out().contains("CACHED"), show.out());
    assertTrue(show.out().contains("ingest.examples"), show.out());

    MillraceCliTest.Run compare = run("runs", "compare", "--pipeline", file, oldest, newest);
    assertEquals(0, compare.exit(), compare.err());
    assertTrue(compare.out().contains("evaluation.accuracy"), compare.out());

    MillraceCliTest.Run lineage = run("lineage", "--pipeline", file, "penguins/1");
    assertEquals(0, lineage.exit(), lineage.err());
    for (String step : new String[] {"Push", "Evaluation", "Model", "Transform", "Examples"}) {
      assertTrue(lineage.out().contains(step), step + " missing from\n" + lineage.out());
    }
    assertTrue(lineage.out().contains("data_fingerprint"), lineage.out());

    MillraceCliTest.Run unknown = run("lineage", "--pipeline", file, "penguins/7");
    assertEquals(Millrace.EXIT_USAGE, unknown.exit());
    assertTrue(unknown.err().contains("no push of penguins version 7"), unknown.err());

    // A bar the model cannot clear: only evaluation runs again, nothing is pushed, exit code 5.
    String strict = pipeline("{thresholds: [{metric: accuracy, lowerBound: 1.01}]}").toString();
    MillraceCliTest.Run notBlessed = run("run", "--pipeline", strict);
    assertEquals(Millrace.EXIT_NOT_BLESSED, notBlessed.exit(), notBlessed.out() + notBlessed.err());
    assertTrue(notBlessed.out().contains("1 stage(s) ran, 6 cached"), notBlessed.out());
    assertFalse(Files.exists(dir.resolve("root/registry/penguins/2")));
  }

  @Test
  void aBlockingAnomalyStopsTheRunWithExitCode4() throws IOException {
    Path schema = dir.resolve("schema.pbtxt");
    Files.writeString(
        schema,
        "feature { name: \"species\" type: INT presence { min_fraction: 1.0 min_count: 1 } }\n");
    Path file = dir.resolve("blocked.yaml");
    Files.writeString(
        file,
        String.join(
            "\n",
            "name: blocked",
            "root: root",
            "input:",
            "  pattern: " + SharedData.path("penguins/penguins.csv").toAbsolutePath(),
            "  missingValues: [NA]",
            "schema:",
            "  file: schema.pbtxt",
            ""));
    MillraceCliTest.Run blocked = run("run", "--pipeline", file.toString());
    assertEquals(Millrace.EXIT_ANOMALIES, blocked.exit(), blocked.out() + blocked.err());
    assertTrue(blocked.out().contains("BLOCKED"), blocked.out());

    Files.writeString(file, Files.readString(file) + "bogus: 1\n");
    MillraceCliTest.Run typo = run("run", "--pipeline", file.toString());
    assertEquals(Millrace.EXIT_USAGE, typo.exit());
    assertTrue(typo.err().contains("unknown key 'bogus'"), typo.err());
    assertTrue(typo.err().contains(file.toString()), typo.err());
  }

  @Test
  void aDamagedInputFileFailsTheRunWithExitCode3UnlessTheInputAcceptsPartialFiles()
      throws IOException {
    Path cut =
        DamagedFiles.cutInHalf(
            DamagedFiles.gzip(
                SharedData.path("penguins/penguins.csv"), dir.resolve("penguins.csv.gz")),
            dir.resolve("cut.csv.gz"));
    Path file = dir.resolve("partial.yaml");
    String pipeline =
        String.join(
            "\n",
            "name: partial",
            "root: root",
            "validation:",
            "  block: false",
            "input:",
            "  pattern: " + cut.toAbsolutePath(),
            "  missingValues: [NA]",
            "");
    Files.writeString(file, pipeline);

    MillraceCliTest.Run rejected = run("run", "--pipeline", file.toString());
    assertEquals(Millrace.EXIT_INPUT_REJECTED, rejected.exit(), rejected.out() + rejected.err());
    assertTrue(rejected.err().contains("1 input file is damaged"), rejected.err());
    assertTrue(rejected.err().contains("acceptPartialFiles: true"), rejected.err());

    Files.writeString(file, pipeline + "  acceptPartialFiles: true\n");
    MillraceCliTest.Run accepted = run("run", "--pipeline", file.toString());
    assertEquals(0, accepted.exit(), accepted.out() + accepted.err());
    assertTrue(accepted.err().contains("at least 1 record lost in 1 damaged file"), accepted.err());
    Path examples;
    try (Stream<Path> runs = Files.list(dir.resolve("root/artifacts/ingest"))) {
      examples =
          runs.filter(p -> Files.exists(p.resolve("manifest.json"))).findFirst().orElseThrow();
    }
    ExamplesManifest manifest = ExamplesArtifact.open(examples).manifest();
    assertEquals(1, manifest.recordsLost());
    assertEquals(cut.toAbsolutePath().toString(), manifest.damagedFiles().get(0).source());
  }

  @Test
  void theSchedulerRunsOnceThenWaitsForNewData() throws IOException {
    String file = pipeline("{thresholds: [{metric: accuracy, lowerBound: 0.5}]}").toString();
    MillraceCliTest.Run scheduled =
        run(
            "schedule",
            "--pipeline",
            file,
            "--on-new-span",
            "--poll-interval",
            "PT0S",
            "--max-runs",
            "2");
    assertEquals(0, scheduled.exit(), scheduled.out() + scheduled.err());
    assertTrue(scheduled.out().contains("RAN  PUSHED"), scheduled.out());
    assertTrue(scheduled.out().contains("SKIPPED_NO_NEW_DATA"), scheduled.out());
    assertTrue(Files.isDirectory(dir.resolve("root/registry/penguins/1")));
    assertFalse(Files.exists(dir.resolve("root/registry/penguins/2")));
  }
}
