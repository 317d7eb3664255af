package io.millrace.cli;

import io.millrace.model.ModelRegistry;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** Which model a command uses: a model artifact, or a version of a model in a registry. */
final class ModelOptions {
  @Option(
      names = "--model",
      paramLabel = "DIR",
      description = "A model artifact ('millrace train' writes DIR/model) or a registry version.")
  Path model;

  static final class FromRegistry {
    @Option(names = "--registry", required = true, paramLabel = "DIR", description = "Registry.")
    Path registry;

    @Option(names = "--name", required = true, paramLabel = "NAME", description = "Model name.")
    String name;

    @Option(
        names = "--version",
        paramLabel = "N",
        description = "The version (default: the one LATEST names).")
    Integer version;
  }

  @ArgGroup(exclusive = false)
  FromRegistry registry;

  Path resolve() throws IOException {
    if ((model == null) == (registry == null)) {
      throw new IllegalArgumentException("name the model with --model or --registry and --name");
    }
    if (model != null) {
      return model;
    }
    ModelRegistry models = new ModelRegistry(registry.registry);
    if (registry.version != null) {
      return models.version(registry.name, registry.version);
    }
    return models
        .latest(registry.name)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "no version of " + registry.name + " in " + registry.registry));
  }
}
