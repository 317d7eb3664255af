package io.millrace.stats;

import io.millrace.accumulate.WeightSum;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureType;
import io.millrace.tfmd.BytesStatistics;
import io.millrace.tfmd.CommonStatistics;
import io.millrace.tfmd.CustomStatistic;
import io.millrace.tfmd.DatasetFeatureStatistics;
import io.millrace.tfmd.FeatureNameStatistics;
import io.millrace.tfmd.Histogram;
import io.millrace.tfmd.NumericStatistics;
import io.millrace.tfmd.RankHistogram;
import io.millrace.tfmd.StringStatistics;
import io.millrace.tfmd.WeightedCommonStatistics;
import io.millrace.tfmd.WeightedNumericStatistics;
import io.millrace.tfmd.WeightedStringStatistics;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The statistics of one data set (or slice) being accumulated: a mergeable state per feature. */
final class DatasetStatistics {
  private final ExampleSchema schema;
  private final FeatureType[] types;
  private final Presence[] presence;
  private final NumericValues[] numeric;
  private final StringValues[] strings;

  long numExamples;
  final WeightSum weightedNumExamples = new WeightSum();

  DatasetStatistics(ExampleSchema schema, StatisticsOptions options) {
    this(schema, options, true);
  }

  private DatasetStatistics(ExampleSchema schema, StatisticsOptions options, boolean allocate) {
    this.schema = schema;
    int n = schema.size();
    types = new FeatureType[n];
    presence = new Presence[n];
    numeric = new NumericValues[n];
    strings = new StringValues[n];
    for (int f = 0; f < n; f++) {
      types[f] = schema.type(f);
      if (allocate) {
        presence[f] = new Presence();
        if (types[f] == FeatureType.BYTES) {
          strings[f] = new StringValues(options.exactDistinctLimit());
        } else {
          numeric[f] = new NumericValues(options.quantilesSketchK());
        }
      }
    }
  }

  void add(Example example, double weight) {
    numExamples++;
    weightedNumExamples.add(weight, 1);
    for (int f = 0; f < types.length; f++) {
      Object raw = example.rawValues(f);
      if (raw == null) {
        presence[f].addMissing(weight);
        continue;
      }
      switch (types[f]) {
        case INT:
          {
            long[] values = (long[]) raw;
            presence[f].addPresent(values.length, weight);
            NumericValues acc = numeric[f];
            for (long v : values) {
              acc.add(v, weight);
            }
            break;
          }
        case FLOAT:
          {
            double[] values = (double[]) raw;
            presence[f].addPresent(values.length, weight);
            NumericValues acc = numeric[f];
            for (double v : values) {
              acc.add(v, weight);
            }
            break;
          }
        default:
          {
            byte[][] values = (byte[][]) raw;
            presence[f].addPresent(values.length, weight);
            StringValues acc = strings[f];
            for (byte[] v : values) {
              acc.add(v, weight);
            }
          }
      }
    }
  }

  void merge(DatasetStatistics other) {
    numExamples += other.numExamples;
    weightedNumExamples.add(other.weightedNumExamples);
    for (int f = 0; f < types.length; f++) {
      presence[f].merge(other.presence[f]);
      if (numeric[f] != null) {
        numeric[f].merge(other.numeric[f]);
      } else {
        strings[f].merge(other.strings[f]);
      }
    }
  }

  void write(DataOutput out) throws IOException {
    out.writeLong(numExamples);
    weightedNumExamples.write(out);
    for (int f = 0; f < types.length; f++) {
      presence[f].write(out);
      if (numeric[f] != null) {
        numeric[f].write(out);
      } else {
        strings[f].write(out);
      }
    }
  }

  static DatasetStatistics read(DataInput in, ExampleSchema schema, StatisticsOptions options)
      throws IOException {
    DatasetStatistics d = new DatasetStatistics(schema, options, false);
    d.numExamples = in.readLong();
    d.weightedNumExamples.add(WeightSum.read(in));
    for (int f = 0; f < d.types.length; f++) {
      d.presence[f] = Presence.read(in);
      if (d.types[f] == FeatureType.BYTES) {
        d.strings[f] = StringValues.read(in, options.exactDistinctLimit());
      } else {
        d.numeric[f] = NumericValues.read(in, options.quantilesSketchK());
      }
    }
    return d;
  }

