package io.millrace.transforms.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.testing.TestPipelineExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestPipelineExtension.class)
class CommitShardsTest {
  @TempDir Path dir;

  @Test
  void renamesTheShardsInTheOrderOfTheirTemporaryNames(TestPipeline pipeline) throws IOException {
    Path out = dir.resolve("out");
    ShardWriter.Shard b = shard(out, "b", "second\n");
    ShardWriter.Shard a = shard(out, "a", "first\n");

    PCollection<CommitShards.Written> written =
        pipeline
            .apply(Create.of(b, a).withCoder(SerializableCoder.of(ShardWriter.Shard.class)))
            .apply(CommitShards.in(List.of(out.toString())));
    PAssert.thatSingleton(written)
        .satisfies(
            w -> {
              assertEquals(2, w.files());
              assertEquals(2, w.records());
              return null;
            });
    pipeline.run().waitUntilFinish();

    assertEquals("first\n", Files.readString(out.resolve("part-00000-of-00002.txt")));
    assertEquals("second\n", Files.readString(out.resolve("part-00001-of-00002.txt")));
    assertFalse(Files.exists(out.resolve(ShardWriter.TEMP_DIR)));
  }

  /**
   * On a cluster whose workers share no disk, the worker that commits cannot see the shards the
   * others wrote to their own disks: an error saying so, not the file system's bare "no such file",
   * and no shard renamed.
   */
  @Test
  void aShardAnotherWorkerWroteToItsOwnDiskIsNamedAndNothingIsRenamed(TestPipeline pipeline)
      throws IOException {
    Path out = dir.resolve("out");
    ShardWriter.Shard here = shard(out, "a", "here\n");
    Path elsewhere = out.resolve(ShardWriter.TEMP_DIR).resolve("b.txt");
    ShardWriter.Shard onAnotherHost =
        new ShardWriter.Shard(out.toString(), elsewhere.toString(), ".txt", 1, 6, "00");

    pipeline
        .apply(
            Create.of(here, onAnotherHost).withCoder(SerializableCoder.of(ShardWriter.Shard.class)))
        .apply(CommitShards.in(List.of(out.toString())));
    Pipeline.PipelineExecutionException e =
        assertThrows(Pipeline.PipelineExecutionException.class, () -> pipeline.run());

    StorageException cause = assertInstanceOf(StorageException.class, e.getCause());
    assertTrue(cause.getMessage().contains(elsewhere.toString()), cause.getMessage());
    assertTrue(cause.getMessage().contains("do not see each other's files"), cause.getMessage());
    assertTrue(cause.getMessage().contains("s3://"), cause.getMessage());
    assertTrue(Files.exists(Path.of(here.tempFile())));
    try (var files = Files.list(out)) {
      assertEquals(List.of(out.resolve(ShardWriter.TEMP_DIR)), files.toList());
    }
  }

  private static ShardWriter.Shard shard(Path directory, String name, String text)
      throws IOException {
    Path temp = Files.createDirectories(directory.resolve(ShardWriter.TEMP_DIR)).resolve(name);
    Files.writeString(temp, text);
    return new ShardWriter.Shard(
        directory.toString(), temp.toString(), ".txt", 1, text.length(), "00");
  }
}
