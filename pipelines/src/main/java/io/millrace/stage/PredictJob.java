package io.millrace.stage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.ArtifactKind;
import io.millrace.examples.ExampleJson;
import io.millrace.ingest.BadInputPolicy;
import io.millrace.ingest.DeadLetter;
import io.millrace.ingest.ExampleFormat;
import io.millrace.ingest.FileDamage;
import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.InputException;
import io.millrace.ingest.ReadTally;
import io.millrace.model.ModelArtifact;
import io.millrace.model.Predict;
import io.millrace.record.Example;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.ServingSchema;
import io.millrace.transforms.ReadExamples;
import io.millrace.transforms.io.CommitShards;
import io.millrace.transforms.io.InputPattern;
import io.millrace.transforms.io.ResolvedInput;
import io.millrace.transforms.io.ShardCounts;
import io.millrace.transforms.io.Storage;
import io.millrace.transforms.io.WriteShards;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Batch inference as a job: raw records matching a pattern, scored by {@link Predict} with a model
 * artifact (a registry version or a training output), written atomically as JSON lines:
 *
 * <pre>
 * DIR/predictions/part-*.jsonl   each record's features plus the prediction features
 * DIR/dead-letter/part-*.jsonl   records that could not be read, with file, record and reason
 * DIR/summary.json               model, counts (records in = predicted + dead letters + lost),
 *                                features the input lacked (when allowed), damaged input files,
 *                                speed
 * </pre>
 *
 * <p>A damaged (cut-off or corrupt) input file fails the job, writing nothing, unless the policy
 * accepts partial files.
 */
public final class PredictJob {
  public static final String PREDICTIONS = "predictions";
  public static final String DEAD_LETTER = "dead-letter";
  public static final String SUMMARY = "summary.json";
  private static final String COUNTS = ".counts";
  private static final String DAMAGES = ".damaged-files";

  /** What {@code --overwrite} of a prediction output may replace. */
  public static final ArtifactKind KIND =
      ArtifactKind.withEntries("a prediction output", SUMMARY, PREDICTIONS);

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private PredictJob() {}

  /** What was written. */
  public record Summary(
      String model,
      String modelFingerprint,
      String input,
      long recordsIn,
      long predicted,
      long deadLetters,
      List<String> missingFeatures,
      double seconds,
      String createdAt,
      long recordsLost,
      List<FileDamage> damagedFiles) {}

