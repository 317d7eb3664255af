package io.millrace.transforms.io;

import io.millrace.examples.ExamplesAvroFormatReader;
import io.millrace.ingest.FormatReader;
import io.millrace.record.ExampleSchema;
import io.millrace.split.Splits;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * Files that a fused read goes through in one pass, and where their records go: each group's
 * records go to one named split, or are hashed into {@link #splits}; with the reader and the schema
 * to read them with. Made from raw input ({@link InputSpec}) or from an examples artifact.
 *
 * @param splits the hash splits of the groups without a split of their own; null when every group
 *     names its split
 * @param splitNames every split the records go to, in order
 */
public record ExampleFiles(
    FormatReader reader,
    ExampleSchema schema,
    Splits splits,
    List<String> splitNames,
    List<Group> groups) {

  /** Files whose records go to {@code split}, or are hashed into the splits when it is null. */
  public record Group(String split, List<MatchResult.Metadata> files) {
    public Group {
      files = List.copyOf(files);
    }

    /** Distinguishes the steps of each group in a pipeline: {@code ""} or {@code "-<split>"}. */
    public String step() {
      return split == null ? "" : "-" + split;
    }
  }

  public ExampleFiles {
    splitNames = List.copyOf(splitNames);
    groups = List.copyOf(groups);
    for (Group g : groups) {
      if (g.split() == null ? splits == null : !splitNames.contains(g.split())) {
        throw new IllegalArgumentException(
            "the files of group " + g + " go to no split of " + splitNames);
      }
    }
  }

  /** Raw input files as resolved: a hashed pattern, or one pattern per split. */
  public static ExampleFiles of(InputSpec.Resolved input) {
    List<Group> groups = new ArrayList<>();
    input.groups().forEach(g -> groups.add(new Group(g.split(), g.input().files())));
    return new ExampleFiles(
        input.reader(), input.schema(), input.splits(), input.splitNames(), groups);
  }

  /** Every split of an examples artifact, each from its own shards. */
  public static ExampleFiles of(ExamplesArtifact examples) throws IOException {
    List<String> names = new ArrayList<>();
    examples.manifest().splits().forEach(s -> names.add(s.name()));
    return of(examples, names);
  }

  /** Some splits of an examples artifact. */
  public static ExampleFiles of(ExamplesArtifact examples, List<String> splits) throws IOException {
    List<Group> groups = new ArrayList<>();
    for (String split : splits) {
      groups.add(new Group(split, examples.fileMetadata(split)));
    }
    return new ExampleFiles(
        new ExamplesAvroFormatReader(examples.schema()), examples.schema(), null, splits, groups);
  }

  /** The hash splits of a group's records; null when they all go to the group's own split. */
  public Splits hashSplitsOf(Group group) {
    return group.split() == null ? splits : null;
  }

  /** The splits a group's records go to. */
  public List<String> splitsOf(Group group) {
    return group.split() == null ? splitNames : List.of(group.split());
  }

  /** Every file. */
  public List<MatchResult.Metadata> files() {
    List<MatchResult.Metadata> all = new ArrayList<>();
    groups.forEach(g -> all.addAll(g.files()));
    return all;
  }
}
