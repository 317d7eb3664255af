package io.millrace.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.examples.ExamplesManifest;
import io.millrace.split.Splits;
import io.millrace.stage.IngestJob;
import io.millrace.testing.DamagedFiles;
import io.millrace.testing.SharedData;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damaged files of every format through the ingestion job: nothing is lost without a failure. */
class DamagedInputIngestTest {
  @TempDir Path dir;
  private final PrintWriter log = new PrintWriter(new StringWriter());

  private IngestJob.Config config(Path input) {
    return IngestJob.Config.of(input.toString(), dir.resolve("out"))
        .withSplits(Splits.parse("all=1"));
  }

  private ExamplesManifest ingest(IngestJob.Config config) throws IOException {
    return IngestJob.run(config, TestPipeline.testingPipelineOptions(), log);
  }

  private InputException rejected(IngestJob.Config config) {
    InputException e = assertThrows(InputException.class, () -> ingest(config));
    assertFalse(Files.exists(dir.resolve("out")), "nothing committed");
    return e;
  }

  private InputException rejected(Path input) {
    return rejected(config(input));
  }

  /** The report a rejected run keeps beside the output it did not write. */
  private RejectedInput.Report report() throws IOException {
    return new ObjectMapper()
        .readValue(
            dir.resolve("out" + RejectedInput.SUFFIX).resolve(RejectedInput.REPORT).toFile(),
            RejectedInput.Report.class);
  }

  /** Records in = examples + dead letters + records lost, in the manifest and the damages. */
  private static void assertReconciles(ExamplesManifest manifest) {
    long examples = manifest.splits().stream().mapToLong(ExamplesManifest.Split::count).sum();
    assertEquals(
        manifest.recordsIn(),
        examples + manifest.deadLetterCount() + manifest.recordsLost(),
        "records in = examples + dead letters + lost");
    assertEquals(
        manifest.recordsLost(),
        manifest.damagedFiles().stream().mapToLong(FileDamage::recordsLost).sum());
  }

  private Path taxiGzip() throws IOException {
    return DamagedFiles.gzip(SharedData.path(DamagedFiles.TAXI_CSV), dir.resolve("taxi.csv.gz"));
  }

  @Test
  void aGzipCsvCutInHalfFailsTheRunUnlessPartialFilesAreAccepted() throws IOException {
    Path cut = DamagedFiles.cutInHalf(taxiGzip(), dir.resolve("cut.csv.gz"));

    InputException e = rejected(cut);
    assertTrue(
        e.getMessage().startsWith("1 input file is damaged: at least 1 record could not be read"),
        e.getMessage());
    assertTrue(e.getMessage().contains(cut + " from record "), e.getMessage());
    assertTrue(e.getMessage().contains("the GZIP stream is cut short"), e.getMessage());
    assertTrue(e.getMessage().contains("--accept-partial-files"), e.getMessage());
    RejectedInput.Report report = report();
    assertEquals(1, report.damagedFiles().size());
    FileDamage damage = report.damagedFiles().get(0);
    assertEquals(cut.toString(), damage.source());
    assertEquals(FileDamage.LostBasis.AT_LEAST, damage.lostBasis());
    assertEquals(report.examples(), damage.recordsBefore());
    assertEquals(damage.recordsBefore() + 2, damage.record(), "the line after the last read");
    assertTrue(report.examples() > 7_000 && report.examples() < 7_600, "" + report.examples());

    ExamplesManifest manifest = ingest(config(cut).withAcceptPartialFiles(true));
    assertEquals(List.of(damage), manifest.damagedFiles());
    assertEquals(1, manifest.recordsLost());
    assertEquals(report.examples(), manifest.split("all").count());
    assertReconciles(manifest);
  }

  private static final String TFX_FILE = "taxi/tfrecord/train/data_tfrecord-00000-of-00012.gz";

  @Test
  void aGzipTfRecordFileWrittenByTfxCutInHalfFailsTheRunUnlessPartialFilesAreAccepted()
      throws IOException {
    Path cut = DamagedFiles.cutInHalf(SharedData.path(TFX_FILE), dir.resolve("cut.tfrecord.gz"));

    InputException e = rejected(cut);
    assertTrue(e.getMessage().contains("the GZIP stream is cut short"), e.getMessage());
    FileDamage damage = report().damagedFiles().get(0);
    assertEquals(FileDamage.LostBasis.AT_LEAST, damage.lostBasis());
    assertEquals(report().examples(), damage.recordsBefore());

    ExamplesManifest manifest = ingest(config(cut).withAcceptPartialFiles(true));
    assertEquals(List.of(damage), manifest.damagedFiles());
    assertTrue(manifest.split("all").count() > 300, "" + manifest.split("all").count());
    assertReconciles(manifest);
  }

