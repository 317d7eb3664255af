package io.millrace.cli;

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
import io.millrace.record.ExampleSchema;
import io.millrace.transform.FeatureTransformer;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
          + " alone, in this process, and writes one JSON object of model inputs per record."
    })
final class TransformApplyCommand implements Callable<Integer> {

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
      names = "--accept-partial-files",
      description =
          "Transform the readable records of a damaged (cut-off or corrupt) input file instead of"
              + " failing.")
  boolean acceptPartialFiles;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    FeatureTransformer transformer = FeatureTransformer.load(artifact);
    FormatReader reader =
        ExampleFormat.fromFileName(input.toString()).reader(FormatOptions.defaults());
    LocalSourceFile file = new LocalSourceFile(input);
    ExampleSchema schema = reader.inferSchema(List.of(file));
    Path temp = output == null ? null : output.resolveSibling("." + output.getFileName() + ".tmp");
    PrintWriter err = spec.commandLine().getErr();
    long[] counts = new long[2];
    List<FileDamage> damages = new ArrayList<>();
    try (BufferedWriter out =
        temp == null
            ? new BufferedWriter(spec.commandLine().getOut())
            : Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
      reader.read(
          file,
          schema,
          new ExampleSink() {
            @Override
            public void accept(Example example) {
              try {
                out.write(ExampleJson.toJson(transformer.apply(example)).toString());
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
      Files.move(temp, output, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
    err.printf(
        "Transformed %,d records; %,d could not be read%s%n",
        counts[0],
        counts[1],
        damages.isEmpty() ? "" : "; " + tally.lostText() + " lost in damaged parts of the input");
    err.flush();
    return counts[1] == 0 ? 0 : Millrace.EXIT_INPUT_REJECTED;
  }
}
