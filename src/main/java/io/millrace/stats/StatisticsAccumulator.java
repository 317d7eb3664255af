package io.millrace.stats;

import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureType;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The statistics of a data set and its slices, accumulated in one pass: a monoid ({@link #add} one
 * example, {@link #merge} two partial results), so that partial results from any number of workers
 * combine into the same statistics. The pure-Java core of {@code GenerateStatistics}.
 *
 * <pre>{@code
 * StatisticsAccumulator stats = StatisticsAccumulator.create(schema, StatisticsOptions.defaults());
 * examples.forEach(stats::add);
 * DatasetFeatureStatisticsList proto = stats.toProto();
 * }</pre>
 */
public final class StatisticsAccumulator {
  /** The name TFDV gives the unsliced data set. */
  public static final String ALL_EXAMPLES = "All Examples";

  private final ExampleSchema schema;
  private final StatisticsOptions options;
  private final int weightIndex;
  private final int[][] sliceFeatures;
  private final DatasetStatistics all;
  private final Map<String, DatasetStatistics> slices = new LinkedHashMap<>();

  private StatisticsAccumulator(
      ExampleSchema schema, StatisticsOptions options, DatasetStatistics all) {
    this.schema = schema;
    this.options = options;
    this.weightIndex = weightIndex(schema, options);
    this.sliceFeatures = new int[options.slices().size()][];
    for (int s = 0; s < sliceFeatures.length; s++) {
      List<String> names = options.slices().get(s);
      sliceFeatures[s] = new int[names.size()];
      for (int i = 0; i < names.size(); i++) {
        sliceFeatures[s][i] = schema.requireIndex(names.get(i));
      }
    }
    this.all = all;
  }

  public static StatisticsAccumulator create(ExampleSchema schema, StatisticsOptions options) {
    return new StatisticsAccumulator(schema, options, new DatasetStatistics(schema, options));
  }

  private static int weightIndex(ExampleSchema schema, StatisticsOptions options) {
    if (options.weightFeature() == null) {
      return -1;
    }
    int index = schema.requireIndex(options.weightFeature());
    if (schema.type(index) == FeatureType.BYTES) {
      throw new IllegalArgumentException(
          "the weight feature '" + options.weightFeature() + "' must be numeric, not BYTES");
    }
    return index;
  }

  public ExampleSchema schema() {
    return schema;
  }

  public StatisticsOptions options() {
    return options;
  }

  public long numExamples() {
    return all.numExamples;
  }

  public void add(Example example) {
    double weight = weight(example);
    all.add(example, weight);
    for (int[] features : sliceFeatures) {
      for (String slice : sliceNames(example, features)) {
        DatasetStatistics stats = slices.get(slice);
        if (stats == null) {
          checkSliceLimit();
          stats = new DatasetStatistics(schema, options);
          slices.put(slice, stats);
        }
        stats.add(example, weight);
      }
    }
  }

  /**
   * The data sets {@link #add} counts an example in: {@value #ALL_EXAMPLES}, then each of its
   * slices.
   */
  public List<String> datasetsOf(Example example) {
    List<String> names = new ArrayList<>();
    names.add(ALL_EXAMPLES);
    for (int[] features : sliceFeatures) {
      names.addAll(sliceNames(example, features));
    }
    return names;
  }

  private void checkSliceLimit() {
    if (slices.size() >= options.maxSlices()) {
      throw new IllegalStateException(
          "slicing by "
              + options.slices()
              + " gives more than "
              + options.maxSlices()
              + " slices; slice by features with fewer values or raise the slice limit");
    }
  }

  /** TFDV's rule: the weight feature's first value, or 1 when the example does not have it. */
  private double weight(Example example) {
    if (weightIndex < 0) {
      return 1;
    }
    Object raw = example.rawValues(weightIndex);
    if (raw instanceof long[] longs && longs.length > 0) {
      return longs[0];
    }
    if (raw instanceof double[] doubles && doubles.length > 0) {
      return doubles[0];
    }
    return 1;
  }

  /**
   * The slices an example belongs to: one per combination of the slicing features' values, named as
   * TFDV names feature-value slices ({@code payment_type_Cash}, crosses joined by {@code _}). An
   * example missing a slicing feature is in none of that slicing's slices.
   */
  private List<String> sliceNames(Example example, int[] features) {
    List<String> names = List.of("");
    for (int f : features) {
      Object raw = example.rawValues(f);
      int count = example.valueCount(f);
      if (raw == null || count == 0) {
        return List.of();
      }
      List<String> extended = new ArrayList<>(names.size() * count);
      for (String prefix : names) {
        for (int i = 0; i < count; i++) {
          String value = valueText(raw, i);
          String part = schema.name(f) + "_" + value;
          String name = prefix.isEmpty() ? part : prefix + "_" + part;
          if (!extended.contains(name)) {
            extended.add(name);
          }
        }
      }
      names = extended;
    }
    return names;
  }

  private static String valueText(Object raw, int i) {
    if (raw instanceof long[] longs) {
      return Long.toString(longs[i]);
    }
    if (raw instanceof double[] doubles) {
      return Double.toString(doubles[i]);
    }
    return new String(((byte[][]) raw)[i], StandardCharsets.UTF_8);
  }

  /** Adds another partial result of the same schema and options into this one. */
  public void merge(StatisticsAccumulator other) {
    if (!other.schema.equals(schema)) {
      throw new IllegalArgumentException(
          "cannot merge statistics of different schemas: " + schema + " and " + other.schema);
    }
    all.merge(other.all);
    for (Map.Entry<String, DatasetStatistics> e : other.slices.entrySet()) {
      DatasetStatistics mine = slices.get(e.getKey());
      if (mine == null) {
        checkSliceLimit();
        mine = new DatasetStatistics(schema, options);
        slices.put(e.getKey(), mine);
      }
      mine.merge(e.getValue());
    }
  }

  /** Merges partial results into the first of them; null when there are none. */
  public static StatisticsAccumulator mergeAll(Iterable<StatisticsAccumulator> accumulators) {
    StatisticsAccumulator merged = null;
    for (StatisticsAccumulator a : accumulators) {
      if (merged == null) {
        merged = a;
      } else {
        merged.merge(a);
      }
    }
    return merged;
  }

  /** The statistics as TFDV writes them: "All Examples" first, then the slices by name. */
  public DatasetFeatureStatisticsList toProto() {
    DatasetFeatureStatisticsList.Builder list = DatasetFeatureStatisticsList.newBuilder();
    list.addDatasets(all.toProto(ALL_EXAMPLES, options));
    new TreeMap<>(slices).forEach((name, stats) -> list.addDatasets(stats.toProto(name, options)));
    return list.build();
  }

  public void write(DataOutput out) throws IOException {
    all.write(out);
    out.writeInt(slices.size());
    // By name: the order slices were first seen in depends on how the input was cut.
    for (Map.Entry<String, DatasetStatistics> e : new TreeMap<>(slices).entrySet()) {
      out.writeUTF(e.getKey());
      e.getValue().write(out);
    }
  }

  public static StatisticsAccumulator read(
      DataInput in, ExampleSchema schema, StatisticsOptions options) throws IOException {
    StatisticsAccumulator result =
        new StatisticsAccumulator(schema, options, DatasetStatistics.read(in, schema, options));
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      String name = in.readUTF();
      result.slices.put(name, DatasetStatistics.read(in, schema, options));
    }
    return result;
  }
}
