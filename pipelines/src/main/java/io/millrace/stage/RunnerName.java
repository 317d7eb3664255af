package io.millrace.stage;

import io.millrace.transforms.runner.StallGuardedDirectRunner;
import org.apache.beam.sdk.PipelineRunner;
import org.apache.beam.sdk.options.PipelineOptions;

/** The runner an artifact records as the one that made it. */
final class RunnerName {
  private RunnerName() {}

  /**
   * The simple name of the options' runner, or of the Beam runner it specializes: the CLI's runner
   * for Flink clusters is Beam's FlinkRunner with a faster wait, and is recorded as "FlinkRunner".
   */
  static String of(PipelineOptions options) {
    Class<?> runner = options.getRunner();
    if (runner == StallGuardedDirectRunner.class) {
      return "DirectRunner"; // which it runs every job on
    }
    Class<?> parent = runner.getSuperclass();
    boolean specializesBeams =
        !isBeams(runner) && parent != PipelineRunner.class && parent != null && isBeams(parent);
    return (specializesBeams ? parent : runner).getSimpleName();
  }

  private static boolean isBeams(Class<?> type) {
    return type.getName().startsWith("org.apache.beam.");
  }
}
