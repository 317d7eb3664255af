package io.millrace.cli;

import static io.millrace.cli.MillraceCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code millrace run} on pipeline files that must not run: YAML that does not mean what it seems
 * and settings a stage would refuse. Each exits 2 naming the problem before any stage runs (the
 * root, where the first stage would write, is never created).
 */
class PipelineFileCliTest {
  @TempDir Path dir;

  /** Runs the penguins pipeline with one text replaced; asserts exit 2 and that nothing ran. */
  private String refused(String text, String replacement) throws IOException {
    Path file = PenguinsPipeline.write(dir, 1);
    String yaml = Files.readString(file);
    assertTrue(yaml.contains(text), text);
    Files.writeString(file, yaml.replace(text, replacement));
    MillraceCliTest.Run run = run("run", "--pipeline", file.toString());
    assertEquals(Millrace.EXIT_USAGE, run.exit(), run.out() + run.err());
    assertTrue(run.err().startsWith("millrace: " + file), run.err());
    assertFalse(run.err().contains("\tat "), "a stack trace:\n" + run.err());
    assertFalse(Files.exists(dir.resolve("root")), "a stage ran");
    return run.err();
  }

  private static void says(String message, String... parts) {
    for (String part : parts) {
      assertTrue(message.contains(part), "'" + part + "' not in: " + message);
    }
  }

  @Test
  void yamlThatDoesNotMeanWhatItSeemsExitsWithCode2() throws IOException {
    says(
        refused("  label: species\n", "  label: &lab species\n  name: *lab\n"),
        "line 9",
        "anchor &lab");
    says(refused("  label: species\n", "  label: species\n  label: island\n"), "duplicate key");
    says(refused("name: penguins\n", "name: penguins\nname: other\n"), "duplicate key 'name'");
    says(
        refused("evaluation:", "---\nname: other\nevaluation:"), "second YAML document", "line 11");
  }

  @Test
  void settingsTheStagesWouldRefuseExitWithCode2BeforeAnyStageRuns() throws IOException {
    says(
        refused("  missingValues: [NA]\n", "  missingValues: [NA]\n  splits: {train: -2}\n"),
        "invalid 'splits' in section 'input' (line 6)");
    says(
        refused("  missingValues: [NA]\n", "  missingValues: [NA]\n  maxBadFraction: 5\n"),
        "invalid 'maxBadFraction' in section 'input' (line 6)");
    says(
        refused("  label: species\n", "  label: species\n  name: ../x\n"),
        "invalid 'name' in section 'model' (line 10)");
    says(
        refused("lowerBound: 0.5}", "lowerBound: 0.5, upperBound: 0.9, slices: 1}"),
        "invalid 'config' in section 'evaluation' (line 12)");
    says(
        refused("  label: species\n", "  label: species\n  tuner: {strategy: RANDOM}\n"),
        "invalid 'tuner' in section 'model' (line 10)",
        "trials");
  }
}
