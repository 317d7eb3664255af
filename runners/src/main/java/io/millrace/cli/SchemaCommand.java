package io.millrace.cli;

import io.millrace.pipeline.OutputGuard;
import io.millrace.schema.InferenceOptions;
import io.millrace.schema.SchemaFiles;
import io.millrace.schema.SchemaInference;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.tfmd.Schema;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
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
    OutputGuard.check(output, List.of(stats));
    if (!overwrite && Files.exists(output)) {
      throw new IllegalStateException(
          output + " exists (a curated schema?); choose another --output or pass --overwrite");
    }
    if (Files.exists(output) && !isSchemaFile(output)) {
      throw new IllegalStateException(
          output
              + " is not a schema text file: --overwrite replaces only a schema, so nothing was"
              + " written; choose another --output");
    }
    DatasetFeatureStatisticsList statistics =
        StatisticsInputs.one(stats, split != null ? split : "train");
    if (split != null) {
      statistics = StatisticsInputs.load(stats, split).get(split);
    }
    Schema schema =
        SchemaInference.create(
                InferenceOptions.defaults()
                    .withMaxStringDomainSize(maxDomainSize)
                    .withInferNumericRanges(inferRanges))
            .infer(statistics);
    SchemaFiles.write(schema, output);
    PrintWriter out = spec.commandLine().getOut();
    long domains = schema.getStringDomainCount();
    out.printf(
        "Schema of %d features (%d string domains) written to %s%n",
        schema.getFeatureCount(), domains, output.toAbsolutePath().normalize());
    out.flush();
    return 0;
  }

  private static boolean isSchemaFile(Path file) {
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    try {
      SchemaFiles.read(file);
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
