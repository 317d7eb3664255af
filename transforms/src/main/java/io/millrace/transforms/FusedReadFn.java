package io.millrace.transforms;

import io.millrace.ingest.DeadLetter;
import io.millrace.ingest.ExampleSink;
import io.millrace.ingest.FileDamage;
import io.millrace.ingest.FormatReader;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.split.Splits;
import io.millrace.transforms.io.BadRecordDirectories;
import io.millrace.transforms.io.BeamSourceFile;
import io.millrace.transforms.io.CommitShards;
import io.millrace.transforms.io.ExampleFiles;
import io.millrace.transforms.io.ShardWriter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;

/**
 * The one step of every fused composite: reads a part of an input file and hands each record, with
 * the index of the split it goes to, straight to what the composite does with it (write a shard,
 * add to an accumulator). No collection of records lies between reading and using them: the
 * DirectRunner holds a step's whole output in memory until the next step takes it, and ran out of a
 * 1 GB heap on a 5M-row file when the steps were apart.
 *
 * <p>Records that cannot be read and damaged parts of files go to shards of the dead-letter and
 * damage directories when the composite has them; otherwise they fail the bundle (an examples
 * artifact holds no bad records: one that does is damaged).
 */
abstract class FusedReadFn<T> extends DoFn<ReadExamples.FilePart, T> {
  private static final long serialVersionUID = 1L;
  private final FormatReader reader;
  private final ExampleSchema schema;
  private final Splits splits;
  private final BadRecordDirectories badRecords;
  private final TupleTag<ShardWriter.Shard> badRecordShards;
  private transient Splits.Assigner assigner;
  private transient ShardWriter<String> deadLetterWriter;
  private transient ShardWriter<String> damageWriter;

  /**
   * @param splits the hash splits of the records, or null when they all go to split 0
   * @param badRecords where dead letters and damages go; null: they fail the bundle
   * @param badRecordShards the output of their shards
   */
  FusedReadFn(
      FormatReader reader,
      ExampleSchema schema,
      Splits splits,
      BadRecordDirectories badRecords,
      TupleTag<ShardWriter.Shard> badRecordShards) {
    this.reader = reader;
    this.schema = schema;
    this.splits = splits;
    this.badRecords = badRecords;
    this.badRecordShards = badRecordShards;
  }

  /**
   * The steps of a fused composite for one group of files: the files listed and cut into parts,
   * spread over workers, then {@code read} (a {@link FusedReadFn}) on each part.
   */
  static PCollectionTuple readGroup(
      Pipeline pipeline,
      ExampleFiles files,
      ExampleFiles.Group group,
      String name,
      ParDo.MultiOutput<ReadExamples.FilePart, ?> read) {
    return parts(pipeline, files, group).apply(name + group.step(), read);
  }

  /** A group's files listed and cut into parts, spread over workers. */
  static PCollection<ReadExamples.FilePart> parts(
      Pipeline pipeline, ExampleFiles files, ExampleFiles.Group group) {
    return ReadExamples.fileParts(
        pipeline, group.step(), group.files(), files.reader(), files.schema());
  }

  /** Renames the shards of every group into place in {@code directories}; what each holds. */
  static PCollection<CommitShards.Written> commit(
      PCollectionList<ShardWriter.Shard> shards, List<String> directories) {
    return shards
        .apply("AllShards", Flatten.pCollections())
        .apply("CommitShards", CommitShards.in(directories));
  }

  /** A new bundle begins. */
  abstract void startBundle();

  /** A file part is about to be read (side inputs are at hand here). */
  void startPart(ProcessContext context) {}

  /** Whether this part need not be read at all (side inputs are at hand here). */
  boolean skipsPart(ProcessContext context) {
    return false;
  }

  /**
   * Whether a record that cannot be read or a damaged part fails the bundle when there is no
   * directory for them; false for a pass over files whose bad records an earlier pass reported.
   */
  boolean failsOnBadRecords() {
    return true;
  }

  /** A record that goes to split {@code split}; writes go through {@code output}. */
  abstract void accept(int split, Example example, ShardWriter.Guard output);

  /** The bundle is done: emit what it accumulated or wrote. */
  abstract void finishBundle(Emitter emit) throws IOException;

  /** Emits at the end of a bundle, in the global window (these composites are batch jobs). */
  final class Emitter {
    private final FinishBundleContext context;

    private Emitter(FinishBundleContext context) {
      this.context = context;
    }

    <X> void emit(TupleTag<X> tag, X value) {
      context.output(tag, value, GlobalWindow.INSTANCE.maxTimestamp(), GlobalWindow.INSTANCE);
    }

    /** Emits a finished shard, if the writer wrote one. */
    void emitShard(TupleTag<ShardWriter.Shard> tag, ShardWriter<?> writer) throws IOException {
      ShardWriter.Shard shard = writer == null ? null : writer.finish();
      if (shard != null) {
        emit(tag, shard);
      }
    }
  }

  @StartBundle
  public final void start() {
    if (splits != null && assigner == null) {
      assigner = splits.assigner(schema);
    }
    if (badRecords != null) {
      deadLetterWriter = new ShardWriter<>(badRecords.deadLetters(), ".jsonl", TextIO.sink());
      damageWriter = new ShardWriter<>(badRecords.damages(), ".jsonl", TextIO.sink());
    }
    startBundle();
  }

  @ProcessElement
  public final void process(ProcessContext context) throws IOException {
    if (skipsPart(context)) {
      return;
    }
    ReadExamples.FilePart part = context.element();
    startPart(context);
    ShardWriter.Guard output = new ShardWriter.Guard();
    List<String> bad = new ArrayList<>(1);
    reader.read(
        new BeamSourceFile(part.file()),
        part.range(),
        schema,
        new ExampleSink() {
          @Override
          public void accept(Example example) {
            FusedReadFn.this.accept(
                assigner == null ? 0 : assigner.assign(example), example, output);
          }

          @Override
          public void reject(DeadLetter deadLetter) {
            if (deadLetterWriter == null) {
              if (failsOnBadRecords()) {
                bad.add(deadLetter.toJson());
              }
            } else {
              output.write(deadLetterWriter, deadLetter.toJson());
            }
          }

          @Override
          public void damaged(FileDamage damage) {
            if (damageWriter == null) {
              if (failsOnBadRecords()) {
                bad.add(damage.toJson());
              }
            } else {
              output.write(damageWriter, damage.toJson());
            }
          }
        });
    output.throwIfFailed("cannot write what was read from " + part.file().resourceId());
    if (!bad.isEmpty()) {
      // Thrown here, not in the sink: readers turn exceptions into dead letters.
      throw new IllegalStateException(
          part.file().resourceId() + " holds records that cannot be read: " + bad.get(0));
    }
  }

  @FinishBundle
  public final void finish(FinishBundleContext context) throws IOException {
    Emitter emit = new Emitter(context);
    finishBundle(emit);
    if (badRecords != null) {
      emit.emitShard(badRecordShards, deadLetterWriter);
      emit.emitShard(badRecordShards, damageWriter);
    }
  }
}
