package io.millrace.transforms;

import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.split.Splits;
import io.millrace.stats.ExactTopValues;
import io.millrace.stats.StatisticsOptions;
import io.millrace.stats.StringValues;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import io.millrace.transforms.coders.ProtoMessageCoder;
import io.millrace.transforms.io.ExampleFiles;
import io.millrace.transforms.io.ShardWriter;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;

/**
 * {@link GenerateStatistics}' second pass: the exact top values of the string features whose
 * one-pass counts were a sketch ({@link ExactTopValues}). The first pass's statistics are a side
 * input; each value of such a feature goes, with its count in the bundle, to one of {@value
 * #SHARDS} shards of its feature by a hash of its bytes; each shard counts its values exactly and
 * keeps its most frequent, and those of all shards are ranked per feature. A value lives in one
 * shard, so its count there is its whole count. (A key per value would be one grouping key per
 * distinct value: the DirectRunner keeps state and a timer per key and took minutes for 24,000.)
 * With no such feature (the common case) every step sees nothing to do.
 */
final class RecountTopValues {
  private static final char SEPARATOR = '\u0000';
  private static final int SHARDS = 64;
  private static final KvCoder<String, KV<String, Long>> VALUE_COUNT_CODER =
      KvCoder.of(StringUtf8Coder.of(), KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()));

  private RecountTopValues() {}

  /**
   * The one-pass statistics per split with exact top values.
   *
   * @param count the counting steps, given the one-pass statistics as a side input: {@code
   *     KV<shard, KV<value, count>>} for the values of sketched features, as {@link Counter} keys
   *     them
   */
  static PCollection<KV<String, DatasetFeatureStatisticsList>> exact(
      PCollection<KV<String, DatasetFeatureStatisticsList>> onePass,
      Function<
              PCollectionView<Map<String, DatasetFeatureStatisticsList>>,
              PCollection<KV<String, KV<String, Long>>>>
          count,
      StatisticsOptions options) {
    PCollectionView<Map<String, DatasetFeatureStatisticsList>> view =
        onePass.apply("SketchedFeatures", View.asMap());
    return rewrite(onePass, count.apply(view), options);
  }

  private static PCollection<KV<String, DatasetFeatureStatisticsList>> rewrite(
      PCollection<KV<String, DatasetFeatureStatisticsList>> statistics,
      PCollection<KV<String, KV<String, Long>>> counted,
      StatisticsOptions options) {
    int ranked = ExactTopValues.rankedValues(options);
    PCollection<KV<String, List<KV<String, Long>>>> top =
        counted
            .setCoder(VALUE_COUNT_CODER)
            .apply("ValuesOfShard", GroupByKey.create())
            .apply("MostFrequentOfShard", ParDo.of(new MostFrequentOfShardFn(ranked)))
            .setCoder(VALUE_COUNT_CODER)
            .apply("ValuesOfFeature", GroupByKey.create())
            .apply("MostFrequent", ParDo.of(new MostFrequentFn(ranked)))
            .setCoder(
                KvCoder.of(
                    StringUtf8Coder.of(),
                    ListCoder.of(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()))));
    PCollectionView<Map<String, List<KV<String, Long>>>> topView =
        top.apply("TopValuesView", View.asMap());
    return statistics
        .apply(
            "RewriteTopValues", ParDo.of(new RewriteFn(topView, options)).withSideInputs(topView))
        .setCoder(
            KvCoder.of(
                StringUtf8Coder.of(), ProtoMessageCoder.of(DatasetFeatureStatisticsList.class)));
  }

  private static String featureKey(String split, ExactTopValues.Target target) {
    return split + SEPARATOR + target.dataset() + SEPARATOR + target.feature();
  }

  private static String featureKeyOfShard(String shardKey) {
    return shardKey.substring(0, shardKey.lastIndexOf(SEPARATOR));
  }

  /** The shard of a value: a fixed hash of its bytes, the same in every worker and run. */
  private static int shardOf(byte[] value) {
    return Math.floorMod(Arrays.hashCode(value) * 0x9E3779B9, SHARDS);
  }

  /**
   * Values counted within a bundle, as a lifted combiner would count them: a value seen a thousand
   * times travels once. At most {@value #LIMIT} distinct values are held; then they go on.
   */
  private static final class PendingCounts {
    private static final int LIMIT = 100_000;
    private final Map<String, Map<String, long[]>> byShard = new HashMap<>();
    private int values;

    void add(String shard, String value) {
      long[] count = byShard.computeIfAbsent(shard, k -> new HashMap<>()).get(value);
      if (count == null) {
        byShard.get(shard).put(value, new long[] {1});
        values++;
      } else {
        count[0]++;
      }
    }

    boolean full() {
      return values >= LIMIT;
    }

    void drainTo(Consumer<KV<String, KV<String, Long>>> output) {
      byShard.forEach(
          (shard, counts) ->
              counts.forEach(
                  (value, count) -> output.accept(KV.of(shard, KV.of(value, count[0])))));
      byShard.clear();
      values = 0;
    }
  }

  /** Keeps the {@code n} most frequent of counted values; ties by smaller bytes. */
  private static final class MostFrequentValues {
    // The heap's head is the value to drop first: the least frequent, ties by larger bytes.
    private static final Comparator<KV<String, Long>> DROP_FIRST =
        Comparator.comparingLong((KV<String, Long> v) -> v.getValue())
            .thenComparing(KV::getKey, Comparator.reverseOrder());
    private final int n;
    private final PriorityQueue<KV<String, Long>> kept = new PriorityQueue<>(DROP_FIRST);

    MostFrequentValues(int n) {
      this.n = n;
    }

    void offer(KV<String, Long> value) {
      kept.add(value);
      if (kept.size() > n) {
        kept.poll();
      }
    }

    List<KV<String, Long>> values() {
      return new ArrayList<>(kept);
    }
  }

  /** Sums the counts of each value of one shard and passes on the shard's most frequent. */
  private static final class MostFrequentOfShardFn
      extends DoFn<KV<String, Iterable<KV<String, Long>>>, KV<String, KV<String, Long>>> {
    private static final long serialVersionUID = 1L;
    private final int n;

    MostFrequentOfShardFn(int n) {
      this.n = n;
    }

    @ProcessElement
    public void process(
        @Element KV<String, Iterable<KV<String, Long>>> shard,
        OutputReceiver<KV<String, KV<String, Long>>> out) {
      Map<String, long[]> counts = new HashMap<>();
      for (KV<String, Long> value : shard.getValue()) {
        counts.computeIfAbsent(value.getKey(), v -> new long[1])[0] += value.getValue();
      }
      MostFrequentValues top = new MostFrequentValues(n);
      counts.forEach((value, count) -> top.offer(KV.of(value, count[0])));
      String feature = featureKeyOfShard(shard.getKey());
      for (KV<String, Long> value : top.values()) {
        out.output(KV.of(feature, value));
      }
    }
  }

  /** The {@code n} most frequent values of a feature from its shards' most frequent. */
  private static final class MostFrequentFn
      extends DoFn<KV<String, Iterable<KV<String, Long>>>, KV<String, List<KV<String, Long>>>> {
    private static final long serialVersionUID = 1L;
    private final int n;

    MostFrequentFn(int n) {
      this.n = n;
    }

    @ProcessElement
    public void process(
        @Element KV<String, Iterable<KV<String, Long>>> feature,
        OutputReceiver<KV<String, List<KV<String, Long>>>> out) {
      MostFrequentValues top = new MostFrequentValues(n);
      feature.getValue().forEach(top::offer);
      out.output(KV.of(feature.getKey(), top.values()));
    }
  }

  /**
   * Turns the values of sketched features in an example of a split into counting keys. The value
   * bytes travel as an ISO-8859-1 string: one char per byte, so that strings compare as the bytes
   * do unsigned, the order ties are broken in.
   */
  static final class Counter implements Serializable {
    private static final long serialVersionUID = 1L;
    private final ExampleSchema schema;
    private final StatisticsOptions options;
    private transient Map<String, ExactTopValues.Values> valuesBySplit;

    Counter(ExampleSchema schema, StatisticsOptions options) {
      this.schema = schema;
      this.options = options;
    }

    /** Whether no split has a sketched feature: nothing to count. */
    boolean nothingToCount(Map<String, DatasetFeatureStatisticsList> statistics) {
      prepare(statistics);
      return valuesBySplit.values().stream().allMatch(ExactTopValues.Values::isEmpty);
    }

    /** Hands {@code (shard, value)} to {@code output} for each value of a sketched feature. */
    void count(
        String split,
        Example example,
        Map<String, DatasetFeatureStatisticsList> statistics,
        BiConsumer<String, String> output) {
      prepare(statistics);
      ExactTopValues.Values values = valuesBySplit.get(split);
      if (values == null || values.isEmpty()) {
        return;
      }
      values.forEach(
          example,
          (target, value) ->
              output.accept(
                  featureKey(split, target) + SEPARATOR + shardOf(value),
                  new String(value, StandardCharsets.ISO_8859_1)));
    }

    /** A bundle begins: the side input is read again on its first element. */
    void startBundle() {
      valuesBySplit = null;
    }

    // The side input (batch, one global window) is the same for every element of a bundle; Beam
    // may hand out a new map object for each, so it is read once per bundle, not per element.
    private void prepare(Map<String, DatasetFeatureStatisticsList> statistics) {
      if (valuesBySplit != null) {
        return;
      }
      Map<String, ExactTopValues.Values> bySplit = new HashMap<>();
      statistics.forEach(
          (split, stats) ->
              bySplit.put(
                  split,
                  new ExactTopValues.Values(schema, options, ExactTopValues.sketched(stats))));
      valuesBySplit = bySplit;
    }
  }

  /** Counts the values of sketched features in keyed examples (split, example). */
  static final class CountKeyedFn extends DoFn<KV<String, Example>, KV<String, KV<String, Long>>> {
    private static final long serialVersionUID = 1L;
    private final Counter counter;
    private final PCollectionView<Map<String, DatasetFeatureStatisticsList>> statistics;
    private transient Map<BoundedWindow, PendingCounts> pending;

    CountKeyedFn(Counter counter, PCollectionView<Map<String, DatasetFeatureStatisticsList>> view) {
      this.counter = counter;
      this.statistics = view;
    }

    @StartBundle
    public void startBundle() {
      counter.startBundle();
      pending = new HashMap<>();
    }

    @ProcessElement
    public void process(ProcessContext context, BoundedWindow window) {
      KV<String, Example> element = context.element();
      PendingCounts counts = pending.computeIfAbsent(window, w -> new PendingCounts());
      counter.count(
          element.getKey(), element.getValue(), context.sideInput(statistics), counts::add);
      if (counts.full()) {
        counts.drainTo(context::output);
      }
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      pending.forEach(
          (window, counts) ->
              counts.drainTo(kv -> context.output(kv, window.maxTimestamp(), window)));
      pending = null;
    }
  }

  /**
   * Counts the values of sketched features in a part of an input file: {@link
   * GenerateStatistics.FromFiles}' second read, which skips every part when nothing was sketched.
   * Records the first read could not read were reported by it, so they are passed over here.
   */
  static final class CountPartFn extends FusedReadFn<KV<String, KV<String, Long>>> {
    private static final long serialVersionUID = 1L;
    private final Counter counter;
    private final List<String> splitNames;
    private final PCollectionView<Map<String, DatasetFeatureStatisticsList>> statistics;
    private final TupleTag<KV<String, KV<String, Long>>> counted;
    private transient Map<String, DatasetFeatureStatisticsList> current;
    private transient PendingCounts pending;
    private transient ProcessContext context;

    CountPartFn(
        ExampleFiles files,
        Splits splits,
        List<String> splitNames,
        Counter counter,
        PCollectionView<Map<String, DatasetFeatureStatisticsList>> statistics,
        TupleTag<KV<String, KV<String, Long>>> counted) {
      super(files.reader(), files.schema(), splits, null, null);
      this.counted = counted;
      this.counter = counter;
      this.splitNames = splitNames;
      this.statistics = statistics;
    }

    @Override
    boolean skipsPart(ProcessContext context) {
      current = context.sideInput(statistics);
      return counter.nothingToCount(current);
    }

    @Override
    boolean failsOnBadRecords() {
      return false;
    }

    @Override
    void startBundle() {
      counter.startBundle();
      pending = new PendingCounts();
    }

    @Override
    void startPart(ProcessContext context) {
      this.context = context;
    }

    @Override
    void accept(int split, Example example, ShardWriter.Guard output) {
      counter.count(splitNames.get(split), example, current, pending::add);
      if (pending.full()) {
        pending.drainTo(kv -> context.output(counted, kv));
      }
    }

    @Override
    void finishBundle(Emitter emit) {
      pending.drainTo(kv -> emit.emit(counted, kv));
      pending = null;
      context = null;
    }
  }

  private static final class RewriteFn
      extends DoFn<
          KV<String, DatasetFeatureStatisticsList>, KV<String, DatasetFeatureStatisticsList>> {
    private static final long serialVersionUID = 1L;
    private final PCollectionView<Map<String, List<KV<String, Long>>>> top;
    private final StatisticsOptions options;

    RewriteFn(PCollectionView<Map<String, List<KV<String, Long>>>> top, StatisticsOptions options) {
      this.top = top;
      this.options = options;
    }

    @ProcessElement
    public void process(ProcessContext context) {
      KV<String, DatasetFeatureStatisticsList> element = context.element();
      String split = element.getKey();
      DatasetFeatureStatisticsList stats = element.getValue();
      var sketched = ExactTopValues.sketched(stats);
      if (sketched.isEmpty()) {
        context.output(element);
        return;
      }
      Map<String, List<KV<String, Long>>> counted = context.sideInput(top);
      Map<ExactTopValues.Target, List<StringValues.ValueCount>> exact = new HashMap<>();
      for (ExactTopValues.Target target : sketched) {
        List<KV<String, Long>> values = counted.get(featureKey(split, target));
        if (values != null) {
          List<StringValues.ValueCount> counts = new ArrayList<>(values.size());
          for (KV<String, Long> v : values) {
            counts.add(
                new StringValues.ValueCount(
                    v.getKey().getBytes(StandardCharsets.ISO_8859_1), v.getValue(), Double.NaN));
          }
          exact.put(target, counts);
        }
      }
      context.output(KV.of(split, ExactTopValues.withExactTopValues(stats, exact, options)));
    }
  }
}
