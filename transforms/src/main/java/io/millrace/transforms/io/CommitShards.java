package io.millrace.transforms.io;

import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.ShardFile;
import io.millrace.artifact.StoragePaths;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;

/**
 * Renames the finished temporary shards of {@link ShardWriter}s to {@code
 * part-NNNNN-of-MMMMM<suffix>} in each of the given directories, deletes everything else they left
 * (files of failed, retried bundles), and outputs what each directory holds. Directories that
 * received no shard are created empty and reported with 0 records.
 */
public final class CommitShards
    extends PTransform<PCollection<ShardWriter.Shard>, PCollection<CommitShards.Written>> {
  private static final long serialVersionUID = 1L;

  private final List<String> directories;

  private CommitShards(List<String> directories) {
    this.directories = List.copyOf(directories);
  }

  public static CommitShards in(List<String> directories) {
    return new CommitShards(directories);
  }

  /**
   * What was written to one directory.
   *
   * @param shards each committed file, in name order
   */
  @DefaultCoder(SerializableCoder.class)
  public record Written(String directory, int files, long records, List<ShardFile> shards)
      implements Serializable {}

  @Override
  public PCollection<Written> expand(PCollection<ShardWriter.Shard> shards) {
    return shards
        .apply("CollectShards", Combine.globally(new CollectFn()))
        .apply("RenameShards", ParDo.of(new RenameFn(directories)));
  }

  /** Gathers all shards; an empty collection gives an empty list. */
  private static final class CollectFn
      extends Combine.CombineFn<
          ShardWriter.Shard, List<ShardWriter.Shard>, List<ShardWriter.Shard>> {
    private static final long serialVersionUID = 1L;
    private static final Coder<List<ShardWriter.Shard>> CODER =
        ListCoder.of(SerializableCoder.of(ShardWriter.Shard.class));

    @Override
    public List<ShardWriter.Shard> createAccumulator() {
      return new ArrayList<>();
    }

    @Override
    public List<ShardWriter.Shard> addInput(
        List<ShardWriter.Shard> shards, ShardWriter.Shard shard) {
      shards.add(shard);
      return shards;
    }

    @Override
    public List<ShardWriter.Shard> mergeAccumulators(
        Iterable<List<ShardWriter.Shard>> accumulators) {
      List<ShardWriter.Shard> all = new ArrayList<>();
      accumulators.forEach(all::addAll);
      return all;
    }

    @Override
    public List<ShardWriter.Shard> extractOutput(List<ShardWriter.Shard> shards) {
      return shards;
    }

    @Override
    public Coder<List<ShardWriter.Shard>> getAccumulatorCoder(
        CoderRegistry registry, Coder<ShardWriter.Shard> inputCoder) {
      return CODER;
    }

    @Override
    public Coder<List<ShardWriter.Shard>> getDefaultOutputCoder(
        CoderRegistry registry, Coder<ShardWriter.Shard> inputCoder) {
      return CODER;
    }
  }

  private static final class RenameFn extends DoFn<List<ShardWriter.Shard>, Written> {
    private static final long serialVersionUID = 1L;
    private final List<String> directories;

    RenameFn(List<String> directories) {
      this.directories = directories;
    }

    @ProcessElement
    public void process(@Element List<ShardWriter.Shard> shards, OutputReceiver<Written> out)
        throws IOException {
      for (String directory : directories) {
        List<ShardWriter.Shard> mine = new ArrayList<>();
        for (ShardWriter.Shard shard : shards) {
          if (shard.directory().equals(directory)) {
            mine.add(shard);
          }
        }
        mine.sort(Comparator.comparing(ShardWriter.Shard::tempFile));
        Path dir = StoragePaths.of(directory);
        // Before renaming any, so that a worker that cannot see them all leaves every shard as is;
        // one listing of the temporary folder (on an object store a request), not a look per shard.
        Set<String> present = mine.isEmpty() ? Set.of() : names(dir.resolve(ShardWriter.TEMP_DIR));
        for (ShardWriter.Shard shard : mine) {
          Path temp = StoragePaths.of(shard.tempFile());
          if (!present.contains(temp.getFileName().toString())) {
            throw ResultFiles.notSeenByThisWorker("shard", temp);
          }
        }
        Files.createDirectories(dir);
        long records = 0;
        List<ShardFile> files = new ArrayList<>();
        for (int i = 0; i < mine.size(); i++) {
          ShardWriter.Shard shard = mine.get(i);
          String name = String.format("part-%05d-of-%05d%s", i, mine.size(), shard.suffix());
          ArtifactDirectory.moveFile(StoragePaths.of(shard.tempFile()), dir.resolve(name));
          records += shard.records();
          files.add(new ShardFile(name, shard.records(), shard.sizeBytes(), shard.sha256()));
        }
        ArtifactDirectory.deleteRecursively(dir.resolve(ShardWriter.TEMP_DIR));
        out.output(new Written(directory, mine.size(), records, files));
      }
    }

    /** The names of the files in a folder; none when there is no such folder. */
    private static Set<String> names(Path folder) throws IOException {
      try (Stream<Path> files = Files.list(folder)) {
        return files.map(f -> f.getFileName().toString()).collect(Collectors.toSet());
      } catch (NoSuchFileException e) {
        return Set.of();
      }
    }
  }
}
