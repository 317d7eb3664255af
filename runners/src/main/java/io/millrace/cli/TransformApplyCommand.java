package io.millrace.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.examples.ExampleJson;
import io.millrace.ingest.BadInputPolicy;
import io.millrace.ingest.DeadLetter;
import io.millrace.ingest.ExampleFormat;
import io.millrace.ingest.ExampleSink;
import io.millrace.ingest.FileDamage;
import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.FormatReader;
import io.millrace.ingest.LocalSourceFile;
import io.millrace.ingest.ReadTally;
import io.millrace.record.Example;
import io.millrace.stage.OutputGuard;
import io.millrace.transform.FeatureTransformer;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.ServingSchema;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code millrace transform-apply}: raw serving records through a transform artifact, in this
 * process and without a pipeline, as a serving system embedding {@link FeatureTransformer} does.
 */
@Command(
    name = "transform-apply",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Transforms raw records (a CSV, Avro, Parquet or TFRecord file) with a transform artifact"
          + " alone, in this process, and writes one JSON object of model inputs per record.",
      "",
      "Records are read with the types the transform was fitted on: a value that does not parse"
          + " is skipped and reported (exit 3); a feature the outputs are computed from that the"
          + " file lacks is an error unless --allow-missing-features (or --label, for the"
          + " label's inputs)."
    })
final class TransformApplyCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(
      names = "--artifact",
      required = true,
      paramLabel = "DIR",
      description = "The transform artifact (DIR/transform written by 'millrace transform').")
  Path artifact;

  @Option(names = "--input", required = true, paramLabel = "FILE", description = "Raw records.")
  Path input;

  @Option(
      names = "--output",
      paramLabel = "FILE",
      description = "JSON lines to write (default: standard output).")
  Path output;

  @Option(
      names = "--label",
      paramLabel = "OUTPUT",
      description =
          "The output that is the label: the raw features only it reads may be absent, and it is"
              + " left out of the records written.")
  String label;

  @Option(
      names = "--allow-missing-features",
      description =
          "Transform records that lack a feature the outputs are computed from, filling it as the"
              + " transform fills a missing value; by default such input is refused.")
  boolean allowMissingFeatures;

  @Option(
      names = "--overwrite",
      description = "Replace an existing --output (JSON lines only, never an input).")
  boolean overwrite;

  @Option(
      names = "--accept-partial-files",
      description =
          "Transform the readable records of a damaged (cut-off or corrupt) input file instead of"
              + " failing.")
  boolean acceptPartialFiles;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (output != null) {
      OutputGuard.check(output, List.of(artifact, input));
      checkReplaceable(output);
    }
    FeatureTransformer transformer = FeatureTransformer.load(artifact);
    FittedTransform fitted = transformer.fitted();
    List<String> outputs = new ArrayList<>();
    fitted.fitted().forEach(step -> outputs.add(step.output()));
    if (label != null && !outputs.remove(label)) {
      throw new IllegalArgumentException(
          "--label " + label + ": the transform has no such output; its outputs are " + outputs);
    }
    ExampleFormat format = ExampleFormat.fromFileName(input.toString());
    LocalSourceFile file = new LocalSourceFile(input);
    ServingSchema.Resolved serving =
        ServingSchema.resolve(
            List.of(file),
            format,
            FormatOptions.defaults(),
            fitted,
            ServingSchema.inputsOf(fitted, outputs),
            allowMissingFeatures);
    FormatReader reader = format.reader(FormatOptions.defaults());
    Path temp = output == null ? null : output.resolveSibling("." + output.getFileName() + ".tmp");
    PrintWriter err = spec.commandLine().getErr();
    if (!serving.missing().isEmpty()) {
      err.println(
          "millrace: "
              + input
              + " lacks "
              + serving.missing()
              + ": filled as the transform fills a missing value (--allow-missing-features)");
    }
    long[] counts = new long[2];
    List<FileDamage> damages = new ArrayList<>();
    try (BufferedWriter out =
        temp == null
            ? new BufferedWriter(spec.commandLine().getOut())
            : Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
      reader.read(
          file,
          serving.schema(),
          new ExampleSink() {
            @Override
            public void accept(Example example) {
              try {
                ObjectNode json = ExampleJson.toJson(transformer.apply(example));
                if (label != null) {
                  json.remove(label);
                }
                out.write(json.toString());
                out.write('\n');
                counts[0]++;
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            }

            @Override
            public void reject(DeadLetter deadLetter) {
              err.println("millrace: skipped " + deadLetter.toJson());
              counts[1]++;
            }

            @Override
            public void damaged(FileDamage damage) {
              damages.add(damage);
            }
          });
    }
    ReadTally tally = new ReadTally(counts[0], counts[1], damages);
    String rejected =
        new BadInputPolicy(1, acceptPartialFiles)
            .violation(tally, output == null ? "standard output" : output.toString());
    if (rejected != null) {
      if (temp != null) {
        Files.deleteIfExists(temp);
      }
      err.println("millrace: " + rejected);
      err.flush();
      return Millrace.EXIT_INPUT_REJECTED;
    }
    if (temp != null) {
      ArtifactDirectory.moveFile(temp, output);
    }
    err.printf(
        "Transformed %,d records; %,d could not be read%s%n",
        counts[0],
        counts[1],
        damages.isEmpty() ? "" : "; " + tally.lostText() + " lost in damaged parts of the input");
    err.flush();
    return counts[1] == 0 ? 0 : Millrace.EXIT_INPUT_REJECTED;
  }

  /** An existing output is replaced only when asked to, and only if it is JSON lines. */
  private void checkReplaceable(Path file) throws IOException {
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!overwrite) {
      throw new IllegalStateException(
          file + " already exists; choose another --output or pass --overwrite");
    }
    if (!isJsonLines(file)) {
      throw new IllegalStateException(
          file
              + " is not JSON lines: --overwrite replaces only the output of transform-apply, so"
              + " nothing was written; choose another --output");
    }
  }

  /** An empty file, or one whose first line is a JSON object, as this command writes. */
  private static boolean isJsonLines(Path file) {
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String first = reader.readLine();
      return first == null || JSON.readTree(first).isObject();
    } catch (IOException e) {
      return false;
    }
  }
}
