package io.millrace.cli;

import io.millrace.pipeline.PipelineRunner;
import io.millrace.pipeline.Scheduler;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code millrace schedule}: run a pipeline on a cron schedule or when new data lands. */
@Command(
    name = "schedule",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Runs a pipeline as a long-lived process: at the times a cron expression names (UNIX"
          + " syntax: minute hour day-of-month month day-of-week), when a new span of its input"
          + " appears (--on-new-span: the input's files and contents are fingerprinted every"
          + " --poll-interval), or both (a cron tick then runs only when the data changed).",
      "",
      "One run at a time: a due time that passes while a run is still going is skipped and"
          + " logged, and so is one while another process runs the pipeline (the run lock in the"
          + " metadata store). A failed run is logged and the schedule goes on. Unchanged stages"
          + " are reused from the cache, so a run on unchanged data costs seconds.",
      "",
      "Instead of this process, a system crontab or a Kubernetes CronJob can call 'millrace run'"
          + " and act on its exit code: 0 pushed or nothing new to push, 4 blocked by anomalies, 5"
          + " not blessed, 1 failed."
    },
    footer = {"", "Any other --name=value is passed to Beam as a pipeline option."})
final class ScheduleCommand implements Callable<Integer> {

  @Option(names = "--pipeline", required = true, paramLabel = "FILE", description = "pipeline.yaml")
  Path pipeline;

  @Option(names = "--cron", paramLabel = "EXPR", description = "e.g. \"0 3 * * *\": 03:00 daily.")
  String cron;

  @Option(names = "--on-new-span", description = "Run when the input's latest span changes.")
  boolean onNewSpan;

  @Option(
      names = "--poll-interval",
      defaultValue = "PT1M",
      paramLabel = "DURATION",
      description =
          "With --on-new-span alone: how often to look (ISO-8601, default ${DEFAULT-VALUE}).")
  Duration pollInterval;

  @Option(
      names = "--max-runs",
      defaultValue = "0",
      paramLabel = "N",
      description = "Stop after N due times (default 0: run until stopped).")
  int maxRuns;

  @Option(
      names = "--metadata-url",
      paramLabel = "JDBC",
      description = "The metadata store (default: SQLite under the pipeline root).")
  String metadataUrl;

  @Mixin RunnerOptions runner;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (cron == null && !onNewSpan) {
      throw new IllegalArgumentException("give --cron, --on-new-span, or both");
    }
    PipelineRunner pipelineRunner = RunCommand.runner(pipeline, metadataUrl, err);
    if (pipelineRunner == null) {
      return Millrace.EXIT_USAGE;
    }
    PipelineRunner configured =
        pipelineRunner.withPipelineOptions(this.runner::create).withJobLog(err);
    Callable<io.millrace.pipeline.RunResult> run = () -> configured.run(out);
    Scheduler scheduler =
        cron != null
            ? Scheduler.cron(run, cron)
            : Scheduler.onNewData(
                run, Scheduler.inputFingerprint(configured.definition()), pollInterval);
    if (cron != null && onNewSpan) {
      scheduler = scheduler.onlyOnNewData(Scheduler.inputFingerprint(configured.definition()));
    }
    out.printf(
        "Scheduling %s: %s%s%n",
        configured.definition().name(),
        cron != null ? "cron '" + cron + "'" : "every " + pollInterval,
        onNewSpan ? ", when a new span appears" : "");
    scheduler.run(maxRuns, out, tick -> {});
    return 0;
  }
}
