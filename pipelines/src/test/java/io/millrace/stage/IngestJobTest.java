package io.millrace.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.examples.ExamplesManifest;
import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.InputException;
import io.millrace.ingest.RejectedInput;
import io.millrace.ingest.csv.CsvFormatReader;
import io.millrace.record.Example;
import io.millrace.split.Splits;
import io.millrace.testing.CollectingSink;
import io.millrace.testing.SharedData;
import io.millrace.transforms.io.ExamplesArtifact;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestJobTest {
  @TempDir Path dir;
  private final PrintWriter log = new PrintWriter(new StringWriter());

  private static PipelineOptions options() {
    return TestPipeline.testingPipelineOptions();
  }

  /** Every example of a split, read back from its Avro files, counted by value. */
  private static Map<Example, Integer> readSplit(Path artifact, String split) throws IOException {
    ExamplesArtifact examples = ExamplesArtifact.open(artifact);
    for (Path file : examples.files(split)) {
      assertTrue(
          file.getFileName().toString().matches("part-\\d{5}-of-\\d{5}\\.avro"), file.toString());
    }
    Map<Example, Integer> counts = new HashMap<>();
    examples.forEach(split, e -> counts.merge(e, 1, Integer::sum));
    return counts;
  }

  @Test
  void ingestsTaxiIntoSplitsThatHoldEveryRecordOnceAndSameEachRun() throws IOException {
    Path train = SharedData.path("taxi/tutorial/train.csv");
    ExamplesManifest manifest =
        IngestJob.run(IngestJob.Config.of(train.toString(), dir.resolve("a")), options(), log);

    assertEquals(10_000, manifest.recordsIn());
    assertEquals(0, manifest.deadLetterCount());
    assertEquals(
        List.of("train", "eval"),
        manifest.splits().stream().map(ExamplesManifest.Split::name).toList());
    long trainCount = manifest.split("train").count();
    long evalCount = manifest.split("eval").count();
    assertEquals(10_000, trainCount + evalCount);
    assertEquals(2.0, (double) trainCount / evalCount, 0.15);
    assertEquals("CSV", manifest.input().format());
    ExamplesManifest.InputFile file = manifest.input().groups().get(0).files().get(0);
    assertEquals(train.toString(), file.path());
    assertEquals(Files.size(train), file.sizeBytes());
    assertEquals(64, manifest.input().fingerprint().length());
    assertEquals(manifest, ExamplesManifest.read(dir.resolve("a")));

    // The splits together are exactly the records the CSV reader reads.
    Map<Example, Integer> trainExamples = readSplit(dir.resolve("a"), "train");
    Map<Example, Integer> evalExamples = readSplit(dir.resolve("a"), "eval");
    assertEquals(trainCount, trainExamples.values().stream().mapToInt(Integer::intValue).sum());
    Map<Example, Integer> both = new HashMap<>(trainExamples);
    evalExamples.forEach((e, n) -> both.merge(e, n, Integer::sum));
    CollectingSink direct =
        CollectingSink.read(new CsvFormatReader(FormatOptions.defaults()), train);
    Map<Example, Integer> expected = new HashMap<>();
    direct.examples.forEach(e -> expected.merge(e, 1, Integer::sum));
    assertEquals(expected, both);

    // A second run splits identically; no staging directories are left behind.
    IngestJob.run(IngestJob.Config.of(train.toString(), dir.resolve("b")), options(), log);
    assertEquals(trainExamples, readSplit(dir.resolve("b"), "train"));
    try (Stream<Path> left = Files.list(dir)) {
      assertEquals(List.of("a", "b"), left.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  @Test
  void tooManyBadRecordsCommitNothingAndKeepOnlyTheDeadLettersForInspection() throws IOException {
    StringBuilder csv = new StringBuilder("id,value\n");
    for (int i = 0; i < 100; i++) {
      csv.append(i).append(',').append(i % 10 == 0 ? "oops" : String.valueOf(i * 0.5)).append('\n');
    }
    Files.writeString(dir.resolve("in.csv"), csv);
    IngestJob.Config config =
        IngestJob.Config.of(dir.resolve("in.csv").toString(), dir.resolve("out"))
            .withFormatOptions(
                FormatOptions.defaults()
                    .withFeatureTypes(Map.of("value", io.millrace.record.FeatureType.FLOAT)));

    InputException e =
        assertThrows(InputException.class, () -> IngestJob.run(config, options(), log));
    assertTrue(e.getMessage().contains("10 of 100 records"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("out")));
    // Only the dead letters and the report are kept, in a visible place the message names; the
    // staged examples are gone.
    Path rejected = dir.resolve("out" + RejectedInput.SUFFIX);
    Path deadLetters = rejected.resolve(IngestJob.DEAD_LETTER_DIR);
    assertTrue(e.getMessage().contains("are in " + deadLetters), e.getMessage());
    assertTrue(e.getMessage().contains(rejected.resolve(RejectedInput.REPORT).toString()));
    try (Stream<Path> left = Files.list(dir)) {
      assertEquals(
          List.of("in.csv", "out.rejected"),
          left.map(p -> p.getFileName().toString()).sorted().toList());
    }
    try (Stream<Path> kept = Files.list(rejected)) {
      assertEquals(
          List.of(IngestJob.DEAD_LETTER_DIR, RejectedInput.REPORT),
          kept.map(p -> p.getFileName().toString()).sorted().toList());
    }
    JsonNode report = new ObjectMapper().readTree(rejected.resolve(RejectedInput.REPORT).toFile());
    assertEquals(RejectedInput.LAYOUT, report.get("layout").asText());
    assertEquals(100, report.get("recordsIn").asLong());
    assertEquals(10, report.get("deadLetterCount").asLong());
    assertEquals(dir.resolve("out").toString(), report.get("notWritten").asText());
    List<JsonNode> letters = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    try (Stream<Path> files = Files.list(deadLetters)) {
      for (Path f : files.toList()) {
        for (String line : Files.readAllLines(f)) {
          letters.add(json.readTree(line));
        }
      }
    }
    assertEquals(10, letters.size());
    JsonNode first =
        letters.stream().filter(l -> l.get("record").asLong() == 2).findFirst().orElseThrow();
    assertEquals(dir.resolve("in.csv").toString(), first.get("source").asText());
    assertEquals("value", first.get("field").asText());
    assertEquals("0,oops", first.get("raw").asText());

    // A second rejected run replaces the report it recognises as its own.
    assertThrows(InputException.class, () -> IngestJob.run(config, options(), log));
    try (Stream<Path> left = Files.list(dir)) {
      assertEquals(
          List.of("in.csv", "out.rejected"),
          left.map(p -> p.getFileName().toString()).sorted().toList());
    }

    // Allowed bad records are committed with the artifact, and the counts reconcile.
    ExamplesManifest manifest = IngestJob.run(config.withMaxBadFraction(0.2), options(), log);
    assertEquals(100, manifest.recordsIn());
    assertEquals(10, manifest.deadLetterCount());
    assertEquals(90, manifest.splits().stream().mapToLong(ExamplesManifest.Split::count).sum());
    assertTrue(Files.exists(dir.resolve("out").resolve(IngestJob.DEAD_LETTER_DIR)));
  }

  @Test
  void aRejectedRunNeverReplacesSomethingElseNamedLikeItsReport() throws IOException {
    Files.writeString(dir.resolve("in.csv"), "id,value\n1,x\n2,y\n");
    Path users = Files.createDirectories(dir.resolve("out" + RejectedInput.SUFFIX));
    Files.writeString(users.resolve("notes.txt"), "mine");
    IngestJob.Config config =
        IngestJob.Config.of(dir.resolve("in.csv").toString(), dir.resolve("out"))
            .withFormatOptions(
                FormatOptions.defaults()
                    .withFeatureTypes(Map.of("value", io.millrace.record.FeatureType.INT)));

    InputException e =
        assertThrows(InputException.class, () -> IngestJob.run(config, options(), log));

    assertEquals("mine", Files.readString(users.resolve("notes.txt")));
    try (Stream<Path> inside = Files.list(users)) {
      assertEquals(1, inside.count());
    }
    Path elsewhere;
    try (Stream<Path> left = Files.list(dir)) {
      elsewhere =
          left.filter(p -> p.getFileName().toString().startsWith("out.rejected-"))
              .findFirst()
              .orElseThrow();
    }
    assertTrue(e.getMessage().contains(elsewhere.toString()), e.getMessage());
    assertTrue(Files.exists(elsewhere.resolve(RejectedInput.REPORT)));
  }

  @Test
  void ingestsThreeMillionParquetRowsReadInRowGroupRanges() throws IOException {
    Path flights = SharedData.path("flights/flights-3m.parquet");
    ExamplesManifest manifest =
        IngestJob.run(
            IngestJob.Config.of(flights.toString(), dir.resolve("flights")), options(), log);
    assertEquals("PARQUET", manifest.input().format());
    assertEquals(3_000_000, manifest.recordsIn());
    assertEquals(0, manifest.deadLetterCount());
    assertEquals(
        3_000_000, manifest.splits().stream().mapToLong(ExamplesManifest.Split::count).sum());
    // Row-group ranges are read by separate bundles, each writing its own shard.
    assertTrue(ExamplesArtifact.open(dir.resolve("flights")).files("train").size() > 1);
  }

  @Test
  void splitsMayBeGivenAsTheirOwnInputs() throws IOException {
    Path train = SharedData.path("taxi/tutorial/train.csv");
    Path eval = SharedData.path("taxi/tutorial/eval.csv");
    ExamplesManifest manifest =
        IngestJob.run(
            IngestJob.Config.ofSplits(
                Map.of("train", train.toString(), "eval", eval.toString()), dir.resolve("out")),
            options(),
            log);
    assertEquals(10_000, manifest.split("train").count());
    assertEquals(5_000, manifest.split("eval").count());
    assertNull(manifest.split("train").buckets());
    assertEquals(2, manifest.input().groups().size());
  }

  @Test
  void refusesToReplaceAnArtifactUnlessTold() throws IOException {
    Path train = SharedData.path("taxi/tutorial/train.csv");
    IngestJob.Config config =
        IngestJob.Config.of(train.toString(), dir.resolve("out")).withSplits(Splits.parse("all=1"));
    IngestJob.run(config, options(), log);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> IngestJob.run(config, options(), log));
    assertTrue(e.getMessage().contains("--overwrite"), e.getMessage());
    assertEquals(
        10_000, IngestJob.run(config.withOverwrite(true), options(), log).split("all").count());
  }
}
