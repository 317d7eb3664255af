package io.millrace.cli;

import static io.millrace.cli.MillraceCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.cli.MillraceCliTest.Run;
import io.millrace.examples.ExamplesManifest;
import io.millrace.ingest.FileDamage;
import io.millrace.ingest.RejectedInput;
import io.millrace.testing.DamagedFiles;
import io.millrace.testing.SharedData;
import io.millrace.transforms.io.ExamplesArtifact;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged files of every format through the real command line: a file cut in half or corrupt in the
 * middle fails ingest, stats and validate with exit 3 and nothing written, unless partial files are
 * accepted; then the records lost are counted and still count toward --max-bad-fraction.
 */
class DamagedInputCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private Run ingest(Path input, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "ingest",
                "--input",
                input.toString(),
                "--output",
                dir.resolve("out").toString(),
                "--splits",
                "all=1"));
    args.addAll(List.of(extra));
    return run(args.toArray(String[]::new));
  }

  /** Exit 3, nothing written, the message naming the file and the way to accept it. */
  private void assertRejected(Run run, Path damaged, String why) throws IOException {
    assertEquals(Millrace.EXIT_INPUT_REJECTED, run.exit(), run.out() + run.err());
    assertTrue(run.err().contains("1 input file is damaged"), run.err());
    assertTrue(run.err().contains(damaged.toString()), run.err());
    assertTrue(run.err().contains(why), run.err());
    assertTrue(run.err().contains("--accept-partial-files"), run.err());
    assertFalse(Files.exists(dir.resolve("out")), "nothing committed");
    try (Stream<Path> left = Files.list(dir)) {
      assertTrue(
          left.noneMatch(p -> p.getFileName().toString().startsWith(".out.staging")),
          "no hidden staging copy is left");
    }
    assertTrue(
        Files.exists(dir.resolve("out" + RejectedInput.SUFFIX + "/" + RejectedInput.REPORT)));
  }

  /** Accepted: committed, the lost records in the manifest and the counts reconciled. */
  private ExamplesManifest assertAcceptedWithLoss(Run run, Path damaged) throws IOException {
    assertEquals(0, run.exit(), run.out() + run.err());
    ExamplesManifest manifest = ExamplesArtifact.open(dir.resolve("out")).manifest();
    assertEquals(1, manifest.damagedFiles().size());
    FileDamage damage = manifest.damagedFiles().get(0);
    assertEquals(damaged.toString(), damage.source());
    assertTrue(manifest.recordsLost() >= 1);
    assertEquals(
        manifest.recordsIn(),
        manifest.split("all").count() + manifest.deadLetterCount() + manifest.recordsLost());
    assertTrue(run.out().contains("lost"), run.out());
    return manifest;
  }

  @Test
  void aGzipCsvCutInHalf() throws IOException {
    Path gz = DamagedFiles.gzip(SharedData.path(DamagedFiles.TAXI_CSV), dir.resolve("taxi.csv.gz"));
    Path cut = DamagedFiles.cutInHalf(gz, dir.resolve("cut.csv.gz"));
    assertRejected(ingest(cut), cut, "the GZIP stream is cut short");
    assertAcceptedWithLoss(ingest(cut, "--accept-partial-files"), cut);
  }

  @Test
  void aTfRecordFileWrittenByTfxCutInHalf() throws IOException {
    Path cut =
        DamagedFiles.cutInHalf(
            SharedData.path("taxi/tfrecord/eval/data_tfrecord-00003-of-00012.gz"),
            dir.resolve("cut.tfrecord.gz"));
    assertRejected(ingest(cut), cut, "the GZIP stream is cut short");
    assertAcceptedWithLoss(ingest(cut, "--accept-partial-files"), cut);
  }

  @Test
  void anAvroFileWithACorruptBlockLosesItAndTheBadFractionStillHolds() throws IOException {
    Path avro = DamagedFiles.taxiAvro(dir.resolve("taxi.avro"), 64 << 10);
    Path corrupt = DamagedFiles.corruptMiddle(avro, dir.resolve("corrupt.avro"), 64);
    assertRejected(ingest(corrupt), corrupt, "unreadable Avro data block");

    // Accepted, the lost block (some 100 records) is over 0.5% of the records: still rejected.
    Run tooMany = ingest(corrupt, "--accept-partial-files", "--max-bad-fraction", "0.005");
    assertEquals(Millrace.EXIT_INPUT_REJECTED, tooMany.exit(), tooMany.err());
    assertTrue(tooMany.err().contains("more than --max-bad-fraction 0.005"), tooMany.err());

    ExamplesManifest manifest =
        assertAcceptedWithLoss(
            ingest(corrupt, "--accept-partial-files", "--max-bad-fraction", "0.2"), corrupt);
    assertEquals(DamagedFiles.TAXI_RECORDS, manifest.recordsIn(), "Avro counts the lost block");
  }

  @Test
  void aParquetFileWrittenByAnotherToolWithACorruptPage() throws IOException {
    Path flights = SharedData.path("flights/flights-3m.parquet");
    // A page of the third of eleven row groups (each about 1.2 MB).
    Path corrupt = DamagedFiles.corrupt(flights, dir.resolve("flights.parquet"), 3_000_000, 64);
    assertRejected(ingest(corrupt), corrupt, "cannot decode row group 3");

    ExamplesManifest manifest =
        assertAcceptedWithLoss(
            ingest(corrupt, "--accept-partial-files", "--max-bad-fraction", "0.1"), corrupt);
    assertEquals(3_000_000, manifest.recordsIn(), "the footer counts the lost rows");
    assertTrue(manifest.recordsLost() <= 272_727, "at most one row group: " + manifest);
  }

  @Test
  void statsAndValidateOfRawInputFailOnADamagedFileUnlessAccepted() throws IOException {
    Path gz = DamagedFiles.gzip(SharedData.path(DamagedFiles.TAXI_CSV), dir.resolve("taxi.csv.gz"));
    Path cut = DamagedFiles.cutInHalf(gz, dir.resolve("cut.csv.gz"));
    Path stats = dir.resolve("stats");

    Run rejected = run("stats", "--input", cut.toString(), "--output", stats.toString());
    assertEquals(Millrace.EXIT_INPUT_REJECTED, rejected.exit(), rejected.err());
    assertTrue(rejected.err().contains("1 input file is damaged"), rejected.err());
    assertFalse(Files.exists(stats));
    Run accepted =
        run(
            "stats",
            "--input",
            cut.toString(),
            "--output",
            stats.toString(),
            "--accept-partial-files");
    assertEquals(0, accepted.exit(), accepted.err());
    JsonNode manifest = JSON.readTree(stats.resolve("manifest.json").toFile());
    assertEquals(1, manifest.get("recordsLost").asLong());
    assertEquals(cut.toString(), manifest.get("damagedFiles").get(0).get("source").asText());

    String schema = SharedData.path("taxi/tfdv_schema/schema.pbtxt").toString();
    Run validate =
        run(
            "validate",
            "--schema",
            schema,
            "--input",
            cut.toString(),
            "--output",
            dir.resolve("checked").toString());
    assertEquals(Millrace.EXIT_INPUT_REJECTED, validate.exit(), validate.err());
    assertTrue(validate.err().contains("1 input file is damaged"), validate.err());
    assertFalse(Files.exists(dir.resolve("checked/statistics")));
  }

  @Test
  void anUnterminatedQuoteIsOneDeadLetterAndTheRowsAfterItAreIngested() throws IOException {
    List<String> lines = Files.readAllLines(SharedData.path(DamagedFiles.TAXI_CSV));
    String[] cells = lines.get(99).split(",", -1);
    cells[14] = "\"Taxi Affiliation Services"; // the quote is never closed
    lines.set(99, String.join(",", cells));
    Path file = Files.write(dir.resolve("quote.csv"), lines);

    Run r = ingest(file);

    assertEquals(0, r.exit(), r.err());
    ExamplesManifest manifest = ExamplesArtifact.open(dir.resolve("out")).manifest();
    assertEquals(DamagedFiles.TAXI_RECORDS, manifest.recordsIn());
    assertEquals(1, manifest.deadLetterCount());
    assertEquals(DamagedFiles.TAXI_RECORDS - 1, manifest.split("all").count());
    Path letters = dir.resolve("out").resolve(manifest.deadLetters()).getParent();
    try (Stream<Path> files = Files.list(letters)) {
      JsonNode letter = JSON.readTree(Files.readAllLines(files.findFirst().orElseThrow()).get(0));
      assertEquals(100, letter.get("record").asLong());
      assertEquals("company", letter.get("field").asText());
      assertTrue(
          letter.get("reason").asText().startsWith("suspected unterminated quote"),
          letter.get("reason").asText());
    }
  }
}
