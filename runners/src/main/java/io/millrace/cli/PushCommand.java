package io.millrace.cli;

import io.millrace.evaluate.Evaluation;
import io.millrace.model.ModelRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code millrace push}: a blessed model into the versioned registry. */
@Command(
    name = "push",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Copies a blessed model (its SavedModel, transform, model.json), the evaluation that"
          + " blessed it and its lineage into REGISTRY/NAME/<version>/, then points"
          + " REGISTRY/NAME/LATEST at it. Versions are numbered 1, 2, 3... and never overwritten;"
          + " the copy is staged and renamed into place, and LATEST moves last.",
      "",
      "A model the evaluation did not bless is refused (exit code 5) and nothing is written."
    })
final class PushCommand implements Callable<Integer> {

  @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model artifact.")
  Path model;

  @Option(
      names = "--evaluation",
      required = true,
      paramLabel = "DIR",
      description = "The evaluation of that model ('millrace evaluate --output DIR').")
  Path evaluation;

  @Option(names = "--registry", required = true, paramLabel = "DIR", description = "Registry.")
  Path registry;

  @Option(names = "--name", required = true, paramLabel = "NAME", description = "Model name.")
  String name;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Evaluation read = Evaluation.read(evaluation);
    if (!read.blessed()) {
      spec.commandLine()
          .getErr()
          .println(
              "millrace: not pushed: the evaluation in "
                  + evaluation
                  + " did not bless the model ("
                  + read.validation().failures().size()
                  + " failed threshold(s))");
      read.validation()
          .failures()
          .forEach(f -> spec.commandLine().getErr().println("  " + f.message()));
      return Millrace.EXIT_NOT_BLESSED;
    }
    ModelRegistry models = new ModelRegistry(registry);
    int version = models.push(model, evaluation, name);
    out.printf(
        "Pushed %s version %d to %s%n",
        name, version, models.version(name, version).toAbsolutePath().normalize());
    out.flush();
    return 0;
  }
}