  @Test
  void aGzipTfRecordFileWithCorruptDataLosesAnEstimateOfTheRest() throws IOException {
    Path tfx = SharedData.path(TFX_FILE);
    long whole = ingest(config(tfx)).recordsIn();
    ArtifactDirectory.deleteRecursively(dir.resolve("out"));
    Path corrupt = DamagedFiles.corruptMiddle(tfx, dir.resolve("corrupt.tfrecord.gz"), 4096);

    rejected(corrupt);
    FileDamage damage = report().damagedFiles().get(0);
    assertEquals(FileDamage.LostBasis.ESTIMATED, damage.lostBasis());

    ExamplesManifest manifest =
        ingest(config(corrupt).withAcceptPartialFiles(true).withMaxBadFraction(0.9));
    assertEquals(whole, manifest.recordsIn(), whole * 0.1, "the estimate is near the truth");
    assertReconciles(manifest);
  }

  @Test
  void anUncompressedTfRecordFileWithCorruptFramingIsReadOnAfterTheDamage() throws IOException {
    Path plain = DamagedFiles.gunzip(SharedData.path(TFX_FILE), dir.resolve("taxi.tfrecord"));
    long whole = ingest(config(plain)).recordsIn();
    ArtifactDirectory.deleteRecursively(dir.resolve("out"));
    Path corrupt = DamagedFiles.corruptMiddle(plain, dir.resolve("corrupt.tfrecord"), 2048);

    rejected(corrupt);
    FileDamage damage = report().damagedFiles().get(0);
    assertTrue(damage.resumedAtByte() != null, "" + damage);

    ExamplesManifest manifest =
        ingest(config(corrupt).withAcceptPartialFiles(true).withMaxBadFraction(0.1));
    assertTrue(
        manifest.split("all").count() > whole - 20,
        "only the records in the corrupt bytes are missing: " + manifest.split("all").count());
    assertEquals(whole, manifest.recordsIn(), 5, "the estimate is near the truth");
    assertReconciles(manifest);
  }

  @Test
  void anAvroFileCutInHalfFailsTheRunUnlessAcceptedAndThenLosesAtLeastTheCutBlock()
      throws IOException {
    Path avro = DamagedFiles.taxiAvro(dir.resolve("taxi.avro"), 16 << 10);
    Path cut = DamagedFiles.cutInHalf(avro, dir.resolve("cut.avro"));

    InputException e = rejected(cut);
    assertTrue(e.getMessage().contains("truncated Avro file"), e.getMessage());
    FileDamage damage = report().damagedFiles().get(0);
    assertEquals(FileDamage.LostBasis.AT_LEAST, damage.lostBasis());
    assertTrue(damage.recordsLost() > 1, "the cut block's count: " + damage);
    assertEquals(report().examples(), damage.recordsBefore());

    // The cut block's records alone are over 1% of those read.
    assertTrue(
        rejected(config(cut).withAcceptPartialFiles(true))
            .getMessage()
            .contains("more than --max-bad-fraction 0.01"));
    ExamplesManifest manifest =
        ingest(config(cut).withAcceptPartialFiles(true).withMaxBadFraction(0.05));
    assertEquals(List.of(damage), manifest.damagedFiles());
    assertTrue(manifest.split("all").count() > 6_000 && manifest.split("all").count() < 8_000);
    assertReconciles(manifest);
  }

  @Test
  void anAvroFileWithACorruptBlockLosesExactlyThatBlockAndReadsTheRest() throws IOException {
    Path avro = DamagedFiles.taxiAvro(dir.resolve("taxi.avro"), 16 << 10);
    Path corrupt = DamagedFiles.corruptMiddle(avro, dir.resolve("corrupt.avro"), 64);

    InputException e = rejected(corrupt);
    assertTrue(e.getMessage().contains("unreadable Avro data block"), e.getMessage());
    FileDamage damage = report().damagedFiles().get(0);
    assertEquals(FileDamage.LostBasis.EXACT, damage.lostBasis());

    ExamplesManifest manifest =
        ingest(config(corrupt).withAcceptPartialFiles(true).withMaxBadFraction(0.5));
    assertEquals(DamagedFiles.TAXI_RECORDS, manifest.recordsIn(), "exact: nothing unaccounted");
    assertEquals(DamagedFiles.TAXI_RECORDS - damage.recordsLost(), manifest.split("all").count());
    assertTrue(damage.record() + damage.recordsLost() < DamagedFiles.TAXI_RECORDS / 2 + 1_000);
    assertReconciles(manifest);
  }