  DatasetFeatureStatistics toProto(String name, StatisticsOptions options) {
    boolean weighted = options.weightFeature() != null;
    DatasetFeatureStatistics.Builder dataset =
        DatasetFeatureStatistics.newBuilder().setName(name).setNumExamples(numExamples);
    if (weighted) {
      dataset.setWeightedNumExamples(weightedNumExamples.doubleValue());
    }
    for (int f = 0; f < types.length; f++) {
      FeatureNameStatistics.Builder feature =
          FeatureNameStatistics.newBuilder().setName(schema.name(f));
      CommonStatistics common = commonStatistics(presence[f], options, weighted);
      if (types[f] == FeatureType.BYTES) {
        StringValues s = strings[f];
        if (s.numInvalidUtf8 > 0) {
          feature
              .setType(FeatureNameStatistics.Type.BYTES)
              .setBytesStats(bytesStatistics(s, common));
        } else {
          feature
              .setType(FeatureNameStatistics.Type.STRING)
              .setStringStats(stringStatistics(s, common, options, weighted));
        }
        feature.addCustomStats(
            CustomStatistic.newBuilder()
                .setName(CustomStatisticNames.UNIQUE_METHOD)
                .setStr(s.isExact() ? "exact" : "hll_sketch"));
        feature.addCustomStats(
            CustomStatistic.newBuilder()
                .setName(CustomStatisticNames.NUM_INVALID_UTF8)
                .setNum(s.numInvalidUtf8));
      } else {
        NumericValues v = numeric[f];
        feature
            .setType(
                types[f] == FeatureType.INT
                    ? FeatureNameStatistics.Type.INT
                    : FeatureNameStatistics.Type.FLOAT)
            .setNumStats(numericStatistics(v, common, options, weighted));
        feature.addCustomStats(
            CustomStatistic.newBuilder().setName(CustomStatisticNames.NUM_NAN).setNum(v.numNan));
        feature.addCustomStats(
            CustomStatistic.newBuilder()
                .setName(CustomStatisticNames.NUM_POS_INF)
                .setNum(v.numPosInf));
        feature.addCustomStats(
            CustomStatistic.newBuilder()
                .setName(CustomStatisticNames.NUM_NEG_INF)
                .setNum(v.numNegInf));
        feature.addCustomStats(
            CustomStatistic.newBuilder()
                .setName(CustomStatisticNames.QUANTILES_RANK_ERROR)
                .setNum(v.normalizedRankError()));
        if (types[f] == FeatureType.INT && v.distinctCount() >= 0) {
          feature.addCustomStats(
              CustomStatistic.newBuilder()
                  .setName(CustomStatisticNames.UNIQUE)
                  .setNum(v.distinctCount()));
        }
      }
      dataset.addFeatures(feature);
    }
    return dataset.build();
  }

  private static CommonStatistics commonStatistics(
      Presence p, StatisticsOptions options, boolean weighted) {
    CommonStatistics.Builder common =
        CommonStatistics.newBuilder()
            .setNumNonMissing(p.numNonMissing)
            .setNumMissing(p.numMissing)
            .setMinNumValues(p.minNumValues())
            .setMaxNumValues(p.maxNumValues())
            .setAvgNumValues(
                p.numNonMissing == 0 ? 0f : (float) ((double) p.totNumValues / p.numNonMissing))
            .setTotNumValues(p.totNumValues);
    if (p.numNonMissing > 0) {
      int buckets = options.histogramBuckets();
      long[] bounds = p.valencyQuantiles(evenFractions(buckets));
      Histogram.Builder histogram =
          Histogram.newBuilder().setType(Histogram.HistogramType.QUANTILES);
      for (int b = 0; b < buckets; b++) {
        histogram.addBuckets(
            Histogram.Bucket.newBuilder()
                .setLowValue(bounds[b])
                .setHighValue(bounds[b + 1])
                .setSampleCount((double) p.numNonMissing / buckets));
      }
      common.setNumValuesHistogram(histogram);
    }
    if (weighted) {
      common.setWeightedCommonStats(
          WeightedCommonStatistics.newBuilder()
              .setNumNonMissing(p.weightedNonMissing.doubleValue())
              .setNumMissing(p.weightedMissing.doubleValue())
              .setAvgNumValues(
                  p.weightedNonMissing.doubleValue() == 0
                      ? 0
                      : p.weightedTotNumValues.doubleValue() / p.weightedNonMissing.doubleValue())
              .setTotNumValues(p.weightedTotNumValues.doubleValue()));
    }
    return common.build();
  }

