package io.millrace.cli;

import io.millrace.pipeline.CodeVersion;
import io.millrace.transforms.io.Storage;
import io.millrace.transforms.runner.StallGuardedDirectRunner;
import java.io.File;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Where a command's Beam pipeline runs: the DirectRunner (the embedded default, tuned for speed),
 * Flink embedded in this process ({@code --flinkMaster [local]}), or a Flink cluster ({@code
 * --flinkMaster host:port}). Any other {@code --name=value} is handed to Beam as a pipeline option.
 */
public final class RunnerOptions {
  @Option(
      names = "--runner",
      defaultValue = "DirectRunner",
      description = "DirectRunner (default) or FlinkRunner.")
  String runner;

  @Option(
      names = "--flinkMaster",
      defaultValue = "[local]",
      description =
          "With FlinkRunner: [local] runs Flink embedded in this process (default); host:port"
              + " submits to a Flink cluster's REST endpoint.")
  String flinkMaster;

  @Option(
      names = "--parallelism",
      description =
          "Workers: DirectRunner threads (default: the number of cores) or Flink parallelism"
              + " (default: Flink's).")
  Integer parallelism;

  private static final AtomicBoolean NOTICE_GIVEN = new AtomicBoolean();

  /** The command this is mixed into: its unmatched arguments are the Beam options to pass on. */
  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  /** Builds the pipeline options; validation by Beam names any unknown or malformed option. */
  public PipelineOptions create(String jobName) {
    List<String> beamOptions = command.commandLine().getUnmatchedArguments();
    List<String> args = new ArrayList<>();
    boolean stageNothing = false;
    for (String option : beamOptions) {
      if (!option.startsWith("--")) {
        throw new IllegalArgumentException(
            "unexpected argument '" + option + "'; Beam options are written --name=value");
      }
      args.add(option);
    }
    args.add("--runner=" + runner);
    addDefault(args, "jobName", jobName);
    if ("DirectRunner".equals(runner)) {
      // Measured: without these checks a 1M-row job ran 3-4x faster; tests keep them on.
      addDefault(args, "enforceImmutability", "false");
      addDefault(args, "enforceEncodability", "false");
      addDefault(
          args,
          "targetParallelism",
          String.valueOf(
              parallelism != null ? parallelism : Runtime.getRuntime().availableProcessors()));
    } else if ("FlinkRunner".equals(runner)) {
      addDefault(args, "flinkMaster", flinkMaster);
      if (parallelism != null) {
        addDefault(args, "parallelism", String.valueOf(parallelism));
      }
      if (onFlinkCluster() && !given(args, "filesToStage")) {
        stageNothing = clusterCarriesThisMillrace();
        // A cluster needs the application jar; staging the whole client classpath is the default
        // and would ship every dependency jar separately.
        String jar = ownJar();
        if (!stageNothing && jar != null) {
          addDefault(args, "filesToStage", jar);
        }
      }
    } else {
      throw new IllegalArgumentException(
          "unknown runner '" + runner + "'; use DirectRunner or FlinkRunner");
    }
    // s3:// and hdfs:// as the AWS and Hadoop variables say, for the jobs and for file work
    // outside.
    PipelineOptions options =
        PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).withValidation().create();
    if (onFlinkCluster()) {
      // Notices a job's end within 0.1 s instead of up to 2 s (see FlinkClusterRunner).
      options.setRunner(FlinkClusterRunner.class);
    } else if ("DirectRunner".equals(runner)) {
      // Fails a job Beam's DirectRunner stalls on, instead of hanging; the stage runs once more.
      options.setRunner(StallGuardedDirectRunner.class);
    }
    if (stageNothing) {
      // The FlinkRunner stages the whole classpath when given no file at all.
      options
          .as(FlinkPipelineOptions.class)
          .setFilesToStage(List.of(ClusterLibrary.emptyJobJar(CodeVersion.current()).toString()));
    }
    return Storage.register(options);
  }

  /**
   * Whether the cluster's lib/ carries the very Millrace classes of this process (the same {@link
   * CodeVersion}, a hash of their bytes for a development build), so that its jobs need no jar: the
   * 370 MB millrace.jar would otherwise be uploaded, and fetched by every TaskManager, per stage.
   * False for a cluster without Millrace in lib/, whose jobs run the uploaded jar alone.
   *
   * @throws IllegalArgumentException when lib/ carries another Millrace: a job jar of this one
   *     would mix two copies of its classes and Beam's in a TaskManager
   */
  private boolean clusterCarriesThisMillrace() {
    Optional<String> onCluster = ClusterLibrary.codeVersion(flinkMaster);
    if (onCluster.isEmpty()) {
      return false;
    }
    String here = CodeVersion.current();
    if (!onCluster.get().equals(here)) {
      throw new IllegalArgumentException(
          ClusterLibrary.anotherMillrace(flinkMaster, onCluster.get(), here));
    }
    if (NOTICE_GIVEN.compareAndSet(false, true)) {
      command
          .commandLine()
          .getErr()
          .println(
              "The cluster's lib/ carries this Millrace (" + here + "): no job jar to upload.");
    }
    return true;
  }

  /**
   * Refuses, before anything runs, a Flink cluster whose lib/ carries another Millrace than this
   * client (see {@link #create}); nothing to check for other runners or with {@code --filesToStage}
   * given.
   *
   * @throws IllegalArgumentException naming both code versions and the remedy
   */
  public void refuseAnotherMillraceOnTheCluster() {
    if (onFlinkCluster() && !given(command.commandLine().getUnmatchedArguments(), "filesToStage")) {
      clusterCarriesThisMillrace();
    }
  }

  /** Whether jobs go to a Flink cluster ({@code --flinkMaster host:port}), not embedded Flink. */
  private boolean onFlinkCluster() {
    return "FlinkRunner".equals(runner) && !flinkMaster.startsWith("[");
  }

  private static boolean given(List<String> args, String name) {
    return args.stream().anyMatch(a -> a.startsWith("--" + name + "="));
  }

  private static void addDefault(List<String> args, String name, String value) {
    if (!given(args, name)) {
      args.add("--" + name + "=" + value);
    }
  }

  private static String ownJar() {
    try {
      File location =
          new File(RunnerOptions.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return location.isFile() && location.getName().endsWith(".jar")
          ? location.getAbsolutePath()
          : null;
    } catch (URISyntaxException | SecurityException e) {
      return null;
    }
  }
}
