package io.millrace.cli;

import io.millrace.ingest.InputException;
import io.millrace.metadata.MetadataStoreException;
import io.millrace.pipeline.PipelineDefinition;
import io.millrace.pipeline.PipelineRunner;
import io.millrace.pipeline.PipelineYaml;
import io.millrace.pipeline.RunResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code millrace run}: the whole pipeline a pipeline.yaml declares, with lineage and caching. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Runs the pipeline a pipeline.yaml declares: ingest, statistics, schema, the validation"
          + " gate, transform, train (and tune), evaluation against the registry's latest model,"
          + " and the push of a blessed candidate.",
      "",
      "Every stage writes ROOT/artifacts/<stage>/<cache key>/ and is recorded in the metadata"
          + " store (ROOT/metadata.sqlite): a stage whose inputs, settings and code are unchanged"
          + " since its last successful execution is not run again but reused ('cached').",
      "",
      "Exit code 0 when a blessed model was pushed or is already the registry's latest,"
          + " 4 when validation blocked the run, 5 when the candidate was not blessed,"
          + " 1 when a stage failed."
    },
    footer = {"", "Any other --name=value is passed to Beam as a pipeline option."})
final class RunCommand implements Callable<Integer> {

  @Option(
      names = "--pipeline",
      required = true,
      paramLabel = "FILE",
      description = "The pipeline definition (pipeline.yaml).")
  Path pipeline;

  @Option(names = "--no-cache", description = "Run every stage, reusing nothing.")
  boolean noCache;

  @Option(
      names = "--no-cache-stage",
      paramLabel = "STAGE",
      description =
          "Run this stage even if its cache would hit; repeatable. Stages: ingest, statistics,"
              + " schema, validation, transform, train, evaluation, push.")
  List<String> noCacheStages = List.of();

  @Option(
      names = "--metadata-url",
      paramLabel = "JDBC",
      description =
          "The metadata store (default: the SQLite file ROOT/metadata.sqlite), e.g."
              + " jdbc:postgresql://host/db?user=u.")
  String metadataUrl;

  @Mixin RunnerOptions runner;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    PipelineRunner runner = runner(pipeline, metadataUrl, err);
    if (runner == null) {
      return Millrace.EXIT_USAGE;
    }
    try {
      this.runner.refuseAnotherMillraceOnTheCluster();
    } catch (IllegalArgumentException e) {
      err.println("millrace: " + e.getMessage());
      return Millrace.EXIT_USAGE;
    }
    runner =
        runner
            .withNoCache(noCache)
            .withNoCacheStages(new LinkedHashSet<>(noCacheStages))
            .withPipelineOptions(this.runner::create)
            .withJobLog(err);
    RunResult result;
    try {
      result = runner.run(out);
    } catch (InputException e) {
      // The input was rejected (damaged files, too many bad records): exit 3, as ingest does.
      out.flush();
      err.println("millrace: the run failed: " + e.getMessage());
      err.flush();
      return Millrace.EXIT_INPUT_REJECTED;
    } catch (IOException | RuntimeException e) {
      out.flush();
      err.println("millrace: the run failed: " + e.getMessage());
      boolean explained =
          e instanceof IOException
              || e instanceof IllegalArgumentException
              || e instanceof IllegalStateException
              || e instanceof MetadataStoreException;
      if (!explained) {
        e.printStackTrace(err);
      }
      err.flush();
      return Millrace.EXIT_FAILED;
    }
    return switch (result.status()) {
      case PUSHED, ALREADY_PUSHED, COMPLETED, UP_TO_DATE -> 0;
      case BLOCKED -> Millrace.EXIT_ANOMALIES;
      case NOT_BLESSED -> Millrace.EXIT_NOT_BLESSED;
    };
  }

  /** The runner of a pipeline file, or null (the error printed) when the file is not valid. */
  static PipelineRunner runner(Path file, String metadataUrl, PrintWriter err) {
    PipelineDefinition definition;
    try {
      definition = PipelineYaml.read(file);
    } catch (IOException e) {
      err.println("millrace: " + e.getMessage());
      err.flush();
      return null;
    }
    PipelineRunner runner = PipelineRunner.of(definition);
    return metadataUrl == null ? runner : runner.withMetadataUrl(metadataUrl);
  }
}
