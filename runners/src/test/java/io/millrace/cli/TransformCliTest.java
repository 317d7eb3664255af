package io.millrace.cli;

import static io.millrace.cli.MillraceCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.cli.MillraceCliTest.Run;
import io.millrace.examples.ExampleJson;
import io.millrace.testing.DamagedFiles;
import io.millrace.testing.SharedData;
import io.millrace.transforms.io.ExamplesArtifact;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Preprocessing from the command line: fitted in a pipeline, reused alone at serving. */
class TransformCliTest {
  @TempDir Path dir;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Ingests raw data into {@code dir/raw} and fits the taxi transform into {@code dir/t}. */
  private void ingestAndTransform(Path data) {
    Run ingest =
        run("ingest", "--input", data.toString(), "--output", dir.resolve("raw").toString());
    assertEquals(0, ingest.exit(), ingest.err());
    Path spec = Path.of("..", "examples", "taxi", "transform.json");
    Run transform =
        run(
            "transform",
            "--examples",
            dir.resolve("raw").toString(),
            "--spec",
            spec.toString(),
            "--output",
            dir.resolve("t").toString());
    assertEquals(0, transform.exit(), transform.err());
  }

  @Test
  void servingWithTheArtifactAloneEqualsWhatThePipelineMaterialized() throws IOException {
    Path train = SharedData.path("taxi/tutorial/train.csv");
    ingestAndTransform(train);
    assertTrue(Files.exists(dir.resolve("t/transform/vocabularies/company_id.txt")));

    // The pipeline's records, both splits together, counted by their JSON form.
    Map<String, Integer> materialized = new HashMap<>();
    ExamplesArtifact transformed = ExamplesArtifact.open(dir.resolve("t/examples"));
    for (String split : new String[] {"train", "eval"}) {
      transformed.forEach(
          split, e -> materialized.merge(ExampleJson.toJson(e).toString(), 1, Integer::sum));
    }
    assertEquals(10_000, materialized.values().stream().mapToInt(Integer::intValue).sum());

    Path served = dir.resolve("served.jsonl");
    Run apply =
        run(
            "transform-apply",
            "--artifact",
            dir.resolve("t/transform").toString(),
            "--input",
            train.toString(),
            "--output",
            served.toString());
    assertEquals(0, apply.exit(), apply.err());
    Map<String, Integer> servedRecords = new HashMap<>();
    for (String line : Files.readAllLines(served, StandardCharsets.UTF_8)) {
      servedRecords.merge(JSON.readTree(line).toString(), 1, Integer::sum);
    }
    assertEquals(materialized, servedRecords);
  }

  @Test
  void aDamagedServingFileFailsUnlessPartialFilesAreAccepted() throws IOException {
    Path eval = SharedData.path("taxi/tutorial/eval.csv");
    ingestAndTransform(eval);
    Path cut =
        DamagedFiles.cutInHalf(
            DamagedFiles.gzip(eval, dir.resolve("eval.csv.gz")), dir.resolve("cut.csv.gz"));
    Path served = dir.resolve("served.jsonl");

    Run rejected =
        run(
            "transform-apply",
            "--artifact",
            dir.resolve("t/transform").toString(),
            "--input",
            cut.toString(),
            "--output",
            served.toString());
    assertEquals(Millrace.EXIT_INPUT_REJECTED, rejected.exit(), rejected.err());
    assertTrue(rejected.err().contains("1 input file is damaged"), rejected.err());
    assertTrue(rejected.err().contains("--accept-partial-files"), rejected.err());
    assertFalse(Files.exists(served), "nothing written");

    Run accepted =
        run(
            "transform-apply",
            "--artifact",
            dir.resolve("t/transform").toString(),
            "--input",
            cut.toString(),
            "--output",
            served.toString(),
            "--accept-partial-files");
    assertEquals(0, accepted.exit(), accepted.err());
    assertTrue(accepted.err().contains("at least 1 record lost"), accepted.err());
    long lines = Files.readAllLines(served, StandardCharsets.UTF_8).size();
    assertTrue(lines > 2_000 && lines < 5_000, lines + " records before the cut");
  }
}
