package io.millrace.cli;

import io.millrace.metadata.Artifact;
import io.millrace.metadata.Execution;
import io.millrace.metadata.MetadataStore;
import io.millrace.metadata.RunDetail;
import io.millrace.metadata.RunSummary;
import io.millrace.pipeline.PipelineRunner;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code millrace runs}: the history of a pipeline's runs, from its metadata store. */
@Command(
    name = "runs",
    mixinStandardHelpOptions = true,
    description =
        "Lists, shows and compares the runs of a pipeline recorded in its metadata store.",
    subcommands = {RunsCommand.ListRuns.class, RunsCommand.Show.class, RunsCommand.Compare.class})
final class RunsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return Millrace.EXIT_USAGE;
  }

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  /** The options every subcommand shares: which pipeline's store to read. */
  static final class StoreOptions {
    @Option(
        names = "--pipeline",
        required = true,
        paramLabel = "FILE",
        description = "The pipeline definition (pipeline.yaml) whose runs to read.")
    Path pipeline;

    @Option(
        names = "--metadata-url",
        paramLabel = "JDBC",
        description = "The metadata store (default: ROOT/metadata.sqlite of the pipeline).")
    String metadataUrl;

    PipelineRunner runner(PrintWriter err) {
      return RunCommand.runner(pipeline, metadataUrl, err);
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "The runs, newest first.")
  static final class ListRuns implements Callable<Integer> {
    @picocli.CommandLine.Mixin StoreOptions store;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PipelineRunner runner = store.runner(spec.commandLine().getErr());
      if (runner == null) {
        return Millrace.EXIT_USAGE;
      }
      try (MetadataStore metadata = runner.openStore()) {
        List<RunSummary> runs = metadata.runs(metadata.pipeline(runner.definition().name()));
        out.printf(
            "%-36s %-10s %-19s %9s %6s %6s %6s  %s%n",
            "RUN", "STATUS", "STARTED (UTC)", "SECONDS", "STAGES", "CACHED", "FAILED", "DECISION");
        for (RunSummary run : runs) {
          out.printf(
              "%-36s %-10s %-19s %9s %6d %6d %6d  %s%n",
              run.name(),
              run.status(),
              TIME.format(run.startedAt()),
              run.endedAt()
                  .map(
                      end ->
                          String.format(
                              "%.1f", Duration.between(run.startedAt(), end).toMillis() / 1000.0))
                  .orElse("-"),
              run.executions(),
              run.cached(),
              run.failed(),
              decision(metadata.run(run.id()).metrics()));
        }
        if (runs.isEmpty()) {
          out.println("(no runs of " + runner.definition().name() + " yet)");
        }
      }
      out.flush();
      return 0;
    }
  }

  /**
   * What a run decided, from what its stages reported: the last decision it reached (a pipeline
   * whose validation does not block goes on past blocking anomalies).
   */
  static String decision(Map<String, String> metrics) {
    String version = metrics.get(PipelineRunner.PUSH + ".version");
    if (version != null) {
      return ("true".equals(metrics.get(PipelineRunner.PUSH + ".already_in_registry"))
              ? "already pushed: "
              : "pushed: ")
          + metrics.get(PipelineRunner.PUSH + ".model_name")
          + "/"
          + version;
    }
    if ("false".equals(metrics.get(PipelineRunner.EVALUATION + ".blessed"))) {
      return "not blessed";
    }
    if ("true".equals(metrics.get(PipelineRunner.VALIDATION + ".blocking"))) {
      return "blocked by anomalies";
    }
    return "-";
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "One run: its parameters, each stage with its outputs and what it reported.")
  static final class Show implements Callable<Integer> {
    @picocli.CommandLine.Mixin StoreOptions store;

    @Parameters(paramLabel = "RUN", description = "The run's name, as 'runs list' prints it.")
    String run;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PipelineRunner runner = store.runner(spec.commandLine().getErr());
      if (runner == null) {
        return Millrace.EXIT_USAGE;
      }
      try (MetadataStore metadata = runner.openStore()) {
        RunDetail detail =
            metadata
                .run(run)
                .orElseThrow(() -> new IllegalArgumentException("no run named " + run));
        RunSummary summary = detail.summary();
        out.printf(
            "Run %s of %s: %s, started %s UTC%n",
            summary.name(), summary.pipeline(), summary.status(), TIME.format(summary.startedAt()));
        out.println("Parameters");
        detail.params().forEach((k, v) -> out.printf("  %-24s %s%n", k, v));
        out.println("Data fingerprints");
        detail.dataFingerprints().forEach((k, v) -> out.printf("  %-24s %s%n", k, v));
        out.println("Stages");
        for (RunDetail.StageExecution stage : detail.stages()) {
          out.printf(
              "  %-11s %-8s execution #%d%s%n",
              stage.execution().stage(),
              stage.execution().state(),
              stage.execution().id(),
              stage.execution().reusedExecutionId().map(id -> " (reused #" + id + ")").orElse(""));
          stage.execution().error().ifPresent(e -> out.println("      error: " + e));
          for (Map.Entry<String, Artifact> output : stage.outputs().entrySet()) {
            out.printf(
                "      %s -> %s %s%n",
                output.getKey(), output.getValue().type(), output.getValue().uri());
          }
          stage.execution().properties().entrySet().stream()
              .filter(p -> !p.getKey().equals(Execution.RESULT))
              .forEach(p -> out.printf("      %s = %s%n", p.getKey(), p.getValue()));
        }
      }
      out.flush();
      return 0;
    }
  }

  @Command(
      name = "compare",
      mixinStandardHelpOptions = true,
      description = {
        "Runs side by side: parameters, data fingerprints and metrics (runs of one pipeline),"
            + " then stage by stage whether each output is identical, different or missing, by a"
            + " reproducibility fingerprint of its content that leaves out timestamps, run ids,"
            + " timings, absolute paths and the shard layout.",
        "",
        "Two --pipeline options compare two pipeline roots: the latest run of each, or the"
            + " two RUNs named, one per pipeline.",
        "",
        "Exit code 0 when every output is identical, 1 when one differs or is missing."
      })
  static final class Compare implements Callable<Integer> {
    @Option(
        names = "--pipeline",
        required = true,
        paramLabel = "FILE",
        description =
            "The pipeline definition (pipeline.yaml) whose runs to read; give it twice to compare"
                + " the runs of two pipeline roots.")
    List<Path> pipelines;

    @Option(
        names = "--metadata-url",
        paramLabel = "JDBC",
        description = "The metadata store (default: ROOT/metadata.sqlite of each pipeline).")
    String metadataUrl;

    @Parameters(arity = "0..*", paramLabel = "RUN", description = "The runs' names.")
    List<String> runs = new ArrayList<>();

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      boolean oneStore = pipelines.size() == 1;
      if (oneStore ? runs.size() < 2 : pipelines.size() != 2 || runs.size() % 2 != 0) {
        err.println(
            "millrace: runs compare takes --pipeline FILE and two or more RUNs, or --pipeline"
                + " FILE_A --pipeline FILE_B and either no RUN (the latest of each) or one RUN of"
                + " each");
        err.flush();
        return Millrace.EXIT_USAGE;
      }
      List<RunDetail> compared = new ArrayList<>();
      for (int p = 0; p < pipelines.size(); p++) {
        PipelineRunner runner = RunCommand.runner(pipelines.get(p), metadataUrl, err);
        if (runner == null) {
          return Millrace.EXIT_USAGE;
        }
        List<String> names = oneStore ? runs : runs.isEmpty() ? List.of() : List.of(runs.get(p));
        try (MetadataStore metadata = runner.openStore()) {
          List<Long> ids = new ArrayList<>();
          for (String name : names) {
            RunDetail run =
                metadata
                    .run(name)
                    .orElseThrow(() -> new IllegalArgumentException("no run named " + name));
            ids.add(run.summary().id());
            compared.add(run);
          }
          if (names.isEmpty()) {
            List<RunSummary> history = metadata.runs(metadata.pipeline(runner.definition().name()));
            if (history.isEmpty()) {
              throw new IllegalArgumentException(
                  "no runs of " + runner.definition().name() + " in " + pipelines.get(p));
            }
            compared.add(metadata.run(history.get(0).id()));
          }
          if (oneStore) {
            out.print(metadata.compare(ids).render());
          }
        }
      }
      boolean identical = RunArtifacts.compare(compared, out);
      out.flush();
      return identical ? 0 : Millrace.EXIT_FAILED;
    }
  }
}
