package io.millrace.stage;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.millrace.ingest.ExampleFormat;
import io.millrace.ingest.FormatOptions;
import io.millrace.record.FeatureType;
import io.millrace.split.Splits;
import io.millrace.transforms.io.InputPattern;
import io.millrace.transforms.io.InputSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Raw data files to read and how, as the command line's input options and {@code pipeline.yaml}'s
 * {@code input} section both give them: the one place they become an {@link InputSpec}.
 *
 * <p>Its JSON, part of a stage's cache key, leaves out where the data lies (the patterns and
 * spans): the data is in the key by its content fingerprint, so a span whose files equal an earlier
 * one's reuses its stages.
 *
 * @param pattern one pattern, divided by {@code hashSplits} (or one split without them)
 * @param splitPatterns one pattern per split, instead of {@code pattern}
 * @param format csv, avro, parquet or tfrecord (any case); null: told from the file names
 * @param hashSplits the hash splits dividing {@code pattern} and their bucket counts, in order;
 *     null: no hashing
 * @param splitFeature the feature whose value picks a record's hash split (TFX's {@code
 *     partition_feature_name}); only with hash splits
 * @param spans {@code "3"} or {@code "1..3"}; null: the latest span
 * @param featureTypes types given instead of inferred (INT, FLOAT, BYTES, any case)
 * @param missingValues CSV cells read as missing besides the empty one
 * @param delimiter the CSV delimiter; null: a comma
 * @param inferSample records read to infer types; null: {@value
 *     FormatOptions#DEFAULT_INFERENCE_SAMPLE}
 */
public record RawInput(
    @JsonIgnore String pattern,
    @JsonIgnore Map<String, String> splitPatterns,
    String format,
    @JsonIgnore Map<String, Integer> hashSplits,
    String splitFeature,
    @JsonIgnore String spans,
    Map<String, String> featureTypes,
    List<String> missingValues,
    Character delimiter,
    Integer inferSample) {

  public RawInput {
    splitPatterns =
        splitPatterns == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(splitPatterns));
    if ((pattern == null) == splitPatterns.isEmpty()) {
      throw new IllegalArgumentException(
          "give the data as one pattern or as one pattern per split");
    }
    hashSplits =
        hashSplits == null
            ? null
            : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(hashSplits));
    featureTypes = featureTypes == null ? Map.of() : Map.copyOf(new TreeMap<>(featureTypes));
    // The set of missing values matters, not the order they were given in.
    missingValues = missingValues == null ? List.of() : List.copyOf(new TreeSet<>(missingValues));
  }

  /** One pattern, divided by {@code hashSplits} (null: one split). */
  public static RawInput of(String pattern, Map<String, Integer> hashSplits) {
    return new RawInput(pattern, null, null, hashSplits, null, null, null, null, null, null);
  }

  /** The names of the per-split patterns, in the key in place of the patterns themselves. */
  @JsonProperty("splitPatterns")
  List<String> splitPatternNames() {
    return List.copyOf(splitPatterns.keySet());
  }

  /** The hash splits in order, which decides the buckets each split gets. */
  @JsonProperty("splits")
  List<String> hashSplitsInOrder() {
    List<String> splits = new ArrayList<>();
    if (hashSplits != null) {
      hashSplits.forEach((name, buckets) -> splits.add(name + "=" + buckets));
    }
    return splits;
  }

  /**
   * Refuses a split feature where no record is hashed into a split: TFX's partition feature applies
   * to the hash split config, so it needs hash splits (the default ones or those given), and means
   * nothing when each pattern is a split of its own or the input is one split.
   *
   * @throws IllegalArgumentException naming why
   */
  public void checkSplitFeature() {
    if (splitFeature == null) {
      return;
    }
    if (!splitPatterns.isEmpty()) {
      throw new IllegalArgumentException(
          "the split feature '"
              + splitFeature
              + "' picks the hash split of each record, but here each input pattern is a split of"
              + " its own and no record is hashed; drop the split feature or give one pattern with"
              + " hash splits");
    }
    if (hashSplits == null || hashSplits.isEmpty()) {
      throw new IllegalArgumentException(
          "the split feature '"
              + splitFeature
              + "' picks the hash split of each record, but this input is not divided by hash"
              + " splits; give the splits (e.g. train=2,eval=1) or drop the split feature");
    }
  }

  /**
   * The input to resolve.
   *
   * @throws IllegalArgumentException when a value does not parse or a split feature has no hash
   *     splits to pick from
   */
  public InputSpec spec() {
    checkSplitFeature();
    InputSpec spec;
    if (pattern != null) {
      Splits splits = hashSplits == null || hashSplits.isEmpty() ? null : Splits.of(hashSplits);
      if (splitFeature != null) {
        splits = splits.hashedOn(splitFeature);
      }
      spec = InputSpec.of(pattern, splits);
    } else {
      spec = InputSpec.ofSplits(splitPatterns);
    }
    if (format != null) {
      spec = spec.withFormat(ExampleFormat.valueOf(format.toUpperCase(Locale.ROOT)));
    }
    if (spans != null) {
      String[] range = spans.split("\\.\\.");
      long first = Long.parseLong(range[0].trim());
      spec = spec.withSpans(first, range.length > 1 ? Long.parseLong(range[1].trim()) : first);
    }
    Map<String, FeatureType> types = new LinkedHashMap<>();
    featureTypes.forEach(
        (name, type) -> types.put(name, FeatureType.valueOf(type.toUpperCase(Locale.ROOT))));
    FormatOptions options =
        FormatOptions.defaults()
            .withFeatureTypes(types)
            .withMissingValues(new LinkedHashSet<>(missingValues));
    if (delimiter != null) {
      options = options.withDelimiter(delimiter);
    }
    if (inferSample != null) {
      options = options.withInferenceSample(inferSample);
    }
    return spec.withFormatOptions(options);
  }

  /**
   * Every file the patterns match (local or on a store), in any span: what a stage must not write
   * over.
   */
  public List<Path> files() throws IOException {
    List<String> all = pattern != null ? List.of(pattern) : List.copyOf(splitPatterns.values());
    List<Path> files = new ArrayList<>();
    for (String each : all) {
      files.addAll(InputPattern.of(each).files());
    }
    return files;
  }
}
