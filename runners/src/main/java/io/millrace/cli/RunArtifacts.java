package io.millrace.cli;

import io.millrace.artifact.ReproducibilityFingerprint;
import io.millrace.artifact.StoragePaths;
import io.millrace.metadata.Artifact;
import io.millrace.metadata.RunDetail;
import io.millrace.pipeline.PipelineRunner;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The stage-by-stage half of {@code millrace runs compare}: each output of each stage of the runs,
 * identical, different or missing by its {@link ReproducibilityFingerprint}.
 */
final class RunArtifacts {
  private RunArtifacts() {}

  /** How one output compares across the runs. */
  enum Outcome {
    IDENTICAL,
    DIFFERENT,
    MISSING
  }

  /**
   * Prints the table and returns whether every output of every run is identical.
   *
   * @throws IOException when an output that exists cannot be read
   */
  static boolean compare(List<RunDetail> runs, PrintWriter out) throws IOException {
    // stage.output -> per run its URI (null where that run has no such output)
    Map<String, String[]> outputs = new LinkedHashMap<>();
    for (String stage : PipelineRunner.STAGES) {
      for (int r = 0; r < runs.size(); r++) {
        for (RunDetail.StageExecution execution : runs.get(r).stages()) {
          if (!execution.execution().stage().equals(stage)) {
            continue;
          }
          for (Map.Entry<String, Artifact> output : execution.outputs().entrySet()) {
            outputs
                    .computeIfAbsent(stage + "." + output.getKey(), k -> new String[runs.size()])[
                    r] =
                output.getValue().uri();
          }
        }
      }
    }
    out.println("Artifacts (reproducibility fingerprints: content without timestamps, run ids,");
    out.println("timings, absolute paths or shard layout)");
    StringBuilder header = new StringBuilder(String.format("  %-24s %-10s", "OUTPUT", "RESULT"));
    for (RunDetail run : runs) {
      header.append(String.format(" %-16s", abbreviate(run.summary().name(), 16)));
    }
    out.println(header);
    Map<String, Optional<String>> fingerprints = new HashMap<>();
    List<String> notIdentical = new ArrayList<>();
    for (Map.Entry<String, String[]> output : outputs.entrySet()) {
      List<Optional<String>> row = new ArrayList<>();
      for (String uri : output.getValue()) {
        row.add(uri == null ? Optional.empty() : fingerprint(uri, fingerprints));
      }
      Outcome outcome =
          row.stream().anyMatch(Optional::isEmpty)
              ? Outcome.MISSING
              : row.stream().distinct().count() == 1 ? Outcome.IDENTICAL : Outcome.DIFFERENT;
      if (outcome != Outcome.IDENTICAL) {
        notIdentical.add(output.getKey() + " " + outcome.name().toLowerCase());
      }
      StringBuilder line =
          new StringBuilder(
              String.format("  %-24s %-10s", output.getKey(), outcome.name().toLowerCase()));
      for (Optional<String> fingerprint : row) {
        line.append(String.format(" %-16s", fingerprint.map(f -> f.substring(0, 16)).orElse("-")));
      }
      out.println(line.toString().stripTrailing());
    }
    out.println(
        notIdentical.isEmpty()
            ? "identical: every output of every stage"
            : "not identical: " + String.join(", ", notIdentical));
    return notIdentical.isEmpty();
  }

  /** The fingerprint of the output at {@code uri}, empty when it is no longer there. */
  private static Optional<String> fingerprint(String uri, Map<String, Optional<String>> known)
      throws IOException {
    Optional<String> fingerprint = known.get(uri);
    if (fingerprint == null) {
      Path path = StoragePaths.of(uri);
      fingerprint =
          Files.exists(path) ? Optional.of(ReproducibilityFingerprint.of(path)) : Optional.empty();
      known.put(uri, fingerprint);
    }
    return fingerprint;
  }

  private static String abbreviate(String name, int width) {
    return name.length() <= width ? name : "…" + name.substring(name.length() - width + 1);
  }
}
