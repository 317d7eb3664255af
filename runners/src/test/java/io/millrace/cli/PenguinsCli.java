package io.millrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.millrace.testing.SharedData;
import java.nio.file.Path;
import java.util.List;

/** Penguins prepared with the CLI for the model commands: ingested, transformed, trained. */
final class PenguinsCli {
  private PenguinsCli() {}

  /** {@code dir/examples} ingested and {@code dir/transformed} transformed. */
  record Prepared(Path examples, Path transformed) {
    /** The arguments of {@code millrace train} on the transformed penguins. */
    List<String> train(Path output, String modelConfig) {
      return List.of(
          "train",
          "--transformed",
          transformed.toString(),
          "--label",
          "species",
          "--model-config",
          modelConfig,
          "--name",
          "penguins",
          "--output",
          output.toString());
    }
  }

  static Prepared ingestAndTransform(Path dir) {
    Path examples = dir.resolve("examples");
    ok(
        MillraceCliTest.run(
            "ingest",
            "--input",
            SharedData.path("penguins/penguins.csv").toString(),
            "--missing-value",
            "NA",
            "--output",
            examples.toString()));
    Path transformed = dir.resolve("transformed");
    ok(
        MillraceCliTest.run(
            "transform",
            "--examples",
            examples.toString(),
            "--spec",
            Path.of("..", "examples", "penguins", "transform.json").toString(),
            "--output",
            transformed.toString()));
    return new Prepared(examples, transformed);
  }

  static MillraceCliTest.Run ok(MillraceCliTest.Run run) {
    assertEquals(0, run.exit(), run.out() + run.err());
    return run;
  }
}
