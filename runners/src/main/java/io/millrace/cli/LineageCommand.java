package io.millrace.cli;

import io.millrace.metadata.Artifact;
import io.millrace.metadata.Lineage;
import io.millrace.metadata.MetadataStore;
import io.millrace.pipeline.PipelineRunner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code millrace lineage}: where a pushed model came from, back to the data's fingerprints. */
@Command(
    name = "lineage",
    mixinStandardHelpOptions = true,
    description = {
      "Prints the chain behind a pushed model version: the push, the evaluation that blessed it,"
          + " the training run, the transform, and the examples with the fingerprint of the data"
          + " they were read from, each with the execution that wrote it."
    })
final class LineageCommand implements Callable<Integer> {
  @Option(
      names = "--pipeline",
      required = true,
      paramLabel = "FILE",
      description = "The pipeline definition (pipeline.yaml) that pushed the model.")
  Path pipeline;

  @Option(
      names = "--metadata-url",
      paramLabel = "JDBC",
      description = "The metadata store (default: ROOT/metadata.sqlite of the pipeline).")
  String metadataUrl;

  @Parameters(paramLabel = "NAME/VERSION", description = "The model version, e.g. taxi/3.")
  String model;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    int slash = model.lastIndexOf('/');
    if (slash <= 0 || slash == model.length() - 1) {
      throw new IllegalArgumentException("name the model as NAME/VERSION, not '" + model + "'");
    }
    String name = model.substring(0, slash);
    String version = model.substring(slash + 1);
    PipelineRunner runner = RunCommand.runner(pipeline, metadataUrl, spec.commandLine().getErr());
    if (runner == null) {
      return Millrace.EXIT_USAGE;
    }
    try (MetadataStore store = runner.openStore()) {
      List<Artifact> pushes =
          store.findArtifacts(Artifact.PUSH, Map.of("model_name", name, "version", version));
      if (pushes.isEmpty()) {
        throw new IllegalArgumentException(
            "no push of " + name + " version " + version + " is recorded in " + store.url());
      }
      Lineage lineage = store.lineage(pushes.get(0));
      out.println("Data fingerprints");
      lineage.artifactsOfType(Artifact.EXAMPLES).stream()
          .filter(a -> a.property("data_fingerprint") != null)
          .forEach(a -> out.printf("  %s  (%s)%n", a.property("data_fingerprint"), a.uri()));
      out.println();
      out.print(lineage.render());
    }
    out.flush();
    return 0;
  }
}
