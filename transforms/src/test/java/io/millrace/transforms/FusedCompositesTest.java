package io.millrace.transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.TextFormat;
import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.LocalSourceFile;
import io.millrace.record.Example;
import io.millrace.split.Splits;
import io.millrace.stats.StatisticsAccumulation;
import io.millrace.stats.StatisticsFiles;
import io.millrace.stats.StatisticsOptions;
import io.millrace.testing.CollectingSink;
import io.millrace.testing.ExampleShards;
import io.millrace.testing.ProtoAssert;
import io.millrace.testing.SharedData;
import io.millrace.testing.TestPipelineExtension;
import io.millrace.tfmd.Schema;
import io.millrace.transform.FeatureTransformer;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.TransformAnalyzer;
import io.millrace.transform.TransformSpec;
import io.millrace.transforms.io.CommitShards;
import io.millrace.transforms.io.ExampleFiles;
import io.millrace.transforms.io.InputSpec;
import io.millrace.validate.ExampleValidator;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fused composites the stages run, on the real penguins records plus one bad row: each gives
 * what its unfused steps give, computed here without a runner.
 */
@ExtendWith(TestPipelineExtension.class)
class FusedCompositesTest {
  private static final FormatOptions NA = FormatOptions.defaults().withMissingValues(Set.of("NA"));
  private static final String BAD_ROW = "Gentoo,Biscoe,45.1,cut-short\n";

  @TempDir Path dir;

  /** The penguins CSV and a bad row: 344 examples and 1 dead letter. */
  private Path penguinsWithABadRow() throws IOException {
    Path csv = dir.resolve("in").resolve("penguins.csv");
    Files.createDirectories(csv.getParent());
    Files.copy(SharedData.path("penguins/penguins.csv"), csv);
    Files.writeString(csv, BAD_ROW, java.nio.file.StandardOpenOption.APPEND);
    return csv;
  }

  /** The records of each split, read and split without a runner. */
  private static Map<String, List<Example>> bySplit(Path csv, ExampleFiles files) {
    CollectingSink sink = new CollectingSink();
    files.reader().read(new LocalSourceFile(csv), files.schema(), sink);
    assertEquals(1, sink.deadLetters.size());
    Splits.Assigner assigner = files.splits().assigner(files.schema());
    Map<String, List<Example>> bySplit = new HashMap<>();
    files.splitNames().forEach(name -> bySplit.put(name, new ArrayList<>()));
    for (Example e : sink.examples) {
      bySplit.get(files.splitNames().get(assigner.assign(e))).add(e);
    }
    return bySplit;
  }

  private static long lines(Path directory) throws IOException {
    long n = 0;
    try (DirectoryStream<Path> shards = Files.newDirectoryStream(directory, "part-*.jsonl")) {
      for (Path shard : shards) {
        n += Files.readAllLines(shard).size();
      }
    }
    return n;
  }

  private static Map<String, Long> records(Iterable<CommitShards.Written> written) {
    Map<String, Long> records = new HashMap<>();
    written.forEach(w -> records.put(Path.of(w.directory()).getFileName().toString(), w.records()));
    return records;
  }

  @Test
  void ingestWritesEachRecordIntoTheShardsOfItsSplitAndBadRowsIntoDeadLetters(TestPipeline pipeline)
      throws IOException {
    Path csv = penguinsWithABadRow();
    ExampleFiles files =
        ExampleFiles.of(
            InputSpec.of(csv.toString(), Splits.trainEval()).withFormatOptions(NA).resolve("all"));
    Map<String, List<Example>> expected = bySplit(csv, files);
    Path out = dir.resolve("out");
    PCollection<CommitShards.Written> written = pipeline.apply(IngestExamples.from(files).to(out));
    long train = expected.get("train").size();
    long eval = expected.get("eval").size();
    PAssert.that(written)
        .satisfies(
            w -> {
              assertEquals(
                  Map.of("train", train, "eval", eval, "dead-letter", 1L, ".damaged-files", 0L),
                  records(w));
              return null;
            });
    pipeline.run().waitUntilFinish();

    for (String split : List.of("train", "eval")) {
      List<Example> actual = ExampleShards.read(out.resolve(split), files.schema());
      assertEquals(expected.get(split).size(), actual.size(), split);
      assertEquals(Set.copyOf(expected.get(split)), Set.copyOf(actual), split);
    }
    assertEquals(1, lines(out.resolve("dead-letter")));
    assertTrue(
        Files.readString(Files.list(out.resolve("dead-letter")).findFirst().orElseThrow())
            .contains("cut-short"));
  }

