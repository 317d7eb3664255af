package io.millrace.artifact;

import java.io.IOException;
import java.io.Serializable;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Writes a collection as files in one local directory, one file per bundle, and outputs what was
 * written: the number of files and of records.
 *
 * <p>Beam's {@code FileIO.write} is the general tool, but without a fixed shard count the
 * DirectRunner reshards it through a GroupByKey of every record, which made a 1M-record write
 * twenty times slower than reading. Here only file names and counts are grouped. Each bundle writes
 * a temporary file; after all bundles finish, the files that finished bundles reported are renamed
 * to {@code part-NNNNN-of-MMMMM<suffix>} and everything else in the temporary folder (files of
 * failed, retried bundles) is deleted, so a retried bundle never duplicates records.
 */
public final class WriteShards<T>
    extends PTransform<PCollection<T>, PCollection<WriteShards.Written>> {
  private static final long serialVersionUID = 1L;
  private static final String TEMP_DIR = ".temp-shards";

  private final String directory;
  private final String suffix;
  private final FileIO.Sink<T> sink;

  private WriteShards(String directory, String suffix, FileIO.Sink<T> sink) {
    this.directory = directory;
    this.suffix = suffix;
    this.sink = sink;
  }

  /** Writes to {@code directory} (created if needed) through {@code sink}. */
  public static <T> WriteShards<T> to(String directory, String suffix, FileIO.Sink<T> sink) {
    return new WriteShards<>(directory, suffix, sink);
  }

  /** What was written to one directory. */
  public record Written(String directory, int files, long records) implements Serializable {}

  @Override
  public PCollection<Written> expand(PCollection<T> input) {
    return input
        .apply("WriteBundles", ParDo.of(new WriteBundleFn<>(directory, suffix, sink)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()))
        .apply("CollectFiles", Combine.globally(new CollectFn()))
        .apply("RenameFiles", ParDo.of(new RenameFn(directory, suffix)))
        .setCoder(SerializableCoder.of(Written.class));
  }

  private static final class WriteBundleFn<T> extends DoFn<T, KV<String, Long>> {
    private static final long serialVersionUID = 1L;
    private final String directory;
    private final String suffix;
    private final FileIO.Sink<T> sink;
    private transient WritableByteChannel channel;
    private transient Path file;
    private transient long records;

    WriteBundleFn(String directory, String suffix, FileIO.Sink<T> sink) {
      this.directory = directory;
      this.suffix = suffix;
      this.sink = sink;
    }

    @ProcessElement
    public void process(@Element T element) throws IOException {
      if (channel == null) {
        Path temp = Paths.get(directory, TEMP_DIR);
        Files.createDirectories(temp);
        file = temp.resolve(UUID.randomUUID() + suffix);
        channel =
            Files.newByteChannel(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        sink.open(channel);
        records = 0;
      }
      sink.write(element);
      records++;
    }

    @FinishBundle
    public void finish(FinishBundleContext context) throws IOException {
      if (channel == null) {
        return;
      }
      sink.flush();
      channel.close();
      channel = null;
      context.output(
          KV.of(file.toString(), records),
          GlobalWindow.INSTANCE.maxTimestamp(),
          GlobalWindow.INSTANCE);
    }
  }

  /** Gathers the (file, records) pairs of all bundles; an empty collection gives an empty list. */
  private static final class CollectFn
      extends Combine.CombineFn<KV<String, Long>, List<KV<String, Long>>, List<KV<String, Long>>> {
    private static final long serialVersionUID = 1L;
    private static final Coder<List<KV<String, Long>>> CODER =
        ListCoder.of(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()));

    @Override
    public List<KV<String, Long>> createAccumulator() {
      return new ArrayList<>();
    }

    @Override
    public List<KV<String, Long>> addInput(List<KV<String, Long>> files, KV<String, Long> file) {
      files.add(file);
      return files;
    }

    @Override
    public List<KV<String, Long>> mergeAccumulators(Iterable<List<KV<String, Long>>> accumulators) {
      List<KV<String, Long>> all = new ArrayList<>();
      accumulators.forEach(all::addAll);
      return all;
    }

    @Override
    public List<KV<String, Long>> extractOutput(List<KV<String, Long>> files) {
      return files;
    }

    @Override
    public Coder<List<KV<String, Long>>> getAccumulatorCoder(
        CoderRegistry registry, Coder<KV<String, Long>> inputCoder) {
      return CODER;
    }

    @Override
    public Coder<List<KV<String, Long>>> getDefaultOutputCoder(
        CoderRegistry registry, Coder<KV<String, Long>> inputCoder) {
      return CODER;
    }
  }

  private static final class RenameFn extends DoFn<List<KV<String, Long>>, Written> {
    private static final long serialVersionUID = 1L;
    private final String directory;
    private final String suffix;

    RenameFn(String directory, String suffix) {
      this.directory = directory;
      this.suffix = suffix;
    }

    @ProcessElement
    public void process(@Element List<KV<String, Long>> files, OutputReceiver<Written> out)
        throws IOException {
      Path dir = Paths.get(directory);
      Files.createDirectories(dir);
      List<KV<String, Long>> sorted = new ArrayList<>(files);
      sorted.sort(Comparator.comparing(KV::getKey));
      long records = 0;
      for (int i = 0; i < sorted.size(); i++) {
        String name = String.format("part-%05d-of-%05d%s", i, sorted.size(), suffix);
        Files.move(
            Paths.get(sorted.get(i).getKey()), dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        records += sorted.get(i).getValue();
      }
      ArtifactDirectory.deleteRecursively(dir.resolve(TEMP_DIR));
      out.output(new Written(directory, sorted.size(), records));
    }
  }
}
