package io.millrace.transforms;

import io.millrace.artifact.StoragePaths;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.transforms.io.BadRecordDirectories;
import io.millrace.transforms.io.CommitShards;
import io.millrace.transforms.io.ExampleAvroSink;
import io.millrace.transforms.io.ExampleFiles;
import io.millrace.transforms.io.ShardWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Ingestion's Beam work as one step per file range: reads the files, puts each record into its
 * split and writes it straight into an Avro shard of that split (the layout of an examples
 * artifact), every record that cannot be read into a dead-letter shard and every damaged part of a
 * file into a damage shard; then commits the shards and outputs what each directory holds.
 *
 * <pre>{@code
 * PCollection<CommitShards.Written> written =
 *     pipeline.apply(IngestExamples.from(ExampleFiles.of(inputSpec.resolve("all"))).to(dir));
 * // dir/train/part-*.avro, dir/eval/part-*.avro, dir/dead-letter/part-*.jsonl,
 * // dir/.damaged-files/part-*.jsonl
 * }</pre>
 *
 * <p>It is {@link ReadExamples} then {@link SplitExamples} then {@link WriteExamples} per split,
 * fused: no runner buffers the records between the steps.
 */
public final class IngestExamples extends PTransform<PBegin, PCollection<CommitShards.Written>> {
  private static final long serialVersionUID = 1L;
  private final transient ExampleFiles files;
  private final String directory;

  private IngestExamples(ExampleFiles files, String directory) {
    this.files = files;
    this.directory = directory;
  }

  public static IngestExamples from(ExampleFiles files) {
    return new IngestExamples(Objects.requireNonNull(files, "files"), null);
  }

  /** The directory the splits, dead letters and damages are written under. */
  public IngestExamples to(String directory) {
    return new IngestExamples(files, Objects.requireNonNull(directory, "directory"));
  }

  public IngestExamples to(Path directory) {
    return to(directory.toString());
  }

  @Override
  public PCollection<CommitShards.Written> expand(PBegin begin) {
    if (directory == null) {
      throw new IllegalStateException("IngestExamples needs a directory: .to(directory)");
    }
    BadRecordDirectories badRecords = BadRecordDirectories.under(directory);
    List<String> directories = new ArrayList<>();
    files
        .splitNames()
        .forEach(name -> directories.add(StoragePaths.of(directory).resolve(name).toString()));
    directories.addAll(badRecords.both());
    TupleTag<ShardWriter.Shard> shardsTag = new TupleTag<>() {};
    PCollectionList<ShardWriter.Shard> shards = PCollectionList.empty(begin.getPipeline());
    for (ExampleFiles.Group group : files.groups()) {
      List<String> splitDirectories = new ArrayList<>();
      files
          .splitsOf(group)
          .forEach(
              name -> splitDirectories.add(StoragePaths.of(directory).resolve(name).toString()));
      shards =
          shards.and(
              FusedReadFn.readGroup(
                      begin.getPipeline(),
                      files,
                      group,
                      "ReadSplitWrite",
                      ParDo.of(
                              new ReadSplitWriteFn(
                                  files,
                                  files.hashSplitsOf(group),
                                  splitDirectories,
                                  badRecords,
                                  shardsTag))
                          .withOutputTags(shardsTag, TupleTagList.empty()))
                  .get(shardsTag));
    }
    return FusedReadFn.commit(shards, directories);
  }

  /** Writes each record into the shard of its split. */
  private static final class ReadSplitWriteFn extends FusedReadFn<ShardWriter.Shard> {
    private static final long serialVersionUID = 1L;
    private final ExampleSchema schema;
    private final List<String> splitDirectories;
    private final TupleTag<ShardWriter.Shard> shardsTag;
    private transient List<ShardWriter<Example>> writers;

    ReadSplitWriteFn(
        ExampleFiles files,
        io.millrace.split.Splits splits,
        List<String> splitDirectories,
        BadRecordDirectories badRecords,
        TupleTag<ShardWriter.Shard> shardsTag) {
      super(files.reader(), files.schema(), splits, badRecords, shardsTag);
      this.schema = files.schema();
      this.splitDirectories = splitDirectories;
      this.shardsTag = shardsTag;
    }

    @Override
    void startBundle() {
      writers = new ArrayList<>();
      for (String directory : splitDirectories) {
        writers.add(new ShardWriter<>(directory, ".avro", new ExampleAvroSink(schema)));
      }
    }

    @Override
    void accept(int split, Example example, ShardWriter.Guard output) {
      output.write(writers.get(split), example);
    }

    @Override
    void finishBundle(Emitter emit) throws java.io.IOException {
      for (ShardWriter<Example> writer : writers) {
        emit.emitShard(shardsTag, writer);
      }
    }
  }
}
