package io.millrace.transforms.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.testing.TestPipelineExtension;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestPipelineExtension.class)
class ShardCountsTest {
  @TempDir Path dir;

  @Test
  void readsWhatThePipelineCommittedPerDirectory(TestPipeline pipeline) throws IOException {
    Path counts = dir.resolve(".counts");
    pipeline
        .apply(
            Create.of(
                    new CommitShards.Written("/out/train", 1, 7, List.of()),
                    new CommitShards.Written("/out/eval", 0, 0, List.of()))
                .withCoder(SerializableCoder.of(CommitShards.Written.class)))
        .apply(ShardCounts.writeTo(counts));
    pipeline.run().waitUntilFinish();

    assertEquals(Map.of("train", 7L, "eval", 0L), ShardCounts.read(counts));
  }

  /**
   * Workers on other hosts write the counts to their own disks: the launcher then finds none, which
   * used to read as zero records and commit an empty artifact for a full input.
   */
  @Test
  void countsTheLauncherCannotSeeAreAnErrorNotZeroRecords() {
    Path counts = dir.resolve("written-on-another-host/.counts");
    IOException e = assertThrows(IOException.class, () -> ShardCounts.readCommitted(counts));
    assertTrue(e.getMessage().contains(counts.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("does not see"), e.getMessage());
    assertThrows(IOException.class, () -> ShardCounts.read(counts));
  }

  /** Trial results and metrics come back the same way, and fail the same way. */
  @Test
  void resultsTheLauncherCannotSeeAreAnErrorNamingTheFolder() {
    Path results = dir.resolve("written-on-another-host/results");
    IOException e =
        assertThrows(
            IOException.class, () -> ResultFiles.read(results, ".json", bytes -> bytes.length));
    assertTrue(e.getMessage().contains(results.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("does not see"), e.getMessage());
  }
}
