package io.millrace.transforms;

import io.millrace.ingest.BadInputPolicy;
import io.millrace.ingest.DeadLetter;
import io.millrace.ingest.ExampleFormat;
import io.millrace.ingest.ExampleSink;
import io.millrace.ingest.FileDamage;
import io.millrace.ingest.FileRange;
import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.FormatReader;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.transforms.coders.DeadLetterCoder;
import io.millrace.transforms.coders.ExampleCoder;
import io.millrace.transforms.io.BeamSourceFile;
import io.millrace.transforms.io.InputPattern;
import io.millrace.transforms.io.ResolvedInput;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MetadataCoderV2;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PInput;
import org.apache.beam.sdk.values.POutput;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Reads CSV, Avro, Parquet or TFRecord ({@code tf.Example}) files into {@link Example}s, sending
 * every record that cannot be read to a dead-letter collection instead of failing or dropping it,
 * and every part of a file that cannot be read at all (cut off, corrupt) to a collection of {@link
 * FileDamage}s that count the records lost.
 *
 * <pre>{@code
 * ReadExamples.Result read = pipeline.apply(ReadExamples.from("data/span-{SPAN}/*.csv"));
 * PCollection<Example> examples = read.examples();
 * PCollection<DeadLetter> bad = read.deadLetters();
 * PCollection<FileDamage> damaged = read.damages();
 * }</pre>
 *
 * <p>Files are matched, and the example schema is inferred, when the transform is applied (as TFX's
 * ExampleGen driver does), so the schema is fixed before any record flows. Each file is read whole
 * by one worker; files are spread over workers.
 */
public final class ReadExamples extends PTransform<PBegin, ReadExamples.Result> {
  private static final long serialVersionUID = 1L;

  private final List<InputPattern> patterns;
  private final ResolvedInput resolved;
  private final ExampleFormat format;
  private final FormatOptions options;
  private final ExampleSchema schema;
  private final long rangeBytes;

  /** Files larger than twice this are read in parallel ranges, where the format allows. */
  public static final long DEFAULT_RANGE_BYTES = 32L << 20;

  private ReadExamples(
      List<InputPattern> patterns,
      ResolvedInput resolved,
      ExampleFormat format,
      FormatOptions options,
      ExampleSchema schema,
      long rangeBytes) {
    this.patterns = patterns;
    this.resolved = resolved;
    this.format = format;
    this.options = options;
    this.schema = schema;
    this.rangeBytes = rangeBytes;
  }

  /** Reads the files matching a pattern, which may name {@code {SPAN}} and {@code {VERSION}}. */
  public static ReadExamples from(String pattern) {
    return from(InputPattern.of(pattern));
  }

  public static ReadExamples from(InputPattern pattern) {
    return new ReadExamples(
        List.of(pattern), null, null, FormatOptions.defaults(), null, DEFAULT_RANGE_BYTES);
  }

  /** Reads files already resolved, e.g. to fingerprint them before the pipeline runs. */
  public static ReadExamples from(ResolvedInput input) {
    return new ReadExamples(
        List.of(), input, null, FormatOptions.defaults(), null, DEFAULT_RANGE_BYTES);
  }

  /** The format; by default told from the first file's name. */
  public ReadExamples withFormat(ExampleFormat format) {
    return new ReadExamples(patterns, resolved, format, options, schema, rangeBytes);
  }

  public ReadExamples withFormatOptions(FormatOptions options) {
    return new ReadExamples(patterns, resolved, format, options, schema, rangeBytes);
  }

  /** The schema to read with; by default inferred from the files. */
  public ReadExamples withSchema(ExampleSchema schema) {
    return new ReadExamples(patterns, resolved, format, options, schema, rangeBytes);
  }

  /**
   * The size of the ranges large files are read in, one range per worker at a time (default 32
   * MiB). Only formats that can find record boundaries without reading from the start split.
   */
  public ReadExamples withRangeBytes(long rangeBytes) {
    if (rangeBytes < 1) {
      throw new IllegalArgumentException("range size must be positive: " + rangeBytes);
    }
    return new ReadExamples(patterns, resolved, format, options, schema, rangeBytes);
  }