  /**
   * Scores the records matching {@code inputPattern}, read with the types of the model's transform
   * (see {@link ServingSchema}).
   *
   * @param allowMissingFeatures score files lacking a feature the model needs, filling it as the
   *     transform fills a missing value (the summary names it); otherwise such a file is refused
   * @param policy when to fail, writing nothing: more records than its fraction are dead letters or
   *     lost, or an input file is damaged and partial files are not accepted
   * @throws InputException when a needed feature is absent or of another type, an input file is
   *     damaged, or too many records are bad
   */
  public static Summary run(
      String inputPattern,
      FormatOptions formatOptions,
      boolean allowMissingFeatures,
      BadInputPolicy policy,
      Path model,
      Path output,
      boolean overwrite,
      PipelineOptions options)
      throws IOException {
    ModelArtifact artifact = ModelArtifact.read(model);
    FittedTransform transform = artifact.transform();
    List<String> modelInputs = new ArrayList<>(artifact.info().inputs().denseFeatures());
    modelInputs.addAll(artifact.info().inputs().idColumns());
    ResolvedInput input = InputPattern.of(inputPattern).resolve();
    ExampleFormat format = ExampleFormat.fromFileName(input.files().get(0).resourceId().toString());
    ServingSchema.Resolved serving =
        ServingSchema.resolve(
            input.sourceFiles(),
            format,
            formatOptions,
            transform,
            ServingSchema.inputsOf(transform, modelInputs),
            allowMissingFeatures);
    ArtifactDirectory out = ArtifactDirectory.begin(output, overwrite, KIND);
    try {
      Path staging = out.staging();
      Pipeline pipeline = Storage.newPipeline(options);
      ReadExamples.Result read =
          pipeline.apply(
              "ReadRecords",
              ReadExamples.from(input)
                  .withFormat(format)
                  .withFormatOptions(formatOptions)
                  .withSchema(serving.schema()));
      PCollection<CommitShards.Written> predictions =
          writeJsonLines(
              read.examples().apply("Predict", Predict.with(model)),
              "Predictions",
              (Example e) -> ExampleJson.toJson(e).toString(),
              staging.resolve(PREDICTIONS));
      PCollection<CommitShards.Written> deadLetters =
          writeJsonLines(
              read.deadLetters(), "DeadLetters", DeadLetter::toJson, staging.resolve(DEAD_LETTER));
      PCollection<CommitShards.Written> damages =
          writeJsonLines(read.damages(), "Damages", FileDamage::toJson, staging.resolve(DAMAGES));
      PCollectionList.of(predictions)
          .and(deadLetters)
          .and(damages)
          .apply("AllShards", Flatten.pCollections())
          .apply("Counts", ShardCounts.writeTo(staging.resolve(COUNTS)));
      long start = System.nanoTime();
      PipelineResult.State state = pipeline.run().waitUntilFinish();
      double seconds = (System.nanoTime() - start) / 1e9;
      if (state != PipelineResult.State.DONE) {
        throw new IOException("the prediction job ended " + state);
      }
      Map<String, Long> counts = ShardCounts.read(staging.resolve(COUNTS));
      long predicted = counts.getOrDefault(PREDICTIONS, 0L);
      long dead = counts.getOrDefault(DEAD_LETTER, 0L);
      ArtifactDirectory.deleteRecursively(staging.resolve(COUNTS));
      List<FileDamage> damaged = ReadTally.readDamages(staging.resolve(DAMAGES));
      ArtifactDirectory.deleteRecursively(staging.resolve(DAMAGES));
      ReadTally tally = new ReadTally(predicted, dead, damaged);
      String rejected = policy.violation(tally, output.toString());
      if (rejected != null) {
        String first = firstDeadLetters(staging.resolve(DEAD_LETTER), 5);
        throw new InputException(rejected + (first.isEmpty() ? "" : " The first: " + first));
      }
      Summary summary =
          new Summary(
              model.toAbsolutePath().normalize().toString(),
              artifact.fingerprint(),
              inputPattern,
              tally.recordsIn(),
              predicted,
              dead,
              serving.missing(),
              seconds,
              Instant.now().toString(),
              tally.recordsLost(),
              damaged);
      ObjectNode json = JSON.valueToTree(summary);
      ArtifactDirectory.writeAtomically(staging.resolve(SUMMARY), JSON.writeValueAsBytes(json));
      out.commit();
      return summary;
    } catch (IOException | RuntimeException e) {
      out.abandon();
      throw e;
    }
  }

  /** Up to {@code limit} dead letters (JSON lines) from the shards in a directory. */
  private static String firstDeadLetters(Path directory, int limit) throws IOException {
    List<String> first = new ArrayList<>();
    if (Files.isDirectory(directory)) {
      try (Stream<Path> shards = Files.list(directory)) {
        for (Path shard : shards.sorted().toList()) {
          try (Stream<String> lines = Files.lines(shard)) {
            lines.limit(limit - first.size()).forEach(first::add);
          }
          if (first.size() >= limit) {
            break;
          }
        }
      }
    }
    return String.join("\n", first);
  }

  /** Writes each element as one JSON line into the shards of a directory. */
  private static <T> PCollection<CommitShards.Written> writeJsonLines(
      PCollection<T> elements,
      String name,
      SerializableFunction<T, String> toJson,
      Path directory) {
    return elements
        .apply(name + "ToJson", MapElements.into(TypeDescriptors.strings()).via(toJson))
        .setCoder(StringUtf8Coder.of())
        .apply("Write" + name, WriteShards.to(directory.toString(), ".jsonl", TextIO.sink()));
  }
}
