package io.millrace.transforms.io;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import io.millrace.artifact.PathNames;
import io.millrace.examples.ExamplesManifest;
import io.millrace.ingest.ExampleFormat;
import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.FormatReader;
import io.millrace.ingest.InputException;
import io.millrace.record.ExampleSchema;
import io.millrace.split.Splits;
import io.millrace.transforms.ReadExamples;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * Which data files a stage reads and how they form splits: one pattern divided by hash splits, or
 * one pattern per split; spans; format and its options. Shared by every stage that reads raw data
 * ({@code ingest}, {@code stats}, {@code validate}).
 *
 * @param pattern the one pattern, or null when each split has its own
 * @param splitPatterns the pattern of each split, or empty when there is one pattern
 * @param firstSpan the first span to read, or null for the latest
 * @param lastSpan the last span to read, or null for the latest
 * @param format null: told from the files
 * @param splits the hash splits of the one pattern, or null for one split of everything
 */
public record InputSpec(
    String pattern,
    Map<String, String> splitPatterns,
    Long firstSpan,
    Long lastSpan,
    ExampleFormat format,
    FormatOptions formatOptions,
    Splits splits)
    implements Serializable {

  public InputSpec {
    splitPatterns =
        splitPatterns == null
            ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(splitPatterns));
    if (pattern == null && splitPatterns.isEmpty()) {
      throw new IllegalArgumentException("no split patterns given");
    }
    if (pattern != null && !splitPatterns.isEmpty()) {
      throw new IllegalArgumentException(
          "give one pattern divided by hash splits, or one pattern per split, not both");
    }
    // Each split becomes a directory of the artifacts written from this input.
    splitPatterns.keySet().forEach(name -> PathNames.requireSegment("split name", name));
    if (pattern == null && splits != null) {
      throw new IllegalArgumentException(
          "splits are given as separate input patterns; hash splits do not apply");
    }
    formatOptions = Objects.requireNonNull(formatOptions, "formatOptions");
  }

  /** The files matching one pattern, divided by {@code splits} (null: one split of everything). */
  public static InputSpec of(String pattern, Splits splits) {
    return new InputSpec(
        Objects.requireNonNull(pattern, "pattern"),
        Map.of(),
        null,
        null,
        null,
        FormatOptions.defaults(),
        splits);
  }

  /** One pattern per split, e.g. {@code train -> a/*.csv, eval -> b/*.csv}. */
  public static InputSpec ofSplits(Map<String, String> splitPatterns) {
    return new InputSpec(null, splitPatterns, null, null, null, FormatOptions.defaults(), null);
  }

  public InputSpec withSpans(long first, long last) {
    return new InputSpec(pattern, splitPatterns, first, last, format, formatOptions, splits);
  }

  public InputSpec withFormat(ExampleFormat format) {
    return new InputSpec(
        pattern, splitPatterns, firstSpan, lastSpan, format, formatOptions, splits);
  }

  public InputSpec withFormatOptions(FormatOptions formatOptions) {
    return new InputSpec(
        pattern, splitPatterns, firstSpan, lastSpan, format, formatOptions, splits);
  }

  public InputSpec withSplits(Splits splits) {
    return new InputSpec(
        pattern, splitPatterns, firstSpan, lastSpan, format, formatOptions, splits);
  }

  /** A resolved input pattern and the split it fills (null: divided by hash splits). */
  public record Group(String split, ResolvedInput input) {}

  /** The input resolved to files, with the format and example schema inferred from them. */
  public record Resolved(
      List<Group> groups,
      ReadExamples.Plan plan,
      FormatReader reader,
      Splits splits,
      List<String> splitNames,
      List<ExamplesManifest.InputGroup> inputGroups) {

    public ExampleSchema schema() {
      return plan.schema();
    }

    public List<MatchResult.Metadata> files() {
      List<MatchResult.Metadata> all = new ArrayList<>();
      groups.forEach(g -> all.addAll(g.input().files()));
      return all;
    }

    public long sizeBytes() {
      return files().stream().mapToLong(MatchResult.Metadata::sizeBytes).sum();
    }

    /**
     * SHA-256 over each file's split, name, size and content hash, in sorted order: equal for the
     * same data wherever it lies, different when any file changes.
     */
    public String fingerprint() {
      TreeSet<String> lines = new TreeSet<>();
      for (ExamplesManifest.InputGroup g : inputGroups) {
        for (ExamplesManifest.InputFile f : g.files()) {
          String name = f.path().substring(f.path().lastIndexOf('/') + 1);
          lines.add(
              (g.split() == null ? "" : g.split())
                  + "\t"
                  + name
                  + "\t"
                  + f.sizeBytes()
                  + "\t"
                  + f.sha256());
        }
      }
      Hasher sha = Hashing.sha256().newHasher();
      lines.forEach(l -> sha.putString(l + "\n", StandardCharsets.UTF_8));
      return sha.hash().toString();
    }

    /** The split names a group's records go to. */
    public List<String> splitsOf(Group group) {
      return group.split() == null ? splitNames : List.of(group.split());
    }
  }

  /**
   * Matches the patterns, picks spans and versions, and infers the format and schema.
   *
   * @param defaultSplitName the split of a single pattern without hash splits
   * @throws InputException when a pattern matches nothing or the files give no schema
   */
  public Resolved resolve(String defaultSplitName) throws IOException {
    List<Group> groups = new ArrayList<>();
    if (splitPatterns.isEmpty()) {
      groups.add(
          new Group(splits == null ? defaultSplitName : null, inputPattern(pattern).resolve()));
    } else {
      for (Map.Entry<String, String> e : splitPatterns.entrySet()) {
        groups.add(new Group(e.getKey(), inputPattern(e.getValue()).resolve()));
      }
    }
    List<MatchResult.Metadata> allFiles = new ArrayList<>();
    groups.forEach(g -> allFiles.addAll(g.input().files()));
    ReadExamples.Plan plan =
        ReadExamples.from(new ResolvedInput("", null, null, allFiles))
            .withFormat(format)
            .withFormatOptions(formatOptions)
            .plan();
    if (splits != null) {
      splits.validate(plan.schema());
    }
    List<String> splitNames = new ArrayList<>();
    if (splits != null) {
      splitNames.addAll(splits.names());
    } else {
      groups.forEach(g -> splitNames.add(g.split()));
    }
    return new Resolved(
        groups,
        plan,
        plan.format().reader(formatOptions),
        splits,
        List.copyOf(splitNames),
        inputGroups(groups));
  }

  /** Each group's files with their sizes and content hashes (read once, here). */
  private static List<ExamplesManifest.InputGroup> inputGroups(List<Group> groups)
      throws IOException {
    List<ExamplesManifest.InputGroup> inputGroups = new ArrayList<>();
    for (Group g : groups) {
      List<ExamplesManifest.InputFile> files = new ArrayList<>();
      for (ResolvedInput.FileFingerprint f : g.input().fingerprint()) {
        files.add(new ExamplesManifest.InputFile(f.path(), f.sizeBytes(), f.sha256()));
      }
      inputGroups.add(
          new ExamplesManifest.InputGroup(
              g.split(), g.input().pattern(), g.input().span(), g.input().version(), files));
    }
    return inputGroups;
  }

  private InputPattern inputPattern(String text) {
    InputPattern p = InputPattern.of(text);
    return firstSpan == null ? p : p.spans(firstSpan, lastSpan);
  }
}