  private static NumericStatistics numericStatistics(
      NumericValues v, CommonStatistics common, StatisticsOptions options, boolean weighted) {
    NumericStatistics.Builder stats =
        NumericStatistics.newBuilder().setCommonStats(common).setNumZeros(v.numZeros);
    if (v.min <= v.max) {
      stats.setMin(v.min).setMax(v.max);
    }
    int buckets = options.histogramBuckets();
    Histogram.Builder standard =
        Histogram.newBuilder().setType(Histogram.HistogramType.STANDARD).setNumNan(v.numNan);
    Histogram.Builder quantiles =
        Histogram.newBuilder().setType(Histogram.HistogramType.QUANTILES).setNumNan(v.numNan);
    if (v.hasFiniteValues()) {
      stats.setMean(v.mean()).setStdDev(v.stdDev());
      stats.setMedian(v.quantiles(new double[] {0.5})[0]);
      double low = v.finiteMin();
      double high = v.finiteMax();
      if (low == high) {
        standard.addBuckets(
            Histogram.Bucket.newBuilder().setLowValue(low).setHighValue(high).setSampleCount(v.n));
      } else {
        double[] splits = new double[buckets - 1];
        double width = (high - low) / buckets;
        for (int b = 1; b < buckets; b++) {
          splits[b - 1] = low + b * width;
        }
        double[] below = splits.length == 0 ? new double[0] : v.countsBelow(splits);
        double previous = 0;
        for (int b = 0; b < buckets; b++) {
          double upTo = b < buckets - 1 ? below[b] : v.n;
          standard.addBuckets(
              Histogram.Bucket.newBuilder()
                  .setLowValue(b == 0 ? low : splits[b - 1])
                  .setHighValue(b == buckets - 1 ? high : splits[b])
                  .setSampleCount(upTo - previous));
          previous = upTo;
        }
      }
      double[] bounds = v.quantiles(evenFractions(buckets));
      for (int b = 0; b < buckets; b++) {
        quantiles.addBuckets(
            Histogram.Bucket.newBuilder()
                .setLowValue(bounds[b])
                .setHighValue(bounds[b + 1])
                .setSampleCount((double) v.n / buckets));
      }
    }
    stats.addHistograms(standard).addHistograms(quantiles);
    if (weighted && v.hasFiniteValues()) {
      stats.setWeightedNumericStats(
          WeightedNumericStatistics.newBuilder()
              .setMean(v.weightedMean())
              .setStdDev(v.weightedStdDev()));
    }
    return stats.build();
  }

  private static StringStatistics stringStatistics(
      StringValues s, CommonStatistics common, StatisticsOptions options, boolean weighted) {
    StringStatistics.Builder stats =
        StringStatistics.newBuilder()
            .setCommonStats(common)
            .setUnique(s.unique())
            .setAvgLength(s.numValues == 0 ? 0f : (float) ((double) s.totalBytes / s.numValues));
    int ranked = rankedValues(options);
    setTopValues(stats, s.top(ranked), options);
    if (weighted && s.isExact()) {
      WeightedStringStatistics.Builder w = WeightedStringStatistics.newBuilder();
      RankHistogram.Builder weightedRanks = RankHistogram.newBuilder();
      List<StringValues.ValueCount> byWeight = s.topByWeight(ranked);
      for (int i = 0; i < byWeight.size(); i++) {
        StringValues.ValueCount v = byWeight.get(i);
        String text = new String(v.value(), StandardCharsets.UTF_8);
        if (i < options.topK()) {
          w.addTopValues(
              StringStatistics.FreqAndValue.newBuilder().setValue(text).setFrequency(v.weight()));
        }
        if (i < options.rankHistogramBuckets()) {
          weightedRanks.addBuckets(
              RankHistogram.Bucket.newBuilder()
                  .setLowRank(i)
                  .setHighRank(i)
                  .setLabel(text)
                  .setSampleCount(v.weight()));
        }
      }
      stats.setWeightedStringStats(w.setRankHistogram(weightedRanks));
    }
    return stats.build();
  }

  /** How many of the most frequent values the top values and the rank histogram show. */
  static int rankedValues(StatisticsOptions options) {
    return Math.max(options.topK(), options.rankHistogramBuckets());
  }

  /**
   * Sets the top values and the rank histogram from the most frequent values, most frequent first.
   */
  static void setTopValues(
      StringStatistics.Builder stats,
      List<StringValues.ValueCount> top,
      StatisticsOptions options) {
    stats.clearTopValues();
    RankHistogram.Builder ranks = RankHistogram.newBuilder();
    for (int i = 0; i < top.size(); i++) {
      StringValues.ValueCount v = top.get(i);
      String text = new String(v.value(), StandardCharsets.UTF_8);
      if (i < options.topK()) {
        stats.addTopValues(
            StringStatistics.FreqAndValue.newBuilder().setValue(text).setFrequency(v.count()));
      }
      if (i < options.rankHistogramBuckets()) {
        ranks.addBuckets(
            RankHistogram.Bucket.newBuilder()
                .setLowRank(i)
                .setHighRank(i)
                .setLabel(text)
                .setSampleCount(v.count()));
      }
    }
    stats.setRankHistogram(ranks);
  }

  private static BytesStatistics bytesStatistics(StringValues s, CommonStatistics common) {
    BytesStatistics.Builder stats =
        BytesStatistics.newBuilder().setCommonStats(common).setUnique(s.unique());
    if (s.numValues > 0) {
      stats
          .setAvgNumBytes((float) ((double) s.totalBytes / s.numValues))
          .setMinNumBytes(s.minBytes)
          .setMaxNumBytes(s.maxBytes);
    }
    return stats.build();
  }

  /** {@code 0, 1/n, ..., 1}. */
  private static double[] evenFractions(int buckets) {
    double[] fractions = new double[buckets + 1];
    for (int i = 0; i <= buckets; i++) {
      fractions[i] = (double) i / buckets;
    }
    return fractions;
  }
}
