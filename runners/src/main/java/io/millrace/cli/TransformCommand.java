package io.millrace.cli;

import io.millrace.examples.ExamplesManifest;
import io.millrace.stage.StageArtifact;
import io.millrace.stage.StageExecutor;
import io.millrace.stage.TransformStage;
import io.millrace.transform.TransformSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code millrace transform}: fit preprocessing on the training split and apply it to all. */
@Command(
    name = "transform",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Fits the preprocessing defined in a JSON file (z-scores, scaling, quantile buckets,"
          + " vocabularies with OOV buckets, hashing, crosses, expressions such as a derived"
          + " label) on the training split of an examples artifact, writes the transform"
          + " artifact, and writes every split transformed as an examples artifact of model"
          + " inputs.",
      "",
      "The transform artifact is what serving loads ('millrace transform-apply', or"
          + " FeatureTransformer.load in Java): the same code transforms in both places."
    },
    footer = {"", "Any other --name=value is passed to Beam as a pipeline option."})
final class TransformCommand implements Callable<Integer> {

  @Option(
      names = "--examples",
      required = true,
      paramLabel = "DIR",
      description = "The examples artifact to transform (from 'millrace ingest').")
  Path examples;

  @Option(
      names = "--spec",
      required = true,
      paramLabel = "FILE",
      description = "The preprocessing definition (JSON: {\"steps\": [...]}).")
  Path specFile;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "DIR",
      description =
          "Writes DIR/transform (the fitted transform), DIR/examples (transformed) and"
              + " DIR/statistics/pre and /post (statistics before and after).")
  Path output;

  @Option(
      names = "--analyze-split",
      defaultValue = "train",
      paramLabel = "NAME",
      description = "The split the analyzers are fitted on (default: ${DEFAULT-VALUE}).")
  String analyzeSplit;

  @Option(names = "--overwrite", description = "Replace existing outputs.")
  boolean overwrite;

  @Mixin RunnerOptions runner;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    TransformStage stage =
        new TransformStage(
            new StageArtifact.Examples(examples),
            new TransformStage.Settings(TransformSpec.read(specFile), analyzeSplit));
    TransformStage.Result result =
        StageExecutor.standalone(runner::create, spec.commandLine().getErr())
            .run(stage, output, overwrite, specFile);
    PrintWriter out = spec.commandLine().getOut();
    Path written = output.toAbsolutePath().normalize();
    out.println("Transform written to " + written.resolve("transform"));
    out.println("  fingerprint  " + result.transformFingerprint());
    out.println("Transformed examples written to " + written.resolve("examples"));
    for (ExamplesManifest.Split split :
        ExamplesManifest.read(written.resolve("examples")).splits()) {
      out.printf("  %-12s %,12d examples  %s%n", split.name(), split.count(), split.files());
    }
    out.println("Statistics before and after: " + written.resolve("statistics"));
    out.flush();
    return 0;
  }
}
