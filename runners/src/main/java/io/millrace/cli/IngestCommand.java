package io.millrace.cli;

import io.millrace.examples.ExamplesManifest;
import io.millrace.stage.IngestStage;
import io.millrace.stage.StageExecutor;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code millrace ingest}: data files in, a split, fingerprinted examples artifact out. */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Reads CSV, Avro, Parquet or TFRecord (tf.Example) files into examples, splits them"
          + " deterministically, and writes an examples artifact: Avro files per split,"
          + " dead letters (records that could not be read, with file, record, field and reason)"
          + " and manifest.json (schema, counts, input fingerprints).",
      "",
      "Patterns may name {SPAN} and {VERSION}, e.g. 'data/span-{SPAN}/v{VERSION}/*.csv':"
          + " the latest span at its latest version is read unless --spans says otherwise."
    },
    footer = {
      "",
      "Any other --name=value is passed to Beam as a pipeline option"
          + " (e.g. --filesToStage=app.jar, --maxBundlesFromWindmillOutstanding=...)."
    })
final class IngestCommand implements Callable<Integer> {

  @Mixin InputOptions input;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "DIR",
      description = "The examples artifact to write (committed atomically when complete).")
  Path output;

  @Option(names = "--overwrite", description = "Replace an existing artifact at --output.")
  boolean overwrite;

  @Option(
      names = "--splits",
      defaultValue = "train=2,eval=1",
      paramLabel = "NAME=BUCKETS,...",
      description = "Hash splits and their bucket counts (default: ${DEFAULT-VALUE}).")
  String splits;

  @Mixin RunnerOptions runner;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    IngestStage stage =
        new IngestStage(
            new IngestStage.Settings(
                input.raw(splits), input.maxBadFraction, input.acceptPartialFiles));
    StageExecutor.standalone(runner::create, spec.commandLine().getErr())
        .run(stage, output, overwrite);
    ExamplesManifest manifest = ExamplesManifest.read(output);
    PrintWriter out = spec.commandLine().getOut();
    Path written = output.toAbsolutePath().normalize();
    out.println("Examples written to " + written);
    for (ExamplesManifest.Split split : manifest.splits()) {
      out.printf("  %-12s %,12d examples  %s%n", split.name(), split.count(), split.files());
    }
    out.printf(
        "  %-12s %,12d records   %s%n",
        "dead letters", manifest.deadLetterCount(), manifest.deadLetters());
    if (!manifest.damagedFiles().isEmpty()) {
      out.printf(
          "  %-12s %,12d records   in %d damaged part(s) of files, listed in the manifest%n",
          "lost", manifest.recordsLost(), manifest.damagedFiles().size());
    }
    out.println("  manifest     " + written.resolve(ExamplesManifest.FILE_NAME));
    out.flush();
    return 0;
  }
}
