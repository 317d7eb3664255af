package io.millrace.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.ingest.FormatOptions;
import io.millrace.record.Example;
import io.millrace.split.Splits;
import io.millrace.stats.StatisticsFiles;
import io.millrace.stats.StatisticsOptions;
import io.millrace.testing.ExampleShards;
import io.millrace.testing.SharedData;
import io.millrace.tfmd.Anomalies;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.tfmd.Schema;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.TransformSpec;
import io.millrace.transforms.AnalyzeTransform;
import io.millrace.transforms.ApplyTransform;
import io.millrace.transforms.GenerateStatistics;
import io.millrace.transforms.InferSchema;
import io.millrace.transforms.ReadExamples;
import io.millrace.transforms.SplitExamples;
import io.millrace.transforms.ValidateStatistics;
import io.millrace.transforms.WriteExamples;
import io.millrace.transforms.WriteStatistics;
import io.millrace.transforms.io.ExamplesArtifact;
import io.millrace.validate.AnomaliesArtifact;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One implementation per stage: a user's own Beam pipeline, built from the public transforms alone
 * (read, split, statistics per split, a schema inferred from the training split, validation against
 * it, analyze, apply with the fitted transform as a side input, write), gives the same statistics,
 * anomalies and transformed examples as {@code millrace run} of the penguins example on the same
 * data.
 */
class UserPipelineTest {
  private static final Path EXAMPLE = Path.of("..", "examples", "penguins").toAbsolutePath();

  @TempDir Path dir;

  @Test
  void aUsersPipelineOfThePublicTransformsGivesWhatMillraceRunGives() throws IOException {
    RunResult run =
        PipelineRunner.of(PipelineYaml.read(EXAMPLE.resolve("pipeline.yaml")).withRoot(dir))
            .withPipelineOptions(job -> TestPipeline.testingPipelineOptions())
            .run(new PrintWriter(new StringWriter()));
    assertNotEquals(RunResult.Status.BLOCKED, run.status(), run.message());
    Path statistics = run.stage(PipelineRunner.STATISTICS).outputs().get("statistics");
    Path anomalies = run.stage(PipelineRunner.VALIDATION).outputs().get("anomalies");
    Path transformed = run.stage(PipelineRunner.TRANSFORM).outputs().get("transformed");

    Path user = dir.resolve("user");
    runTheUsersPipeline(user);

    List<String> splits = List.of("train", "eval");
    assertEquals(Set.copyOf(splits), StatisticsJobSplits.of(statistics));
    ExamplesArtifact millraceExamples = ExamplesArtifact.open(transformed);
    for (String split : splits) {
      DatasetFeatureStatisticsList expected = StatisticsFiles.read(statistics.resolve(split));
      assertEquals(
          expected, StatisticsFiles.read(user.resolve("statistics").resolve(split)), split);

      Anomalies found =
          Anomalies.parseFrom(
              Files.readAllBytes(anomalies.resolve(split).resolve(AnomaliesArtifact.ANOMALIES)));
      assertEquals(
          found,
          Anomalies.parseFrom(Files.readAllBytes(user.resolve("anomalies").resolve(split + ".pb"))),
          split);

      List<Example> millrace = new ArrayList<>();
      millraceExamples.forEach(split, millrace::add);
      List<Example> users =
          ExampleShards.read(user.resolve("transformed").resolve(split), millraceExamples.schema());
      assertEquals(expected.getDatasets(0).getNumExamples(), millrace.size(), split);
      assertEquals(counts(millrace), counts(users), split);
    }
  }

  /** The user's pipeline: the settings of examples/penguins/pipeline.yaml, spelled out. */
  private void runTheUsersPipeline(Path out) throws IOException {
    TransformSpec spec = TransformSpec.read(EXAMPLE.resolve("transform.json"));
    Pipeline pipeline = Pipeline.create(TestPipeline.testingPipelineOptions());
    ReadExamples.Result read =
        pipeline.apply(
            ReadExamples.from(SharedData.path("penguins/penguins.csv").toString())
                .withFormatOptions(FormatOptions.defaults().withMissingValues(Set.of("NA"))));
    Splits splits = Splits.parse("train=2,eval=1");
    PCollectionList<Example> bySplit = read.examples().apply(SplitExamples.into(splits));
    PCollection<Example> train = bySplit.get(splits.names().indexOf("train"));

    StatisticsOptions options =
        StatisticsOptions.defaults().withSlice("species").withSlice("island");
    PCollection<Schema> schema =
        train
            .apply("TrainStatistics", GenerateStatistics.create().withOptions(options))
            .apply(InferSchema.create());
    PCollection<FittedTransform> fitted = train.apply(AnalyzeTransform.of(spec));

    for (String split : splits.names()) {
      PCollection<Example> examples = bySplit.get(splits.names().indexOf(split));
      PCollection<DatasetFeatureStatisticsList> stats =
          examples.apply("Statistics-" + split, GenerateStatistics.create().withOptions(options));
      stats
          .apply(
              "Key-" + split,
              WithKeys.<String, DatasetFeatureStatisticsList>of(split)
                  .withKeyType(TypeDescriptors.strings()))
          .apply("WriteStatistics-" + split, WriteStatistics.to(out.resolve("statistics")));
      stats
          .apply("Validate-" + split, ValidateStatistics.against(schema))
          .apply(
              "WriteAnomalies-" + split,
              ParDo.of(new WriteBytesFn(out.resolve("anomalies").resolve(split + ".pb"))));
      examples
          .apply("Transform-" + split, ApplyTransform.of(spec, fitted))
          .apply(
              "WriteTransformed-" + split,
              WriteExamples.to(out.resolve("transformed").resolve(split)));
    }
    assertEquals(PipelineResult.State.DONE, pipeline.run().waitUntilFinish());
  }

  /** Writes a protobuf message's bytes to a file: the user's own sink. */
  private static final class WriteBytesFn extends DoFn<Anomalies, Void> {
    private static final long serialVersionUID = 1L;
    private final String file;

    WriteBytesFn(Path file) {
      this.file = file.toString();
    }

    @ProcessElement
    public void process(@Element Anomalies anomalies) throws IOException {
      Path path = Path.of(file);
      Files.createDirectories(path.getParent());
      Files.write(path, anomalies.toByteArray());
    }
  }

  /** The records as a multiset. */
  private static Map<Example, Integer> counts(List<Example> examples) {
    Map<Example, Integer> counts = new HashMap<>();
    examples.forEach(e -> counts.merge(e, 1, Integer::sum));
    assertTrue(!counts.isEmpty());
    return counts;
  }

  /** The splits a statistics artifact has. */
  private static final class StatisticsJobSplits {
    static Set<String> of(Path statistics) throws IOException {
      return io.millrace.stage.StatisticsJob.Result.open(statistics).statistics().keySet();
    }
  }
}