  @Test
  void statisticsFromFilesAreEachSplitsStatisticsWithBadRowsAndBadExamplesWritten(
      TestPipeline pipeline) throws IOException {
    Path csv = penguinsWithABadRow();
    ExampleFiles files =
        ExampleFiles.of(
            InputSpec.of(csv.toString(), Splits.trainEval()).withFormatOptions(NA).resolve("all"));
    Map<String, List<Example>> expected = bySplit(csv, files);
    StatisticsOptions options = StatisticsOptions.defaults().withSlice("island");
    // Every penguin must have a sex: the records where it is NA violate the schema.
    Schema schema =
        TextFormat.parse(
            "feature { name: \"sex\" type: BYTES presence { min_fraction: 1.0 min_count: 1 } }",
            Schema.class);
    ExampleValidator validator = ExampleValidator.of(schema, files.schema(), null);
    long violating =
        expected.values().stream()
            .flatMap(List::stream)
            .filter(e -> !validator.violations(e).isEmpty())
            .count();
    assertTrue(violating > 0);
    Path out = dir.resolve("stats");
    GenerateStatistics.FromFiles.Result result =
        pipeline.apply(
            GenerateStatistics.fromFiles(files)
                .withOptions(options)
                .withRecordValidation(validator)
                .writingBadRecordsTo(out));
    result.statistics().apply(WriteStatistics.to(out));
    PAssert.that(result.badRecords())
        .satisfies(
            w -> {
              assertEquals(
                  Map.of("dead-letter", 1L, ".damaged-files", 0L, "bad-examples", violating),
                  records(w));
              return null;
            });
    pipeline.run().waitUntilFinish();

    StatisticsAccumulation accumulation = new StatisticsAccumulation(files.schema(), options);
    for (String split : List.of("train", "eval")) {
      var state = accumulation.create();
      expected.get(split).forEach(e -> accumulation.add(state, e));
      ProtoAssert.assertEqualsWithin(
          accumulation.extract(state), StatisticsFiles.read(out.resolve(split)), 1e-12);
    }
    assertEquals(violating, lines(out.resolve("bad-examples")));
  }

  @Test
  void aTransformFittedOnFilesIsMaterializedInTheSamePipelineAsASideInput(TestPipeline pipeline)
      throws IOException {
    Path csv = SharedData.path("penguins/penguins.csv");
    ExampleFiles files = trainingSplit(csv);
    TransformSpec spec = penguinsTransform();
    Path out = dir.resolve("transformed");
    PCollection<FittedTransform> fitted = pipeline.apply(AnalyzeTransform.fromFiles(spec, files));
    pipeline.apply(MaterializeTransform.of(spec, fitted).from(files).to(out));
    pipeline.run().waitUntilFinish();

    CollectingSink sink = new CollectingSink();
    files.reader().read(new LocalSourceFile(csv), files.schema(), sink);
    TransformAnalyzer analyzer = TransformAnalyzer.create(spec, files.schema());
    sink.examples.forEach(analyzer::add);
    FeatureTransformer runtime = analyzer.fit("").transformer();
    List<String> expected = new ArrayList<>();
    sink.examples.forEach(e -> expected.add(rounded(runtime.apply(e))));
    List<String> actual = new ArrayList<>();
    ExampleShards.read(out.resolve("train"), spec.outputSchema(files.schema()))
        .forEach(e -> actual.add(rounded(e)));
    expected.sort(null);
    actual.sort(null);
    assertEquals(expected, actual);
  }

  @Test
  void analyzingFilesWithABadRecordFailsTheRunNamingTheFile() throws IOException {
    Path csv = penguinsWithABadRow();
    ExampleFiles files = trainingSplit(csv);
    TransformSpec spec = penguinsTransform();
    Pipeline pipeline = Pipeline.create(TestPipeline.testingPipelineOptions());
    pipeline.apply(AnalyzeTransform.fromFiles(spec, files));
    Pipeline.PipelineExecutionException e =
        assertThrows(Pipeline.PipelineExecutionException.class, () -> pipeline.run());
    assertTrue(e.getCause().getMessage().contains(csv.toString()), e.getCause().getMessage());
    assertTrue(e.getCause().getMessage().contains("cut-short"), e.getCause().getMessage());
  }

  /** One CSV file as the training split. */
  private static ExampleFiles trainingSplit(Path csv) throws IOException {
    return ExampleFiles.of(
        InputSpec.ofSplits(Map.of("train", csv.toString())).withFormatOptions(NA).resolve("all"));
  }

  private static TransformSpec penguinsTransform() throws IOException {
    return TransformSpec.read(Path.of("..", "examples", "penguins", "transform.json"));
  }

  /**
   * A transformed record as text, numbers to 9 significant digits: z-scores of the same records
   * differ in their last bits when the runner sums them in another order.
   */
  private static String rounded(Example e) {
    StringBuilder text = new StringBuilder();
    for (int f = 0; f < e.schema().size(); f++) {
      Object v = e.rawValues(f);
      text.append(e.schema().name(f)).append('=');
      if (v instanceof double[] d) {
        for (double x : d) {
          text.append(String.format("%.9g ", x));
        }
      } else if (v instanceof long[] l) {
        text.append(java.util.Arrays.toString(l));
      } else {
        text.append(v);
      }
      text.append(';');
    }
    return text.toString();
  }
}
