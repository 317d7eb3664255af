package io.millrace.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.ingest.FormatOptions;
import io.millrace.stage.IngestJob;
import io.millrace.stage.StatisticsJob;
import io.millrace.testing.SharedData;
import io.millrace.transforms.io.ExamplesArtifact;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Split names become directories and manifests name files: a split name given on input, or a split
 * name or file pattern edited into a committed manifest, cannot reach outside the artifact.
 */
class ManifestPathsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final PrintWriter LOG = new PrintWriter(new StringWriter());
  @TempDir static Path shared;
  @TempDir Path dir;
  private static Path examples;
  private static Path statistics;

  @BeforeAll
  static void ingestAndComputeStatistics() throws IOException {
    examples = shared.resolve("examples");
    IngestJob.run(
        IngestJob.Config.of(SharedData.path("penguins/penguins.csv").toString(), examples)
            .withFormatOptions(FormatOptions.defaults().withMissingValues(Set.of("NA"))),
        TestPipeline.testingPipelineOptions(),
        LOG);
    statistics = shared.resolve("statistics");
    StatisticsJob.run(
        StatisticsJob.Config.ofExamples(examples, statistics),
        TestPipeline.testingPipelineOptions(),
        LOG);
  }

  /**
   * A copy of {@code artifact} at {@code dir/a/b/NAME}, so that {@code ../../x} is {@code dir/a/x}.
   */
  private Path copy(Path artifact, String parent) throws IOException {
    Path copy = dir.resolve("a").resolve(parent).resolve(artifact.getFileName());
    Files.createDirectories(copy.getParent());
    ArtifactDirectory.copyRecursively(artifact, copy);
    return copy;
  }

  private Path elsewhere() {
    return dir.resolve("a").resolve("elsewhere");
  }

  private static void editSplit(Path manifestFile, String field, String value) throws IOException {
    ObjectNode manifest = (ObjectNode) JSON.readTree(manifestFile.toFile());
    ((ObjectNode) manifest.get("splits").get(0)).put(field, value);
    JSON.writeValue(manifestFile.toFile(), manifest);
  }

  @Test
  void aSplitNameGivenOnInputCannotNameADirectoryOutsideTheArtifact() throws IOException {
    Path output = dir.resolve("a").resolve("out");
    Files.createDirectories(dir.resolve("evil"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                IngestJob.run(
                    IngestJob.Config.ofSplits(
                        Map.of("../../evil", SharedData.path("penguins/penguins.csv").toString()),
                        output),
                    TestPipeline.testingPipelineOptions(),
                    LOG));
    assertTrue(e.getMessage().contains("split name '../../evil'"), e.getMessage());
    try (Stream<Path> written = Files.list(dir.resolve("evil"))) {
      assertEquals(0, written.count());
    }
    assertFalse(Files.exists(output));
  }

  @Test
  void anEditedSplitNameOrFilePatternIsRefusedOnRead() throws IOException {
    Path copy = copy(examples, "b");
    String train = ExamplesManifest.read(copy).splits().get(0).name();
    // The split's shards also lie where the edit points: only the path gives the edit away.
    ArtifactDirectory.copyRecursively(copy.resolve(train), elsewhere());
    editSplit(copy.resolve(ExamplesManifest.FILE_NAME), "name", "../../elsewhere");
    IOException name = assertThrows(IOException.class, () -> ExamplesArtifact.open(copy));
    assertTrue(name.getMessage().contains("'../../elsewhere'"), name.getMessage());

    Path second = copy(examples, "c");
    editSplit(second.resolve(ExamplesManifest.FILE_NAME), "files", "../../elsewhere/*.avro");
    IOException pattern = assertThrows(IOException.class, () -> ExamplesArtifact.open(second));
    assertTrue(pattern.getMessage().contains("'../../elsewhere/*.avro'"), pattern.getMessage());
    assertTrue(pattern.getMessage().contains("outside"), pattern.getMessage());
  }

  @Test
  void anEditedStatisticsFileIsRefusedOnRead() throws IOException {
    Path copy = copy(statistics, "b");
    Files.createDirectories(elsewhere());
    String split = StatisticsJob.Result.open(copy).manifest().splits().get(0).name();
    Files.copy(
        copy.resolve(split).resolve(StatisticsJob.STATS_FILE),
        elsewhere().resolve(StatisticsJob.STATS_FILE));
    editSplit(
        copy.resolve(StatisticsJob.Manifest.FILE_NAME),
        "statistics",
        "../../elsewhere/" + StatisticsJob.STATS_FILE);
    IOException e = assertThrows(IOException.class, () -> StatisticsJob.Result.open(copy));
    assertTrue(e.getMessage().contains("'../../elsewhere/stats.pb'"), e.getMessage());
    assertTrue(e.getMessage().contains("outside"), e.getMessage());
  }
}
