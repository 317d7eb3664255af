package io.millrace.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.JsonFormat;
import io.millrace.ingest.DeadLetter;
import io.millrace.ingest.ExampleSink;
import io.millrace.ingest.FileDamage;
import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.InputException;
import io.millrace.ingest.LocalSourceFile;
import io.millrace.ingest.csv.CsvFormatReader;
import io.millrace.ingest.parquet.ParquetFormatReader;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.stats.StatisticsAccumulator;
import io.millrace.stats.StatisticsOptions;
import io.millrace.testing.CollectingSink;
import io.millrace.testing.SharedData;
import io.millrace.tfmd.DatasetFeatureStatistics;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.transforms.io.InputSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatisticsJobTest {
  @TempDir Path dir;
  private final PrintWriter log = new PrintWriter(new StringWriter());

  private static PipelineOptions options() {
    return TestPipeline.testingPipelineOptions();
  }

  private static Path tutorial(String file) {
    return SharedData.path("taxi/tutorial/" + file);
  }

  /** The runner-free statistics of a CSV file, the reference for the pipeline's. */
  private static DatasetFeatureStatisticsList direct(Path csv, StatisticsOptions options)
      throws IOException {
    CollectingSink sink = CollectingSink.read(new CsvFormatReader(FormatOptions.defaults()), csv);
    StatisticsAccumulator acc =
        StatisticsAccumulator.create(sink.examples.get(0).schema(), options);
    sink.examples.forEach(acc::add);
    return acc.toProto();
  }

  @Test
  void splitsGivenAsFilesGetTheStatisticsOfARunnerFreePass() throws IOException {
    Map<String, String> splits = new LinkedHashMap<>();
    splits.put("train", tutorial("train.csv").toString());
    splits.put("eval", tutorial("eval.csv").toString());
    StatisticsOptions options = StatisticsOptions.defaults().withSlice("payment_type");
    StatisticsJob.Result result =
        StatisticsJob.run(
            StatisticsJob.Config.ofInput(InputSpec.ofSplits(splits), dir.resolve("stats"))
                .withOptions(options),
            options(),
            log);

    assertEquals(10_000, result.manifest().splits().get(0).examples());
    assertEquals(0, result.manifest().deadLetterCount());
    DatasetFeatureStatisticsList train =
        DatasetFeatureStatisticsList.parseFrom(
            Files.readAllBytes(dir.resolve("stats/train/stats.pb")));
    DatasetFeatureStatisticsList expected = direct(tutorial("train.csv"), options);
    assertEquals(expected.getDatasetsCount(), train.getDatasetsCount());
    for (int d = 0; d < expected.getDatasetsCount(); d++) {
      assertEquals(expected.getDatasets(d).getName(), train.getDatasets(d).getName());
      assertEquals(expected.getDatasets(d).getNumExamples(), train.getDatasets(d).getNumExamples());
      for (int f = 0; f < expected.getDatasets(d).getFeaturesCount(); f++) {
        var e = expected.getDatasets(d).getFeatures(f);
        var a = train.getDatasets(d).getFeatures(f);
        if (e.hasStringStats()) {
          assertEquals(e.getStringStats(), a.getStringStats(), e.getName());
        } else {
          assertEquals(
              e.getNumStats().getCommonStats(), a.getNumStats().getCommonStats(), e.getName());
          assertEquals(
              e.getNumStats().getMean(),
              a.getNumStats().getMean(),
              1e-9 * Math.abs(e.getNumStats().getMean()));
        }
      }
    }
    // The JSON form is TFMD's proto3 JSON of the same message.
    DatasetFeatureStatisticsList.Builder fromJson = DatasetFeatureStatisticsList.newBuilder();
    JsonFormat.parser()
        .merge(
            Files.readString(dir.resolve("stats/train/stats.json"), StandardCharsets.UTF_8),
            fromJson);
    assertEquals(train, fromJson.build());
    assertEquals(train, StatisticsJob.Result.open(dir.resolve("stats")).statistics().get("train"));
  }

  @Test
  void statisticsOfAnIngestedArtifactCoverEachSplit() throws IOException {
    IngestJob.run(
        IngestJob.Config.of(tutorial("train.csv").toString(), dir.resolve("examples")),
        options(),
        log);
    StatisticsJob.Result result =
        StatisticsJob.run(
            StatisticsJob.Config.ofExamples(dir.resolve("examples"), dir.resolve("stats")),
            options(),
            log);
    long train = result.statistics().get("train").getDatasets(0).getNumExamples();
    long eval = result.statistics().get("eval").getDatasets(0).getNumExamples();
    assertEquals(10_000, train + eval);
    assertTrue(train > eval);
    assertEquals(64, result.manifest().inputFingerprint().length());
  }

  @Test
  void threeMillionParquetRowsInRowGroupRangesGiveTheRunnerFreeStatistics() throws IOException {
    Path flights = SharedData.path("flights/flights-3m.parquet");
    StatisticsJob.Result result =
        StatisticsJob.run(
            StatisticsJob.Config.ofInput(
                InputSpec.of(flights.toString(), null), dir.resolve("flights")),
            options(),
            log);
    DatasetFeatureStatistics stats = result.statistics().get("all").getDatasets(0);
    assertEquals(3_000_000, stats.getNumExamples());

    ParquetFormatReader reader = new ParquetFormatReader(FormatOptions.defaults());
    LocalSourceFile file = new LocalSourceFile(flights);
    ExampleSchema schema = reader.inferSchema(List.of(file));
    StatisticsAccumulator direct =
        StatisticsAccumulator.create(schema, StatisticsOptions.defaults());
    reader.read(
        file,
        schema,
        new ExampleSink() {
          @Override
          public void accept(Example example) {
            direct.add(example);
          }

          @Override
          public void reject(DeadLetter deadLetter) {
            throw new AssertionError(deadLetter.toJson());
          }

          @Override
          public void damaged(FileDamage damage) {
            throw new AssertionError(damage.toString());
          }
        });
    DatasetFeatureStatistics expected = direct.toProto().getDatasets(0);
    for (int f = 0; f < expected.getFeaturesCount(); f++) {
      var e = expected.getFeatures(f);
      var a = stats.getFeatures(f);
      if (e.hasNumStats()) {
        assertEquals(e.getNumStats().getCommonStats(), a.getNumStats().getCommonStats());
        assertEquals(e.getNumStats().getMin(), a.getNumStats().getMin());
        assertEquals(e.getNumStats().getMax(), a.getNumStats().getMax());
        assertEquals(
            e.getNumStats().getMean(),
            a.getNumStats().getMean(),
            1e-9 * Math.abs(e.getNumStats().getMean()));
      } else {
        assertEquals(e.getStringStats(), a.getStringStats(), e.getName());
      }
    }
  }

  @Test
  void deadLettersAreCountedAndTooManyFailTheRun() throws IOException {
    Path csv = dir.resolve("bad.csv");
    Files.writeString(csv, "a,b\n1,x\n2,y\n3\n4,z\n");
    StatisticsJob.Config config =
        StatisticsJob.Config.ofInput(InputSpec.of(csv.toString(), null), dir.resolve("stats"));
    InputException e =
        assertThrows(InputException.class, () -> StatisticsJob.run(config, options(), log));
    assertTrue(e.getMessage().contains("1 of 4 records"), e.getMessage());
    assertTrue(Files.notExists(dir.resolve("stats")));

    StatisticsJob.Result result = StatisticsJob.run(config.withMaxBadFraction(0.5), options(), log);
    assertEquals(4, result.manifest().recordsIn());
    assertEquals(1, result.manifest().deadLetterCount());
    assertEquals(3, result.statistics().get("all").getDatasets(0).getNumExamples());
  }
}
