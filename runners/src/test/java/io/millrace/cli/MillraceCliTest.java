package io.millrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.testing.SharedData;
import io.millrace.transforms.io.ExamplesArtifact;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

public class MillraceCliTest {
  @TempDir Path dir;

  /** The exit code and what the command printed. */
  public record Run(int exit, String out, String err) {}

  public static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Millrace.execute(new PrintWriter(out), new PrintWriter(err), args);
    return new Run(exit, out.toString(), err.toString());
  }

  /** Ingests a shared data file into {@code dir/o} with extra arguments. */
  private Run ingest(String sharedData, String... extra) {
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            "ingest",
            "--input",
            SharedData.path(sharedData).toString(),
            "--output",
            dir.resolve("o").toString()));
    args.addAll(List.of(extra));
    return run(args.toArray(String[]::new));
  }

  @Test
  void helpExplainsCommandsAndEveryRunnerOption() {
    Run top = run("--help");
    assertEquals(0, top.exit());
    assertTrue(top.out().contains("ingest"), top.out());
    Run ingest = run("ingest", "--help");
    assertEquals(0, ingest.exit());
    for (String option :
        new String[] {
          "--runner",
          "--flinkMaster",
          "--parallelism",
          "--input",
          "--input-split",
          "--output",
          "--splits",
          "--split-feature",
          "--spans",
          "--max-bad-fraction",
          "--accept-partial-files",
          "--format"
        }) {
      assertTrue(ingest.out().contains(option), option + " missing from:\n" + ingest.out());
    }
  }

  @Test
  void everyOptionIsListedOnceInEachCommandsHelp() {
    for (String command : new CommandLine(new Millrace()).getSubcommands().keySet()) {
      if (command.equals("help")) {
        continue;
      }
      Run help = run(command, "--help");
      assertEquals(0, help.exit(), command);
      Map<String, Integer> listed = new TreeMap<>();
      // Option rows of the list start with the names, e.g. "  -h, --help" or "      --input=X".
      Matcher row = Pattern.compile("(?m)^ {2}(?:-\\w, |    )(--[\\w-]+)").matcher(help.out());
      while (row.find()) {
        listed.merge(row.group(1), 1, Integer::sum);
      }
      assertTrue(listed.containsKey("--help"), command + ":\n" + help.out());
      listed.forEach(
          (option, times) ->
              assertEquals(1, times, command + " lists " + option + " twice:\n" + help.out()));
    }
  }

  @Test
  void ingestsTaxiOnTheDirectRunnerAndSaysWhereTheOutputIs() throws IOException {
    Path out = dir.resolve("taxi");
    Run r =
        run(
            "ingest",
            "--input",
            SharedData.path("taxi/tutorial/train.csv").toString(),
            "--output",
            out.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("Examples written to " + out), r.out());
    assertTrue(r.err().contains("Read 10,000 records"), r.err());
    ExamplesArtifact artifact = ExamplesArtifact.open(out);
    assertEquals(10_000, artifact.manifest().recordsIn());
    assertEquals("DirectRunner", artifact.manifest().runner());
  }

  @Test
  void anEmptyMatchIsRejectedNamingThePattern() {
    String pattern = dir.resolve("none-*.csv").toString();
    Run r = run("ingest", "--input", pattern, "--output", dir.resolve("o").toString());
    assertEquals(Millrace.EXIT_INPUT_REJECTED, r.exit());
    assertTrue(r.err().contains("no input file matches '" + pattern + "'"), r.err());
  }

  @Test
  void tooManyBadRecordsExitNonZeroAndCommitNothing() throws IOException {
    Files.writeString(dir.resolve("in.csv"), "a,b\n1,2\n3\n4,5\n6\n");
    Run r =
        run(
            "ingest",
            "--input",
            dir.resolve("in.csv").toString(),
            "--output",
            dir.resolve("o").toString());
    assertEquals(Millrace.EXIT_INPUT_REJECTED, r.exit());
    assertTrue(r.err().contains("2 of 4 records"), r.err());
    assertFalse(Files.exists(dir.resolve("o")));
  }

  @Test
  void commandLineMistakesExitWithUsageCode() {
    assertEquals(Millrace.EXIT_USAGE, run("ingest", "--output", "x").exit());
    Run badRunner = ingest("taxi/tutorial/train.csv", "--runner", "SparkRunner");
    assertEquals(Millrace.EXIT_USAGE, badRunner.exit());
    assertTrue(badRunner.err().contains("unknown runner 'SparkRunner'"), badRunner.err());
    Run badSplit = ingest("taxi/tutorial/train.csv", "--splits", "train=2,eval");
    assertEquals(Millrace.EXIT_USAGE, badSplit.exit());
    assertTrue(badSplit.err().contains("name=buckets"), badSplit.err());
    Run unknownBeamOption = ingest("taxi/tutorial/train.csv", "--noSuchBeamOption=1");
    assertEquals(Millrace.EXIT_USAGE, unknownBeamOption.exit());
    assertTrue(unknownBeamOption.err().contains("noSuchBeamOption"), unknownBeamOption.err());
  }

  @Test
  void passesOtherBeamOptionsThrough() throws IOException {
    Run r = ingest("taxi/tutorial/eval.csv", "--jobName=custom-name", "--targetParallelism=1");
    assertEquals(0, r.exit(), r.err());
    assertEquals(5_000, ExamplesArtifact.open(dir.resolve("o")).manifest().recordsIn());
  }
}
