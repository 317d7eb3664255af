package io.millrace.stage;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.function.Function;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * What the executor gives a running stage.
 *
 * @param directory where the stage writes (each artifact staged beside its place and committed
 *     atomically); null when the stage is asked to write nothing (e.g. {@code millrace validate}
 *     without {@code --output})
 * @param overwrite whether an existing artifact of the kind the stage writes may be replaced
 * @param options the Beam options of each job, by job name
 * @param log where the jobs report their progress
 */
public record StageContext(
    Path directory, boolean overwrite, Function<String, PipelineOptions> options, PrintWriter log) {

  /** The Beam options of the job named {@code millrace-<job>}. */
  public PipelineOptions beamOptions(String job) {
    return options.apply("millrace-" + job);
  }
}
