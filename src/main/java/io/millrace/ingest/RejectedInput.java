package io.millrace.ingest;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.millrace.artifact.ArtifactDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * What a run that rejected its input leaves for inspection, instead of the whole staged artifact:
 * the dead letters and {@value #REPORT} (why, the counts, and every damaged file with the records
 * it lost), in {@code <output>.rejected} beside the output that was not written. It has no
 * manifest, so no stage takes it for an artifact; a later rejected run replaces it only when it is
 * recognisably one of these.
 */
public final class RejectedInput {
  public static final String SUFFIX = ".rejected";
  public static final String REPORT = "rejection.json";
  public static final String LAYOUT = "millrace-rejected-input/1 (dead letters and why)";

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private RejectedInput() {}

  /**
   * {@value #REPORT}.
   *
   * @param notWritten the output the run did not write
   * @param deadLetters file pattern of the dead letters, relative to the directory
   */
  public record Report(
      String layout,
      String createdAt,
      String notWritten,
      String reason,
      long recordsIn,
      long examples,
      long deadLetterCount,
      long recordsLost,
      List<FileDamage> damagedFiles,
      String deadLetters) {}

  /**
   * Throws the rejection when the policy rejects the tally, after keeping the dead letters: every
   * staged entry but {@code keep} is deleted, the report is written, and the staging directory
   * becomes {@code <target>.rejected}. Does nothing when the input is acceptable.
   *
   * @param keep names of staged directories to keep (the dead letters)
   * @throws InputException naming why, and where the dead letters and report are
   */
  public static void throwIfRejected(
      BadInputPolicy policy, ReadTally tally, ArtifactDirectory artifact, List<String> keep)
      throws IOException {
    String why = policy.violation(tally, artifact.target().toString());
    if (why == null) {
      return;
    }
    Path kept = keep(artifact, keep, tally, why);
    throw new InputException(
        why
            + " The dead letters, with file, record, field and reason, are in "
            + kept.resolve(keep.get(0))
            + "; the damaged files and counts in "
            + kept.resolve(REPORT));
  }

  private static Path keep(
      ArtifactDirectory artifact, List<String> keep, ReadTally tally, String why)
      throws IOException {
    Path staging = artifact.staging();
    try (Stream<Path> entries = Files.list(staging)) {
      for (Path entry : entries.toList()) {
        if (!keep.contains(entry.getFileName().toString())) {
          ArtifactDirectory.deleteRecursively(entry);
        }
      }
    }
    for (String name : keep) {
      Files.createDirectories(staging.resolve(name));
    }
    Report report =
        new Report(
            LAYOUT,
            Instant.now().toString(),
            artifact.target().toString(),
            why,
            tally.recordsIn(),
            tally.examples(),
            tally.deadLetters(),
            tally.recordsLost(),
            tally.damages(),
            keep.get(0) + "/part-*.jsonl");
    ArtifactDirectory.writeAtomically(staging.resolve(REPORT), JSON.writeValueAsBytes(report));

    Path target = artifact.target();
    Path place = target.resolveSibling(target.getFileName() + SUFFIX);
    if (Files.exists(place, LinkOption.NOFOLLOW_LINKS)) {
      if (isOurs(place, keep)) {
        Path old = place.resolveSibling("." + place.getFileName() + ".old-" + UUID.randomUUID());
        if (ArtifactDirectory.renamesAtomically(place)) {
          Files.move(place, old, StandardCopyOption.ATOMIC_MOVE);
          ArtifactDirectory.deleteRecursively(old);
        } else {
          ArtifactDirectory.deleteRecursively(place);
        }
      } else {
        // Something else has that name: never replace it.
        place =
            target.resolveSibling(
                target.getFileName() + SUFFIX + "-" + UUID.randomUUID().toString().substring(0, 8));
      }
    }
    if (ArtifactDirectory.renamesAtomically(place)) {
      Files.move(staging, place, StandardCopyOption.ATOMIC_MOVE);
    } else {
      ArtifactDirectory.copyRecursively(staging, place);
      ArtifactDirectory.deleteRecursively(staging);
    }
    return place;
  }

  /** A directory of only a report of this layout and the kept directories of JSON lines. */
  static boolean isOurs(Path place, List<String> keep) throws IOException {
    if (!Files.isDirectory(place, LinkOption.NOFOLLOW_LINKS)
        || !Files.isRegularFile(place.resolve(REPORT), LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    try {
      if (!LAYOUT.equals(
          JSON.readValue(Files.readAllBytes(place.resolve(REPORT)), Report.class).layout())) {
        return false;
      }
    } catch (IOException e) {
      return false;
    }
    Set<String> allowed = new HashSet<>(keep);
    allowed.add(REPORT);
    allowed.add(ArtifactDirectory.COMMITTED);
    try (Stream<Path> entries = Files.list(place)) {
      if (!entries.allMatch(e -> allowed.contains(e.getFileName().toString()))) {
        return false;
      }
    }
    for (String name : keep) {
      try (Stream<Path> files = Files.walk(place.resolve(name))) {
        boolean onlyShards =
            files.allMatch(
                f ->
                    f.equals(place.resolve(name))
                        || (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)
                            && f.getFileName().toString().matches("part-\\d+-of-\\d+\\.jsonl")));
        if (!onlyShards) {
          return false;
        }
      } catch (java.nio.file.NoSuchFileException e) {
        // A kept directory that is missing is fine.
      }
    }
    return true;
  }
}
