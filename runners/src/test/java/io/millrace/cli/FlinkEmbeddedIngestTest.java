package io.millrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.millrace.examples.ExamplesManifest;
import io.millrace.record.Example;
import io.millrace.testing.SharedData;
import io.millrace.transforms.io.ExamplesArtifact;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The same ingestion on embedded Flink and on the DirectRunner gives the same splits. */
public class FlinkEmbeddedIngestTest {
  @TempDir Path dir;

  /** Each split of an artifact as its examples counted by value. */
  public static Map<String, Map<Example, Integer>> contents(Path artifactDir) throws IOException {
    ExamplesArtifact artifact = ExamplesArtifact.open(artifactDir);
    Map<String, Map<Example, Integer>> splits = new HashMap<>();
    for (ExamplesManifest.Split split : artifact.manifest().splits()) {
      Map<Example, Integer> examples = new HashMap<>();
      artifact.forEach(split.name(), e -> examples.merge(e, 1, Integer::sum));
      splits.put(split.name(), examples);
    }
    return splits;
  }

  @ParameterizedTest
  @CsvSource({"taxi/tutorial/eval.csv, 5000", "taxi/tfrecord/eval, 5091"})
  void flinkEmbeddedWritesTheSameSplitsAsTheDirectRunner(String data, long records)
      throws IOException {
    Path path = SharedData.path(data);
    String input = path.toString().endsWith(".csv") ? path.toString() : path + "/*.gz";
    MillraceCliTest.Run direct =
        MillraceCliTest.run(
            "ingest", "--input", input, "--output", dir.resolve("direct").toString());
    assertEquals(0, direct.exit(), direct.err());
    MillraceCliTest.Run flink =
        MillraceCliTest.run(
            "ingest",
            "--input",
            input,
            "--output",
            dir.resolve("flink").toString(),
            "--runner",
            "FlinkRunner",
            "--flinkMaster",
            "[local]",
            "--parallelism",
            "2");
    assertEquals(0, flink.exit(), flink.err());

    ExamplesManifest flinkManifest = ExamplesManifest.read(dir.resolve("flink"));
    assertEquals("FlinkRunner", flinkManifest.runner());
    assertEquals(records, flinkManifest.recordsIn());
    assertEquals(0, flinkManifest.deadLetterCount());
    // The same splits with the same counts; how many shards hold them depends on the runner's
    // bundles, so the shard lists are compared by their content below, not file by file.
    assertEquals(
        ExamplesManifest.read(dir.resolve("direct")).splits().stream()
            .map(s -> s.name() + "/" + s.buckets() + "/" + s.count())
            .toList(),
        flinkManifest.splits().stream()
            .map(s -> s.name() + "/" + s.buckets() + "/" + s.count())
            .toList());
    assertEquals(contents(dir.resolve("direct")), contents(dir.resolve("flink")));
  }
}
