package io.millrace.ingest;

import io.millrace.record.FeatureType;
import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How to read input files: options shared by all formats plus the CSV dialect.
 *
 * @param featureTypes types that override inference, by feature name; a CSV cell that does not
 *     parse as its column's given type sends its row to the dead letters
 * @param missingValues CSV cells read as missing, e.g. {@code NA}; the empty cell always is
 * @param inferenceSample how many records type inference reads (spread over the first files); at
 *     least 1
 */
public record FormatOptions(
    char delimiter,
    Map<String, FeatureType> featureTypes,
    Set<String> missingValues,
    int inferenceSample)
    implements Serializable {

  /** Records sampled to infer CSV column types and TFRecord features when none are given. */
  public static final int DEFAULT_INFERENCE_SAMPLE = 10_000;

  public FormatOptions {
    if (inferenceSample < 1) {
      throw new IllegalArgumentException("the inference sample needs at least 1 record");
    }
    featureTypes =
        Collections.unmodifiableMap(
            new LinkedHashMap<>(Objects.requireNonNull(featureTypes, "featureTypes")));
    Set<String> missing =
        new LinkedHashSet<>(Objects.requireNonNull(missingValues, "missingValues"));
    missing.add("");
    missingValues = Collections.unmodifiableSet(missing);
  }

  public static FormatOptions defaults() {
    return new FormatOptions(',', Map.of(), Set.of(""), DEFAULT_INFERENCE_SAMPLE);
  }

  public FormatOptions withDelimiter(char delimiter) {
    return new FormatOptions(delimiter, featureTypes, missingValues, inferenceSample);
  }

  public FormatOptions withFeatureTypes(Map<String, FeatureType> types) {
    return new FormatOptions(delimiter, types, missingValues, inferenceSample);
  }

  public FormatOptions withMissingValues(Set<String> values) {
    return new FormatOptions(delimiter, featureTypes, values, inferenceSample);
  }

  public FormatOptions withInferenceSample(int records) {
    return new FormatOptions(delimiter, featureTypes, missingValues, records);
  }
}
