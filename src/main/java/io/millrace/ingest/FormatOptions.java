package io.millrace.ingest;

import io.millrace.record.FeatureType;
import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** How to read input files: options shared by all formats plus the CSV dialect. Immutable. */
public final class FormatOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Records sampled to infer CSV column types and TFRecord features when none are given. */
  public static final int DEFAULT_INFERENCE_SAMPLE = 10_000;

  private final char delimiter;
  private final Map<String, FeatureType> featureTypes;
  private final Set<String> missingValues;
  private final int inferenceSample;

  private FormatOptions(
      char delimiter,
      Map<String, FeatureType> featureTypes,
      Set<String> missingValues,
      int inferenceSample) {
    this.delimiter = delimiter;
    this.featureTypes = Collections.unmodifiableMap(new LinkedHashMap<>(featureTypes));
    this.missingValues = Collections.unmodifiableSet(new LinkedHashSet<>(missingValues));
    this.inferenceSample = inferenceSample;
  }

  public static FormatOptions defaults() {
    return new FormatOptions(',', Map.of(), Set.of(""), DEFAULT_INFERENCE_SAMPLE);
  }

  public FormatOptions withDelimiter(char delimiter) {
    return new FormatOptions(delimiter, featureTypes, missingValues, inferenceSample);
  }

  /**
   * Types that override inference, by feature name. A CSV cell that does not parse as its column's
   * given type sends its row to the dead letters.
   */
  public FormatOptions withFeatureTypes(Map<String, FeatureType> types) {
    return new FormatOptions(delimiter, types, missingValues, inferenceSample);
  }

  /** CSV cells read as missing (the empty cell always is), e.g. {@code NA}. */
  public FormatOptions withMissingValues(Set<String> values) {
    Set<String> all = new LinkedHashSet<>(values);
    all.add("");
    return new FormatOptions(delimiter, featureTypes, all, inferenceSample);
  }

  /** How many records type inference reads (spread over the first files); at least 1. */
  public FormatOptions withInferenceSample(int records) {
    if (records < 1) {
      throw new IllegalArgumentException("the inference sample needs at least 1 record");
    }
    return new FormatOptions(delimiter, featureTypes, missingValues, records);
  }

  public char delimiter() {
    return delimiter;
  }

  public Map<String, FeatureType> featureTypes() {
    return featureTypes;
  }

  public Set<String> missingValues() {
    return missingValues;
  }

  public int inferenceSample() {
    return inferenceSample;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof FormatOptions)) {
      return false;
    }
    FormatOptions f = (FormatOptions) o;
    return delimiter == f.delimiter
        && featureTypes.equals(f.featureTypes)
        && missingValues.equals(f.missingValues)
        && inferenceSample == f.inferenceSample;
  }

  @Override
  public int hashCode() {
    return Objects.hash(delimiter, featureTypes, missingValues, inferenceSample);
  }
}
