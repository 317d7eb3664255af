package io.millrace.transforms.io;

import java.io.IOException;
import java.util.List;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.PCollection;

/**
 * Writes a collection as files in one local directory, one file per bundle, and outputs what was
 * written: the number of files and of records.
 *
 * <p>Beam's {@code FileIO.write} is the general tool, but without a fixed shard count the
 * DirectRunner reshards it through a GroupByKey of every record, which made a 1M-record write
 * twenty times slower than reading. Here only file names and counts are grouped ({@link
 * CommitShards}), and a retried bundle never duplicates records.
 */
public final class WriteShards<T>
    extends PTransform<PCollection<T>, PCollection<CommitShards.Written>> {
  private static final long serialVersionUID = 1L;

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

  @Override
  public PCollection<CommitShards.Written> expand(PCollection<T> input) {
    return input
        .apply("WriteBundles", ParDo.of(new WriteBundleFn<>(directory, suffix, sink)))
        .apply("Commit", CommitShards.in(List.of(directory)));
  }

  private static final class WriteBundleFn<T> extends DoFn<T, ShardWriter.Shard> {
    private static final long serialVersionUID = 1L;
    private final String directory;
    private final String suffix;
    private final FileIO.Sink<T> sink;
    private transient ShardWriter<T> writer;

    WriteBundleFn(String directory, String suffix, FileIO.Sink<T> sink) {
      this.directory = directory;
      this.suffix = suffix;
      this.sink = sink;
    }

    @StartBundle
    public void start() {
      writer = new ShardWriter<>(directory, suffix, sink);
    }

    @ProcessElement
    public void process(@Element T element) throws IOException {
      writer.write(element);
    }

    @FinishBundle
    public void finish(FinishBundleContext context) throws IOException {
      ShardWriter.Shard shard = writer.finish();
      if (shard != null) {
        context.output(shard, GlobalWindow.INSTANCE.maxTimestamp(), GlobalWindow.INSTANCE);
      }
    }
  }
}
