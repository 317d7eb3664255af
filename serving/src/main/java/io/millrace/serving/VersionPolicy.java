package io.millrace.serving;

import java.util.ArrayList;
import java.util.List;

/**
 * Which of a model's registry versions are served, as TensorFlow Serving's {@code
 * model_version_policy}: the latest N, every version, or specific versions.
 *
 * <p>Written {@code latest}, {@code latest:N}, {@code all} or {@code specific:1,3}.
 */
public record VersionPolicy(Kind kind, int latest, List<Integer> specific) {
  public enum Kind {
    LATEST,
    ALL,
    SPECIFIC
  }

  public VersionPolicy {
    specific = List.copyOf(specific);
    if (kind == Kind.LATEST && latest < 1) {
      throw new IllegalArgumentException("latest:N needs N >= 1, not " + latest);
    }
    if (kind == Kind.SPECIFIC && specific.isEmpty()) {
      throw new IllegalArgumentException("specific: needs at least one version");
    }
  }

  public static VersionPolicy latest(int n) {
    return new VersionPolicy(Kind.LATEST, n, List.of());
  }

  public static VersionPolicy parse(String text) {
    if (text.equals("all")) {
      return new VersionPolicy(Kind.ALL, 0, List.of());
    }
    if (text.equals("latest")) {
      return latest(1);
    }
    try {
      if (text.startsWith("latest:")) {
        return latest(Integer.parseInt(text.substring("latest:".length())));
      }
      if (text.startsWith("specific:")) {
        List<Integer> versions = new ArrayList<>();
        for (String v : text.substring("specific:".length()).split(",", -1)) {
          int version = Integer.parseInt(v.trim());
          if (version < 1) {
            throw new IllegalArgumentException("version " + version + " is not >= 1");
          }
          versions.add(version);
        }
        return new VersionPolicy(Kind.SPECIFIC, 0, versions);
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "version policy '" + text + "': not a number: " + e.getMessage());
    }
    throw new IllegalArgumentException(
        "version policy '" + text + "' is none of latest, latest:N, all, specific:V1,V2,...");
  }

  /**
   * The versions to serve among a model's committed versions (ascending); a specific version the
   * registry lacks is kept, so that its status reports it missing.
   */
  List<Integer> select(List<Integer> committed) {
    return switch (kind) {
      case ALL -> committed;
      case LATEST -> committed.subList(Math.max(0, committed.size() - latest), committed.size());
      case SPECIFIC -> specific.stream().distinct().sorted().toList();
    };
  }

  @Override
  public String toString() {
    return switch (kind) {
      case ALL -> "all";
      case LATEST -> "latest:" + latest;
      case SPECIFIC ->
          "specific:" + String.join(",", specific.stream().map(String::valueOf).toList());
    };
  }
}