  /** Resolves the input and infers the schema as {@link #expand} would, without a pipeline. */
  public Plan plan() {
    try {
      ResolvedInput input = resolved != null ? resolved : patterns.get(0).resolve();
      ExampleFormat fmt =
          format != null
              ? format
              : ExampleFormat.fromFileName(input.files().get(0).resourceId().toString());
      ExampleSchema s =
          schema != null ? schema : fmt.reader(options).inferSchema(input.sourceFiles());
      return new Plan(input, fmt, s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Result expand(PBegin begin) {
    Plan plan = plan();
    FormatReader reader = plan.format.reader(options);
    PCollectionTuple read =
        begin
            .apply("ListFiles", Create.of(plan.input.files()).withCoder(MetadataCoderV2.of()))
            .apply("SplitFiles", ParDo.of(new SplitFileFn(reader, plan.schema, rangeBytes)))
            .apply("SpreadParts", Reshuffle.viaRandomKey())
            .apply(
                "ReadParts",
                ParDo.of(new ReadFileFn(reader, plan.schema))
                    .withOutputTags(
                        ReadFileFn.EXAMPLES,
                        TupleTagList.of(ReadFileFn.DEAD_LETTERS).and(ReadFileFn.DAMAGES)));
    PCollection<Example> examples =
        read.get(ReadFileFn.EXAMPLES).setCoder(ExampleCoder.of(plan.schema));
    PCollection<DeadLetter> deadLetters =
        read.get(ReadFileFn.DEAD_LETTERS).setCoder(DeadLetterCoder.of());
    PCollection<FileDamage> damages =
        read.get(ReadFileFn.DAMAGES).setCoder(SerializableCoder.of(FileDamage.class));
    return new Result(begin.getPipeline(), plan, examples, deadLetters, damages);
  }

  /** What a read resolved to before running: the files, their format and the example schema. */
  public static final class Plan {
    private final ResolvedInput input;
    private final ExampleFormat format;
    private final ExampleSchema schema;

    Plan(ResolvedInput input, ExampleFormat format, ExampleSchema schema) {
      this.input = input;
      this.format = format;
      this.schema = schema;
    }

    public ResolvedInput input() {
      return input;
    }

    public ExampleFormat format() {
      return format;
    }

    public ExampleSchema schema() {
      return schema;
    }
  }

  /**
   * The examples read, the records that could not be, the damaged parts of files, and what the read
   * resolved to.
   */
  public static final class Result implements POutput {
    private final Pipeline pipeline;
    private final Plan plan;
    private final PCollection<Example> examples;
    private final PCollection<DeadLetter> deadLetters;
    private final PCollection<FileDamage> damages;

    Result(
        Pipeline pipeline,
        Plan plan,
        PCollection<Example> examples,
        PCollection<DeadLetter> deadLetters,
        PCollection<FileDamage> damages) {
      this.pipeline = pipeline;
      this.plan = plan;
      this.examples = examples;
      this.deadLetters = deadLetters;
      this.damages = damages;
    }

    public PCollection<Example> examples() {
      return examples;
    }

    public PCollection<DeadLetter> deadLetters() {
      return deadLetters;
    }

    /**
     * The parts of files that could not be read, each counting the records it lost. Whoever uses
     * the examples must fail on these unless partial files are acceptable (see {@link
     * BadInputPolicy}).
     */
    public PCollection<FileDamage> damages() {
      return damages;
    }

    public Plan plan() {
      return plan;
    }

    public ExampleSchema schema() {
      return plan.schema;
    }

    @Override
    public Pipeline getPipeline() {
      return pipeline;
    }

    @Override
    public Map<TupleTag<?>, PValue> expand() {
      return Map.of(
          ReadFileFn.EXAMPLES, examples,
          ReadFileFn.DEAD_LETTERS, deadLetters,
          ReadFileFn.DAMAGES, damages);
    }

    @Override
    public void finishSpecifyingOutput(
        String transformName, PInput input, PTransform<?, ?> transform) {}
  }

  /** A range of one input file: the unit of parallel reading. */
  @DefaultCoder(SerializableCoder.class)
  public record FilePart(MatchResult.Metadata file, FileRange range) implements Serializable {}

  /**
   * The files as ranges to read, spread over workers: the first steps of every reader, including
   * the fused composites (IngestExamples, GenerateStatistics.fromFiles, ...).
   */
  public static PCollection<FilePart> fileParts(
      Pipeline pipeline,
      String stepSuffix,
      List<MatchResult.Metadata> files,
      FormatReader reader,
      ExampleSchema schema) {
    return fileParts(
        pipeline.apply("ListFiles" + stepSuffix, Create.of(files).withCoder(MetadataCoderV2.of())),
        stepSuffix,
        reader,
        schema);
  }

  /** {@link #fileParts} of files known only when the pipeline runs (e.g. shards it wrote). */
  public static PCollection<FilePart> fileParts(
      PCollection<MatchResult.Metadata> files,
      String stepSuffix,
      FormatReader reader,
      ExampleSchema schema) {
    return files
        .setCoder(MetadataCoderV2.of())
        .apply(
            "SplitFiles" + stepSuffix,
            ParDo.of(new SplitFileFn(reader, schema, DEFAULT_RANGE_BYTES)))
        .apply("SpreadParts" + stepSuffix, Reshuffle.viaRandomKey());
  }

  static final class SplitFileFn extends DoFn<MatchResult.Metadata, FilePart> {
    private static final long serialVersionUID = 1L;
    private final FormatReader reader;
    private final ExampleSchema schema;
    private final long rangeBytes;

    SplitFileFn(FormatReader reader, ExampleSchema schema, long rangeBytes) {
      this.reader = reader;
      this.schema = schema;
      this.rangeBytes = rangeBytes;
    }

    @ProcessElement
    public void process(@Element MatchResult.Metadata file, OutputReceiver<FilePart> out) {
      List<FileRange> ranges;
      try {
        ranges = reader.split(new BeamSourceFile(file), schema, rangeBytes);
      } catch (IOException e) {
        // Reading the whole file reports the problem.
        ranges = List.of(FileRange.whole());
      }
      ranges.forEach(range -> out.output(new FilePart(file, range)));
    }
  }

  private static final class ReadFileFn extends DoFn<FilePart, Example> {
    private static final long serialVersionUID = 1L;
    static final TupleTag<Example> EXAMPLES = new TupleTag<Example>("examples") {};
    static final TupleTag<DeadLetter> DEAD_LETTERS = new TupleTag<DeadLetter>("deadLetters") {};
    static final TupleTag<FileDamage> DAMAGES = new TupleTag<FileDamage>("damages") {};

    private final FormatReader reader;
    private final ExampleSchema schema;
    private final Counter examplesRead = Metrics.counter(ReadExamples.class, "examples");
    private final Counter deadLettersRead = Metrics.counter(ReadExamples.class, "deadLetters");

    ReadFileFn(FormatReader reader, ExampleSchema schema) {
      this.reader = reader;
      this.schema = schema;
    }

    @ProcessElement
    public void process(@Element FilePart part, MultiOutputReceiver out) {
      OutputReceiver<Example> examples = out.get(EXAMPLES);
      OutputReceiver<DeadLetter> deadLetters = out.get(DEAD_LETTERS);
      OutputReceiver<FileDamage> damages = out.get(DAMAGES);
      long[] counts = new long[2];
      reader.read(
          new BeamSourceFile(part.file()),
          part.range(),
          schema,
          new ExampleSink() {
            @Override
            public void accept(Example example) {
              examples.output(example);
              counts[0]++;
            }

            @Override
            public void reject(DeadLetter deadLetter) {
              deadLetters.output(deadLetter);
              counts[1]++;
            }

            @Override
            public void damaged(FileDamage damage) {
              damages.output(damage);
            }
          });
      examplesRead.inc(counts[0]);
      deadLettersRead.inc(counts[1]);
    }
  }
}
