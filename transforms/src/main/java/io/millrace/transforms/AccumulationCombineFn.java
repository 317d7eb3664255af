package io.millrace.transforms;

import io.millrace.accumulate.Accumulation;
import io.millrace.transforms.coders.AccumulatorCoder;
import java.util.Iterator;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.transforms.Combine;

/**
 * Runs any {@link Accumulation} as a Beam combine: the statistics, the transform analyzers and the
 * model metrics all go through this one {@link Combine.CombineFn}, their partial states between
 * workers through one {@link AccumulatorCoder}.
 *
 * <pre>{@code
 * examples.apply(Combine.globally(AccumulationCombineFn.of(new StatisticsAccumulation(schema, options))));
 * // states accumulated elsewhere, e.g. per bundle of a fused read, merged per key:
 * partials.apply(Combine.perKey(AccumulationCombineFn.of(accumulation.ofStates())));
 * }</pre>
 */
public final class AccumulationCombineFn<I, A, O> extends Combine.CombineFn<I, A, O> {
  private static final long serialVersionUID = 1L;
  private final Accumulation<I, A, O> accumulation;
  private final Coder<O> outputCoder;

  private AccumulationCombineFn(Accumulation<I, A, O> accumulation, Coder<O> outputCoder) {
    this.accumulation = accumulation;
    this.outputCoder = outputCoder;
  }

  public static <I, A, O> AccumulationCombineFn<I, A, O> of(Accumulation<I, A, O> accumulation) {
    return new AccumulationCombineFn<>(accumulation, null);
  }

  /** The coder of the combine's output, when the registry cannot infer it. */
  public AccumulationCombineFn<I, A, O> withOutputCoder(Coder<O> coder) {
    return new AccumulationCombineFn<>(accumulation, coder);
  }

  public Accumulation<I, A, O> accumulation() {
    return accumulation;
  }

  @Override
  public A createAccumulator() {
    return accumulation.create();
  }

  @Override
  public A addInput(A state, I input) {
    return accumulation.add(state, input);
  }

  /** The runner owns the accumulators it passes: the others merge into the first. */
  @Override
  public A mergeAccumulators(Iterable<A> states) {
    Iterator<A> it = states.iterator();
    if (!it.hasNext()) {
      return accumulation.create();
    }
    A merged = it.next();
    while (it.hasNext()) {
      merged = accumulation.merge(merged, it.next());
    }
    return merged;
  }

  @Override
  public O extractOutput(A state) {
    return accumulation.extract(state);
  }

  @Override
  public Coder<A> getAccumulatorCoder(CoderRegistry registry, Coder<I> inputCoder) {
    return AccumulatorCoder.of(accumulation);
  }

  @Override
  public Coder<O> getDefaultOutputCoder(CoderRegistry registry, Coder<I> inputCoder)
      throws CannotProvideCoderException {
    return outputCoder != null ? outputCoder : super.getDefaultOutputCoder(registry, inputCoder);
  }
}
