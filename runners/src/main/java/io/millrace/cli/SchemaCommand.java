package io.millrace.cli;

import io.millrace.stage.SchemaStage;
import io.millrace.stage.StageArtifact;
import io.millrace.stage.StageExecutor;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code millrace schema}: a schema inferred from statistics, to curate by hand. */
@Command(
    name = "schema",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Infers a TensorFlow Metadata schema (schema.pbtxt, the text format TFDV reads and writes)"
          + " from statistics: types, presence, valency, string domains of low-cardinality"
          + " features, categorical integers, and numeric ranges on request.",
      "",
      "Curate the file by hand (environments, comparators, domains); Millrace reads it back"
          + " unchanged, as it reads a schema written by TFDV."
    })
final class SchemaCommand implements Callable<Integer> {

  @Option(
      names = "--stats",
      required = true,
      paramLabel = "PATH",
      description = "A statistics artifact (from 'millrace stats') or a stats.pb file.")
  Path stats;

  @Option(
      names = "--split",
      paramLabel = "NAME",
      description = "The split to infer from (default: train if present, else the only split).")
  String split;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "FILE",
      description = "The schema.pbtxt to write (atomically).")
  Path output;

  @Option(
      names = "--overwrite",
      description = "Replace an existing schema file (a schema text file only, never an input).")
  boolean overwrite;

  @Option(
      names = "--max-domain-size",
      defaultValue = "100",
      paramLabel = "N",
      description =
          "String features with at most N distinct values get a domain (default: ${DEFAULT-VALUE}).")
  int maxDomainSize;

  @Option(
      names = "--infer-ranges",
      description = "Also infer numeric ranges (int_domain/float_domain min and max).")
  boolean inferRanges;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Path file = output.toAbsolutePath().normalize();
    SchemaStage stage =
        SchemaStage.of(
            new StageArtifact.Statistics(stats),
            SchemaStage.Settings.inferred(split, maxDomainSize, inferRanges, Map.of()),
            file.getFileName().toString());
    SchemaStage.Result result =
        StageExecutor.standalone(spec.commandLine().getErr())
            .run(stage, file.getParent(), overwrite);
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "Schema of %d features (%d string domains) written to %s%n",
        result.features(), result.domains(), file);
    out.flush();
    return 0;
  }
}
