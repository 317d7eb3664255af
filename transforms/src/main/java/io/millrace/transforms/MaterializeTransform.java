package io.millrace.transforms;

import io.millrace.artifact.StoragePaths;
import io.millrace.record.Example;
import io.millrace.transform.FeatureTransformer;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.TransformSpec;
import io.millrace.transforms.io.CommitShards;
import io.millrace.transforms.io.ExampleAvroSink;
import io.millrace.transforms.io.ExampleFiles;
import io.millrace.transforms.io.ShardWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Materializes a transform: every split of input files read, transformed and written as Avro shards
 * of the same split under a directory (an examples artifact of model inputs), in one step per file
 * range; then commits the shards and outputs what each split's directory holds. It is {@link
 * ApplyTransform} then {@link WriteExamples} per split, fused.
 *
 * <pre>{@code
 * PCollection<CommitShards.Written> written =
 *     pipeline.apply(MaterializeTransform.of(fitted).from(ExampleFiles.of(raw)).to(dir));
 * }</pre>
 *
 * <p>The fitted transform is at hand ({@link #of(FittedTransform)}) or fitted in the same pipeline
 * and read as a side input, as with {@link ApplyTransform}. The files must hold no bad records (an
 * examples artifact does not): one fails the run.
 */
public final class MaterializeTransform
    extends PTransform<PBegin, PCollection<CommitShards.Written>> {
  private static final long serialVersionUID = 1L;
  private final transient FittedTransformInput fitted;
  private final transient ExampleFiles files;
  private final String directory;

  private MaterializeTransform(FittedTransformInput fitted, ExampleFiles files, String directory) {
    this.fitted = fitted;
    this.files = files;
    this.directory = directory;
  }

  public static MaterializeTransform of(FittedTransform fitted) {
    return new MaterializeTransform(FittedTransformInput.of(fitted), null, null);
  }

  public static MaterializeTransform of(TransformSpec spec, PCollection<FittedTransform> fitted) {
    return new MaterializeTransform(FittedTransformInput.of(spec, fitted), null, null);
  }

  public static MaterializeTransform of(
      TransformSpec spec, PCollectionView<FittedTransform> fitted) {
    return new MaterializeTransform(FittedTransformInput.of(spec, fitted), null, null);
  }

  /** The raw records, each group into its split. */
  public MaterializeTransform from(ExampleFiles files) {
    return new MaterializeTransform(fitted, Objects.requireNonNull(files, "files"), directory);
  }

  /** Where each split's shards go: {@code <directory>/<split>/part-*.avro}. */
  public MaterializeTransform to(Path directory) {
    return new MaterializeTransform(fitted, files, directory.toString());
  }

  @Override
  public PCollection<CommitShards.Written> expand(PBegin begin) {
    if (files == null || directory == null) {
      throw new IllegalStateException(
          "MaterializeTransform needs its input and output: .from(files).to(directory)");
    }
    FittedTransformInput.Resolved resolved = fitted.resolve(files.schema());
    TupleTag<ShardWriter.Shard> shardsTag = new TupleTag<>() {};
    PCollectionList<ShardWriter.Shard> shards = PCollectionList.empty(begin.getPipeline());
    List<String> directories = new ArrayList<>();
    for (ExampleFiles.Group group : files.groups()) {
      if (group.split() == null) {
        throw new IllegalArgumentException(
            "MaterializeTransform writes each group into its own split; these files are hashed"
                + " into splits");
      }
      String splitDirectory = StoragePaths.of(directory).resolve(group.split()).toString();
      directories.add(splitDirectory);
      shards =
          shards.and(
              FusedReadFn.readGroup(
                      begin.getPipeline(),
                      files,
                      group,
                      "Transform",
                      ParDo.of(new TransformWriteFn(files, resolved, splitDirectory, shardsTag))
                          .withOutputTags(shardsTag, TupleTagList.empty())
                          .withSideInputs(resolved.sideInputs()))
                  .get(shardsTag));
    }
    return FusedReadFn.commit(shards, directories);
  }

  /** Transforms each record of a file range and writes it into the bundle's shard. */
  private static final class TransformWriteFn extends FusedReadFn<ShardWriter.Shard> {
    private static final long serialVersionUID = 1L;
    private final FittedTransformInput.Resolved fitted;
    private final String directory;
    private final TupleTag<ShardWriter.Shard> shardsTag;
    private transient ShardWriter<Example> writer;
    private transient FeatureTransformer transformer;

    TransformWriteFn(
        ExampleFiles files,
        FittedTransformInput.Resolved fitted,
        String directory,
        TupleTag<ShardWriter.Shard> shardsTag) {
      super(files.reader(), files.schema(), null, null, null);
      this.fitted = fitted;
      this.directory = directory;
      this.shardsTag = shardsTag;
    }

    @Override
    void startBundle() {
      writer = new ShardWriter<>(directory, ".avro", new ExampleAvroSink(fitted.outputSchema()));
    }

    @Override
    void startPart(ProcessContext context) {
      transformer = fitted.transformer(context);
    }

    @Override
    void accept(int split, Example example, ShardWriter.Guard output) {
      output.write(writer, transformer.apply(example));
    }

    @Override
    void finishBundle(Emitter emit) throws IOException {
      emit.emitShard(shardsTag, writer);
    }
  }
}