  @Test
  void aParquetFileWithACorruptPageFailsTheRunAndLosesExactlyItsRowGroupWhenAccepted()
      throws IOException {
    Path parquet = DamagedFiles.taxiParquet(dir.resolve("taxi.parquet"), 64 << 10);
    Path corrupt = DamagedFiles.corruptMiddle(parquet, dir.resolve("corrupt.parquet"), 64);

    InputException e = rejected(corrupt);
    FileDamage damage = report().damagedFiles().get(0);
    assertEquals(FileDamage.LostBasis.EXACT, damage.lostBasis());
    assertTrue(
        e.getMessage()
            .startsWith(
                String.format(
                    "1 input file is damaged: %,d records could not be read",
                    damage.recordsLost())),
        e.getMessage());
    assertTrue(e.getMessage().contains("cannot decode row group"), e.getMessage());
    assertTrue(damage.resumedAtByte() != null, "the row groups after it are read");

    // Accepted, the lost row group still counts toward the bad fraction: over 1%, rejected.
    InputException tooMany = rejected(config(corrupt).withAcceptPartialFiles(true));
    assertTrue(
        tooMany
            .getMessage()
            .contains(String.format("%,d records lost in 1 damaged file", damage.recordsLost())),
        tooMany.getMessage());
    assertTrue(tooMany.getMessage().contains("more than --max-bad-fraction 0.01"));

    ExamplesManifest manifest =
        ingest(config(corrupt).withAcceptPartialFiles(true).withMaxBadFraction(0.5));
    assertEquals(DamagedFiles.TAXI_RECORDS, manifest.recordsIn());
    assertEquals(damage.recordsLost(), manifest.recordsLost());
    assertEquals(DamagedFiles.TAXI_RECORDS - damage.recordsLost(), manifest.split("all").count());
    assertReconciles(manifest);
  }

  /** The first {@code lines} lines of the taxi CSV (header included), one of them replaced. */
  private Path taxiLines(int lines, int replacedLine, String replacement) throws IOException {
    List<String> all = Files.readAllLines(SharedData.path(DamagedFiles.TAXI_CSV));
    List<String> kept = new ArrayList<>(all.subList(0, lines));
    if (replacement != null) {
      kept.set(replacedLine - 1, replacement);
    }
    Path file = dir.resolve("taxi-" + lines + ".csv");
    Files.write(file, kept, StandardCharsets.UTF_8);
    return file;
  }

  /** Line 100 of the taxi data with its company value opened by a quote that is never closed. */
  private static String unterminatedCompany(int line) throws IOException {
    String row = Files.readAllLines(SharedData.path(DamagedFiles.TAXI_CSV)).get(line - 1);
    String[] cells = row.split(",", -1);
    cells[14] = "\"Taxi Affiliation Services";
    return String.join(",", cells);
  }

  @Test
  void anUnterminatedQuoteMidFileIsOneDeadLetterAndTheRowsAfterItAreRead() throws IOException {
    Path file = taxiLines(301, 100, unterminatedCompany(100));
    ExamplesManifest manifest = ingest(config(file).withMaxBadFraction(0.05));
    assertEquals(300, manifest.recordsIn());
    assertEquals(1, manifest.deadLetterCount());
    assertEquals(299, manifest.split("all").count());
    assertReconciles(manifest);
  }

  @Test
  void anUnterminatedQuoteOnTheLastLineIsADeadLetter() throws IOException {
    // The quote opens the last value of the file, which FastCSV took as a value (0.0).
    String row = Files.readAllLines(SharedData.path(DamagedFiles.TAXI_CSV)).get(300);
    String[] cells = row.split(",", -1);
    cells[17] = "\"" + cells[17];
    Path file = taxiLines(301, 301, String.join(",", cells));
    ExamplesManifest manifest = ingest(config(file).withMaxBadFraction(0.05));
    assertEquals(300, manifest.recordsIn());
    assertEquals(1, manifest.deadLetterCount());
    assertEquals(299, manifest.split("all").count());
    assertReconciles(manifest);
  }

  @Test
  void aFieldLongerThanTheParsersBufferIsOneDeadLetterAndReadingGoesOn() throws IOException {
    String row = Files.readAllLines(SharedData.path(DamagedFiles.TAXI_CSV)).get(49);
    String[] cells = row.split(",", -1);
    cells[14] = "x".repeat(17 << 20);
    Path file = taxiLines(301, 50, String.join(",", cells));
    ExamplesManifest manifest = ingest(config(file).withMaxBadFraction(0.05));
    assertEquals(300, manifest.recordsIn());
    assertEquals(1, manifest.deadLetterCount());
    assertEquals(299, manifest.split("all").count());
    assertReconciles(manifest);
  }
}
