package io.millrace.cli;

import io.millrace.model.ModelRegistry;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code millrace label}: points a label of a registry model at one of its versions. */
@Command(
    name = "label",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Points LABEL (such as stable or canary) of model NAME at VERSION, a committed version of"
          + " the registry, in REGISTRY/NAME/"
          + ModelRegistry.LABELS
          + "/LABEL. A server on the registry routes /v1/models/NAME/labels/LABEL:predict there"
          + " once that version is loaded and warm; until then the label keeps its old version."
    })
final class LabelCommand implements Callable<Integer> {
  @Option(
      names = "--registry",
      required = true,
      paramLabel = "URI",
      description = "The registry (a folder, or a URI such as s3://bucket/registry).")
  Path registry;

  @Parameters(index = "0", paramLabel = "NAME", description = "The model's name.")
  String name;

  @Parameters(index = "1", paramLabel = "VERSION", description = "A committed version.")
  int version;

  @Parameters(index = "2", paramLabel = "LABEL", description = "The label, a path segment.")
  String label;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    new ModelRegistry(registry).label(name, version, label);
    spec.commandLine()
        .getOut()
        .printf("Label %s of %s now names version %d%n", label, name, version);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
