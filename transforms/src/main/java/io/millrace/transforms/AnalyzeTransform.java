package io.millrace.transforms;

import io.millrace.record.Example;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.TransformAnalysis;
import io.millrace.transform.TransformAnalyzer;
import io.millrace.transform.TransformSpec;
import io.millrace.transforms.coders.AccumulatorCoder;
import io.millrace.transforms.coders.ExampleCoder;
import io.millrace.transforms.io.ExampleFiles;
import io.millrace.transforms.io.ShardWriter;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Fits a {@link TransformSpec} on training examples in one full pass (TensorFlow Transform's
 * analyze phase): a singleton {@link FittedTransform} to write as the transform artifact, or to
 * give {@link ApplyTransform} as a side input.
 *
 * <pre>{@code
 * PCollection<FittedTransform> fitted = train.apply(AnalyzeTransform.of(spec));
 * }</pre>
 */
public final class AnalyzeTransform
    extends PTransform<PCollection<Example>, PCollection<FittedTransform>> {
  private static final long serialVersionUID = 1L;
  private final TransformSpec spec;
  private final String dataFingerprint;

  private AnalyzeTransform(TransformSpec spec, String dataFingerprint) {
    this.spec = spec;
    this.dataFingerprint = dataFingerprint;
  }

  public static AnalyzeTransform of(TransformSpec spec) {
    return new AnalyzeTransform(spec, "");
  }

  /** Records the fingerprint of the data analyzed in the fitted transform (for lineage). */
  public AnalyzeTransform withDataFingerprint(String fingerprint) {
    return new AnalyzeTransform(spec, fingerprint);
  }

  @Override
  public PCollection<FittedTransform> expand(PCollection<Example> examples) {
    if (!(examples.getCoder() instanceof ExampleCoder coder)) {
      throw new IllegalArgumentException(
          "AnalyzeTransform needs examples with an ExampleCoder, not " + examples.getCoder());
    }
    return examples.apply(
        "Analyze",
        Combine.globally(
                AccumulationCombineFn.of(
                        new TransformAnalysis(spec, coder.schema(), dataFingerprint))
                    .withOutputCoder(SerializableCoder.of(FittedTransform.class)))
            .withoutDefaults());
  }

  /**
   * Fits {@code spec} on input files (e.g. the training split of an examples artifact), each file
   * range read straight into an analyzer state: only the states travel to the combine. The files
   * must hold no bad records (an examples artifact does not): one fails the run.
   */
  public static FromFiles fromFiles(TransformSpec spec, ExampleFiles files) {
    return new FromFiles(spec, files, "");
  }

  /** {@link AnalyzeTransform} over input files, with the reading fused in. */
  public static final class FromFiles extends PTransform<PBegin, PCollection<FittedTransform>> {
    private static final long serialVersionUID = 1L;
    private final TransformSpec spec;
    private final transient ExampleFiles files;
    private final String dataFingerprint;

    private FromFiles(TransformSpec spec, ExampleFiles files, String dataFingerprint) {
      this.spec = spec;
      this.files = files;
      this.dataFingerprint = dataFingerprint;
    }

    /** Records the fingerprint of the data analyzed in the fitted transform (for lineage). */
    public FromFiles withDataFingerprint(String fingerprint) {
      return new FromFiles(spec, files, fingerprint);
    }

    @Override
    public PCollection<FittedTransform> expand(PBegin begin) {
      TransformAnalysis analysis = new TransformAnalysis(spec, files.schema(), dataFingerprint);
      TupleTag<TransformAnalyzer> statesTag = new TupleTag<>() {};
      PCollectionList<TransformAnalyzer> states = PCollectionList.empty(begin.getPipeline());
      for (ExampleFiles.Group group : files.groups()) {
        states =
            states.and(
                FusedReadFn.readGroup(
                        begin.getPipeline(),
                        files,
                        group,
                        "ReadAndAnalyze",
                        ParDo.of(new AnalyzeFn(files, analysis, statesTag))
                            .withOutputTags(statesTag, TupleTagList.empty()))
                    .get(statesTag)
                    .setCoder(AccumulatorCoder.of(analysis)));
      }
      return states
          .apply("AllStates", Flatten.pCollections())
          .apply(
              "Fit",
              Combine.globally(
                      AccumulationCombineFn.of(analysis.ofStates())
                          .withOutputCoder(SerializableCoder.of(FittedTransform.class)))
                  .withoutDefaults());
    }
  }

  /** Adds each record of a bundle to one analyzer state, emitted when the bundle finishes. */
  private static final class AnalyzeFn extends FusedReadFn<TransformAnalyzer> {
    private static final long serialVersionUID = 1L;
    private final TransformAnalysis analysis;
    private final TupleTag<TransformAnalyzer> statesTag;
    private transient TransformAnalyzer state;

    AnalyzeFn(
        ExampleFiles files, TransformAnalysis analysis, TupleTag<TransformAnalyzer> statesTag) {
      super(files.reader(), files.schema(), null, null, null);
      this.analysis = analysis;
      this.statesTag = statesTag;
    }

    @Override
    void startBundle() {
      state = analysis.create();
    }

    @Override
    void accept(int split, Example example, ShardWriter.Guard output) {
      analysis.add(state, example);
    }

    @Override
    void finishBundle(Emitter emit) {
      emit.emit(statesTag, state);
    }
  }
}
