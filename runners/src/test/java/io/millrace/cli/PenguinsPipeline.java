package io.millrace.cli;

import io.millrace.testing.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A small complete pipeline for end-to-end tests: penguins, multiclass, a few seconds a run. */
public final class PenguinsPipeline {
  private PenguinsPipeline() {}

  /** Writes {@code dir/pipeline.yaml} with its root at {@code dir/root}; returns the file. */
  public static Path write(Path dir, int epochs) throws IOException {
    return write(dir, epochs, "{thresholds: [{metric: accuracy, lowerBound: 0.5}]}");
  }

  /** As {@link #write(Path, int)} with the evaluation config given (a file or inline YAML). */
  public static Path write(Path dir, int epochs, String evaluation) throws IOException {
    return write(
        dir,
        epochs,
        evaluation,
        "root",
        SharedData.path("penguins/penguins.csv").toAbsolutePath().toString(),
        List.of());
  }

  /**
   * Writes {@code dir/pipeline.yaml} with its root, input and registry where the arguments say
   * (paths or URIs such as {@code s3://bucket/key}); returns the file.
   */
  public static Path write(Path dir, int epochs, String root, String input, String registry)
      throws IOException {
    return write(
        dir,
        epochs,
        "{thresholds: [{metric: accuracy, lowerBound: 0.5}]}",
        root,
        input,
        List.of("registry: {path: " + registry + "}"));
  }

  private static Path write(
      Path dir, int epochs, String evaluation, String root, String input, List<String> more)
      throws IOException {
    Path examples = Path.of("..", "examples", "penguins").toAbsolutePath().normalize();
    Files.createDirectories(dir);
    Path file = dir.resolve("pipeline.yaml");
    List<String> lines =
        new ArrayList<>(
            List.of(
                "name: penguins",
                "root: " + root,
                "input:",
                "  pattern: " + input,
                "  missingValues: [NA]",
                "transform:",
                "  file: " + examples.resolve("transform.json"),
                "model:",
                "  label: species",
                "  config: {kind: DNN, hiddenUnits: [8], learningRate: 0.02, batchSize: 32, epochs: "
                    + epochs
                    + "}",
                "evaluation:",
                "  config: " + evaluation));
    lines.addAll(more);
    lines.add("");
    Files.writeString(file, String.join("\n", lines));
    return file;
  }
}
