package io.millrace.cli;

import io.millrace.metadata.MetadataStore;
import io.millrace.model.ModelRegistry;
import io.millrace.stage.PushStage;
import io.millrace.stage.StageArtifact;
import io.millrace.stage.StageExecutor;
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
          + " the copy is staged and renamed into place, and LATEST moves last. Concurrent pushes"
          + " take turns and each gets its own version. A model that already is the latest"
          + " version is checked the same way and not pushed again.",
      "",
      "The push rests on proof: the model's fingerprint is recomputed from its files, the"
          + " evaluation must be one 'millrace evaluate' recorded for this model in the metadata"
          + " store (REGISTRY/"
          + ModelRegistry.METADATA
          + ", or --metadata-url), and the blessing is recomputed from its metrics and thresholds.",
      "",
      "A model the evaluation did not bless is refused (exit code 5) and nothing is written; an"
          + " altered, forged or unrecorded model or evaluation is refused with exit code 3."
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

  @Option(
      names = "--metadata-url",
      paramLabel = "JDBC",
      description =
          "The metadata store that recorded the evaluation (default: the SQLite file REGISTRY/"
              + ModelRegistry.METADATA
              + ", where 'millrace evaluate --registry REGISTRY' records).")
  String metadataUrl;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    ModelRegistry models = new ModelRegistry(registry);
    PushStage.Result pushed;
    try (MetadataStore store =
        metadataUrl != null
            ? MetadataStore.open(metadataUrl)
            : MetadataStore.openSqlite(models.metadataFile())) {
      PushStage stage =
          new PushStage(
              new StageArtifact.Model(model),
              new StageArtifact.Evaluation(evaluation),
              new PushStage.Settings(registry, name),
              store);
      pushed = StageExecutor.standalone(spec.commandLine().getErr()).run(stage, null, false);
    } catch (ModelRegistry.NotBlessedException e) {
      spec.commandLine().getErr().println("millrace: not pushed: " + e.getMessage());
      return Millrace.EXIT_NOT_BLESSED;
    }
    out.printf(
        pushed.alreadyInRegistry()
            ? "Not pushed again: %s version %d at %s already is this model%n"
            : "Pushed %s version %d to %s%n",
        name,
        pushed.version(),
        pushed.pushed().path().toAbsolutePath().normalize());
    out.flush();
    return 0;
  }
}
