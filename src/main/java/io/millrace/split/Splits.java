package io.millrace.split;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import io.millrace.artifact.PathNames;
import io.millrace.record.ByteArrayBuffer;
import io.millrace.record.Example;
import io.millrace.record.ExampleEncoding;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureType;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Deterministic hash splits, as TFX's ExampleGen makes them: each example's FarmHash Fingerprint64
 * picks one of {@code total buckets}, and consecutive buckets form the splits ({@code train=2,
 * eval=1} sends buckets 0-1 to train and 2 to eval).
 *
 * <p>The fingerprint is over the example's canonical encoding ({@link ExampleEncoding}), so a
 * record lands in the same split on every runner and run, whatever the input format's byte layout.
 * With {@link #hashedOn(String)} it is over one feature's values instead, so all records sharing a
 * key (a user, a trip) land in one split.
 */
public final class Splits implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final HashFunction FINGERPRINT = Hashing.farmHashFingerprint64();

  private final LinkedHashMap<String, Integer> buckets;
  private final String hashFeature;

  private Splits(Map<String, Integer> buckets, String hashFeature) {
    if (buckets.isEmpty()) {
      throw new IllegalArgumentException("at least one split is needed");
    }
    buckets.forEach(
        (name, n) -> {
          if (n < 1) {
            throw new IllegalArgumentException("split '" + name + "' needs at least 1 bucket");
          }
          PathNames.requireSegment("split name", name);
        });
    this.buckets = new LinkedHashMap<>(buckets);
    this.hashFeature = hashFeature;
  }

  /** TFX's default: train and eval in 2:1. */
  public static Splits trainEval() {
    return parse("train=2,eval=1");
  }

  /** Splits of the given bucket counts, in order. */
  public static Splits of(Map<String, Integer> buckets) {
    return new Splits(buckets, null);
  }

  /**
   * Parses {@code name=buckets,...}, e.g. {@code train=8,eval=1,test=1}.
   *
   * @throws IllegalArgumentException naming the part that does not parse
   */
  public static Splits parse(String spec) {
    Map<String, Integer> buckets = new LinkedHashMap<>();
    for (String part : spec.split(",")) {
      String[] kv = part.trim().split("=");
      if (kv.length != 2) {
        throw new IllegalArgumentException(
            "split '" + part + "' is not name=buckets (e.g. train=2,eval=1)");
      }
      try {
        if (buckets.put(kv[0].trim(), Integer.parseInt(kv[1].trim())) != null) {
          throw new IllegalArgumentException("split '" + kv[0].trim() + "' is named twice");
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("split '" + part + "' has no whole number of buckets");
      }
    }
    return new Splits(buckets, null);
  }

  /** Hashes on one INT or BYTES feature, so that records sharing its value share a split. */
  public Splits hashedOn(String feature) {
    return new Splits(buckets, Objects.requireNonNull(feature));
  }

  public List<String> names() {
    return Collections.unmodifiableList(new ArrayList<>(buckets.keySet()));
  }

  public Map<String, Integer> buckets() {
    return Collections.unmodifiableMap(buckets);
  }

  /** The feature hashed on, or null when whole examples are. */
  public String hashFeature() {
    return hashFeature;
  }

  /** Checks the splits fit a schema: the hash feature must exist and be INT or BYTES. */
  public void validate(ExampleSchema schema) {
    if (hashFeature != null) {
      int index = schema.requireIndex(hashFeature);
      if (schema.type(index) == FeatureType.FLOAT) {
        throw new IllegalArgumentException(
            "cannot split on FLOAT feature '"
                + hashFeature
                + "': float values are no stable key; pick an INT or BYTES feature");
      }
    }
  }

  /** Assigns examples to split indexes; one per thread, as it reuses a buffer. */
  public Assigner assigner(ExampleSchema schema) {
    validate(schema);
    return new Assigner(schema);
  }

  /** Maps an example to the index of its split in {@link #names()}. */
  public final class Assigner {
    private final ExampleEncoding encoding;
    private final int featureIndex;
    private final int[] splitOfBucket;
    private final ByteArrayBuffer buffer = new ByteArrayBuffer();

    private Assigner(ExampleSchema schema) {
      this.encoding = ExampleEncoding.of(schema);
      this.featureIndex = hashFeature == null ? -1 : schema.indexOf(hashFeature);
      int total = buckets.values().stream().mapToInt(Integer::intValue).sum();
      this.splitOfBucket = new int[total];
      int bucket = 0;
      int split = 0;
      for (int n : buckets.values()) {
        for (int i = 0; i < n; i++) {
          splitOfBucket[bucket++] = split;
        }
        split++;
      }
    }

    public int assign(Example example) {
      long fingerprint = featureIndex < 0 ? fingerprintWhole(example) : fingerprintKey(example);
      return splitOfBucket[(int) Long.remainderUnsigned(fingerprint, splitOfBucket.length)];
    }

    private long fingerprintWhole(Example example) {
      buffer.reset();
      encoding.encode(example, buffer);
      return FINGERPRINT.hashBytes(buffer.array(), 0, buffer.size()).asLong();
    }

    /** Values are hashed as TFX does: bytes as they are, integers as decimal text. */
    private long fingerprintKey(Example example) {
      Hasher hasher = FINGERPRINT.newHasher();
      Object values = example.rawValues(featureIndex);
      if (values instanceof long[]) {
        for (long v : (long[]) values) {
          hasher.putString(Long.toString(v), StandardCharsets.UTF_8);
        }
      } else if (values instanceof byte[][]) {
        for (byte[] v : (byte[][]) values) {
          hasher.putBytes(v);
        }
      }
      return hasher.hash().asLong();
    }
  }
}
