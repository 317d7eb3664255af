package io.millrace.transform;

import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureType;
import io.millrace.stats.NumericValues;
import io.millrace.stats.StatisticsOptions;
import io.millrace.stats.StringValues;
import io.millrace.transform.TransformSpec.Kind;
import io.millrace.transform.TransformSpec.Step;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.List;

/**
 * The full-pass analyzers of a {@link TransformSpec} over training examples, as one mergeable state
 * (add an example, merge two partial states), so that every analyzer shares one scan and partial
 * results from any number of workers combine: the pure-Java core of {@code AnalyzeTransform}.
 * {@link #fit} turns the merged state into the constants of a {@link FittedTransform}.
 *
 * <p>Numeric steps summarize their input's first value (count, mean, population variance, min, max,
 * and quantiles exact up to 1,024 distinct values, then from a KLL sketch); vocabularies count
 * every distinct string exactly, as TensorFlow Transform's do.
 */
public final class TransformAnalyzer {
  private final TransformSpec spec;
  private final ExampleSchema schema;
  private final int[] inputIndex;
  private final NumericValues[] numeric;
  private final StringValues[] strings;

  private TransformAnalyzer(TransformSpec spec, ExampleSchema schema, boolean allocate) {
    this.spec = spec;
    this.schema = schema;
    List<Step> steps = spec.steps();
    inputIndex = new int[steps.size()];
    numeric = new NumericValues[steps.size()];
    strings = new StringValues[steps.size()];
    for (int s = 0; s < steps.size(); s++) {
      Step step = steps.get(s);
      inputIndex[s] = -1;
      if (!isAnalyzed(step.kind())) {
        continue;
      }
      int index = schema.requireIndex(step.input());
      inputIndex[s] = index;
      boolean vocabulary = step.kind() == Kind.COMPUTE_AND_APPLY_VOCABULARY;
      if (vocabulary != (schema.type(index) == FeatureType.BYTES)) {
        throw new IllegalArgumentException(
            step.output()
                + ": "
                + step.kind()
                + " needs a "
                + (vocabulary ? "BYTES" : "numeric")
                + " input, and '"
                + step.input()
                + "' is "
                + schema.type(index));
      }
      if (allocate) {
        if (vocabulary) {
          strings[s] = new StringValues(Integer.MAX_VALUE);
        } else {
          numeric[s] = new NumericValues(StatisticsOptions.DEFAULT_QUANTILES_SKETCH_K);
        }
      }
    }
  }

  private static boolean isAnalyzed(Kind kind) {
    return kind != Kind.HASH_STRINGS && kind != Kind.HASHED_CROSS && kind != Kind.EXPRESSION;
  }

  public static TransformAnalyzer create(TransformSpec spec, ExampleSchema schema) {
    return new TransformAnalyzer(spec, schema, true);
  }

  public TransformSpec spec() {
    return spec;
  }

  public ExampleSchema schema() {
    return schema;
  }

  public void add(Example example) {
    for (int s = 0; s < inputIndex.length; s++) {
      int f = inputIndex[s];
      if (f < 0) {
        continue;
      }
      Object raw = example.rawValues(f);
      if (numeric[s] != null) {
        if (raw instanceof double[] d && d.length > 0) {
          numeric[s].add(d[0], 1);
        } else if (raw instanceof long[] l && l.length > 0) {
          numeric[s].add(l[0], 1);
        }
      } else if (raw instanceof byte[][] values) {
        for (byte[] v : values) {
          strings[s].add(v, 1);
        }
      }
    }
  }

  public void merge(TransformAnalyzer other) {
    for (int s = 0; s < inputIndex.length; s++) {
      if (numeric[s] != null) {
        numeric[s].merge(other.numeric[s]);
      } else if (strings[s] != null) {
        strings[s].merge(other.strings[s]);
      }
    }
  }

  /** The fitted constants of every step; {@code dataFingerprint} names the data fitted on. */
  public FittedTransform fit(String dataFingerprint) {
    return FittedTransform.fit(spec, schema, numeric, strings, dataFingerprint);
  }

  public void write(DataOutput out) throws IOException {
    for (int s = 0; s < inputIndex.length; s++) {
      if (numeric[s] != null) {
        numeric[s].write(out);
      } else if (strings[s] != null) {
        strings[s].write(out);
      }
    }
  }

  public static TransformAnalyzer read(DataInput in, TransformSpec spec, ExampleSchema schema)
      throws IOException {
    TransformAnalyzer a = new TransformAnalyzer(spec, schema, false);
    for (int s = 0; s < a.inputIndex.length; s++) {
      if (a.inputIndex[s] < 0) {
        continue;
      }
      if (spec.steps().get(s).kind() == Kind.COMPUTE_AND_APPLY_VOCABULARY) {
        a.strings[s] = StringValues.read(in, Integer.MAX_VALUE);
      } else {
        a.numeric[s] = NumericValues.read(in, StatisticsOptions.DEFAULT_QUANTILES_SKETCH_K);
      }
    }
    return a;
  }
}
