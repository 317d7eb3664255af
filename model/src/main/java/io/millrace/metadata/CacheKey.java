package io.millrace.metadata;

import io.millrace.artifact.CanonicalJson;
import io.millrace.artifact.ContentDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * The key under which a stage's execution is cached: SHA-256 (hex) of the stage name, its config as
 * canonical JSON, the code version and the fingerprints of its input artifacts in order. Two
 * executions with the same key would compute the same outputs, so the later one may reuse the
 * earlier one's.
 *
 * <p>The config is canonicalised first, so key order, whitespace and the spelling of numbers
 * ({@code 1}, {@code 1.0}, {@code 1e0}) do not change the key; array order does.
 */
public final class CacheKey {
  // Bumped when what goes into the key changes, so old entries stop matching.
  private static final String VERSION = "millrace-cache-key/1";

  private CacheKey() {}

  /**
   * @throws IllegalArgumentException when the config is not JSON or an input has no fingerprint
   */
  public static String of(
      String stage, String configJson, String codeVersion, List<String> inputFingerprints) {
    ContentDigest.Parts parts =
        ContentDigest.parts(VERSION)
            .add(stage)
            .add(canonicalJson(configJson))
            .add(codeVersion)
            .add(Integer.toString(inputFingerprints.size()));
    for (int i = 0; i < inputFingerprints.size(); i++) {
      String fingerprint = inputFingerprints.get(i);
      if (fingerprint == null || fingerprint.isEmpty()) {
        throw new IllegalArgumentException(
            "stage " + stage + ": input " + i + " has no fingerprint, so it cannot be cached");
      }
      parts.add(fingerprint);
    }
    return parts.sha256();
  }

  /** The key for a stage reading these artifacts, in this order. */
  public static String forInputs(
      String stage, String configJson, String codeVersion, List<Artifact> inputs) {
    List<String> fingerprints = new ArrayList<>();
    for (Artifact input : inputs) {
      if (input.fingerprint().isEmpty()) {
        throw new IllegalArgumentException(
            "stage "
                + stage
                + ": input artifact "
                + input.id()
                + " ("
                + input.type()
                + " at "
                + input.uri()
                + ") has no fingerprint, so it cannot be cached");
      }
      fingerprints.add(input.fingerprint());
    }
    return of(stage, configJson, codeVersion, fingerprints);
  }

  /** The JSON with object keys sorted, no whitespace and numbers in plain form. */
  public static String canonicalJson(String json) {
    return CanonicalJson.of(json);
  }
}
