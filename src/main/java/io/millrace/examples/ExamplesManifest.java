package io.millrace.examples;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.ArtifactIntegrityException;
import io.millrace.artifact.ArtifactKind;
import io.millrace.artifact.ContentDigest;
import io.millrace.artifact.PathNames;
import io.millrace.artifact.ShardFile;
import io.millrace.ingest.FileDamage;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureSpec;
import io.millrace.record.FeatureType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code manifest.json} of an examples artifact: the schema, the splits with their counts and
 * files, the dead-letter count, the records lost in damaged input files, and the fingerprint of the
 * input. It is written last, so an examples directory without one is incomplete and must not be
 * read.
 *
 * @param layout always {@value #LAYOUT}
 * @param createdAt ISO-8601 time the run finished
 * @param runner the Beam runner that produced it
 * @param input what was read
 * @param features the example schema, in order
 * @param splitFeature the feature splits were hashed on, or null for whole examples
 * @param splits each split's name, hash buckets (null when given as its own input), record count,
 *     file pattern relative to the artifact, and its shards
 * @param recordsIn records in = sum of split counts + dead letters + records lost
 * @param deadLetterCount records that were read but are bad
 * @param deadLetters file pattern of the dead letters (JSON lines), relative to the artifact
 * @param recordsLost records in damaged parts of input files, which could not be read at all (only
 *     when partial files were accepted); see each damage for how the count is known
 * @param damagedFiles each damaged part of an input file: where, records lost and why
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ExamplesManifest(
    String layout,
    String createdAt,
    String runner,
    Input input,
    List<Feature> features,
    String splitFeature,
    List<Split> splits,
    long recordsIn,
    long deadLetterCount,
    String deadLetters,
    long recordsLost,
    List<FileDamage> damagedFiles) {

  public ExamplesManifest {
    damagedFiles = damagedFiles == null ? List.of() : List.copyOf(damagedFiles);
  }

  /** A manifest of examples read from undamaged input (or written by a later stage). */
  public ExamplesManifest(
      String layout,
      String createdAt,
      String runner,
      Input input,
      List<Feature> features,
      String splitFeature,
      List<Split> splits,
      long recordsIn,
      long deadLetterCount,
      String deadLetters) {
    this(
        layout,
        createdAt,
        runner,
        input,
        features,
        splitFeature,
        splits,
        recordsIn,
        deadLetterCount,
        deadLetters,
        0,
        List.of());
  }

  public static final String FILE_NAME = "manifest.json";
  public static final String LAYOUT = "millrace-examples/1 (Avro, one nullable array per feature)";

  /** What {@code --overwrite} of an examples output may replace. */
  public static final ArtifactKind KIND =
      ArtifactKind.withLayout("an examples artifact", FILE_NAME, "millrace-examples/");

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /**
   * @param format the input format
   * @param fingerprint SHA-256 over every input file's name, size and content hash
   * @param groups the input patterns and the files each selected
   */
  public record Input(String format, String fingerprint, List<InputGroup> groups) {}

  /**
   * @param split the split this input alone fills, or null when hash splits divide it
   */
  public record InputGroup(
      String split, String pattern, Long span, Long version, List<InputFile> files) {}

  public record InputFile(String path, long sizeBytes, String sha256) {}

  public record Feature(String name, FeatureType type) {}

  /**
   * @param shards every file of the split with its record count and fingerprint, so that a reader
   *     can prove the split is whole ({@link #verify}); null in manifests written before they were
   *     recorded
   */
  public record Split(String name, Integer buckets, long count, String files, List<Shard> shards) {}

  /**
   * One file of a split.
   *
   * @param file relative to the artifact, e.g. {@code train/part-00000-of-00002.avro}
   * @param sha256 of the file's bytes, hex
   */
  public record Shard(String file, long records, long sizeBytes, String sha256) {}

  /** A split's shards as the sharded write committed them into {@code <split name>/}. */
  public static List<Shard> shards(String split, List<ShardFile> committed) {
    List<Shard> shards = new ArrayList<>();
    for (ShardFile f : committed) {
      shards.add(new Shard(split + "/" + f.name(), f.records(), f.sizeBytes(), f.sha256()));
    }
    return shards;
  }

  public ExampleSchema schema() {
    List<FeatureSpec> specs = new ArrayList<>();
    features.forEach(f -> specs.add(FeatureSpec.of(f.name(), f.type())));
    return ExampleSchema.of(specs);
  }

  public static List<Feature> features(ExampleSchema schema) {
    List<Feature> features = new ArrayList<>();
    schema.features().forEach(f -> features.add(new Feature(f.name(), f.type())));
    return features;
  }

  public Split split(String name) {
    return splits.stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "no split '"
                        + name
                        + "'; the splits are "
                        + splits.stream().map(Split::name).toList()));
  }

  /**
   * Checks that the splits on disk are the ones this manifest describes: every listed shard is
   * there with its size and SHA-256, no other file is in a split's directory, and the shards'
   * record counts add up to the split's count.
   *
   * @param files the artifact's files as {@link ContentDigest#files} lists them
   * @throws ArtifactIntegrityException naming the artifact and every difference found
   */
  public void verify(Path artifactDir, List<ContentDigest.FileDigest> files)
      throws ArtifactIntegrityException {
    Map<String, ContentDigest.FileDigest> onDisk = new HashMap<>();
    files.forEach(f -> onDisk.put(f.path(), f));
    List<String> problems = new ArrayList<>();
    for (Split split : splits) {
      if (split.shards() == null) {
        problems.add("split " + split.name() + " lists no shards to check");
        continue;
      }
      long records = 0;
      Set<String> listed = new HashSet<>();
      for (Shard shard : split.shards()) {
        records += shard.records();
        listed.add(shard.file());
        ContentDigest.FileDigest file = onDisk.get(shard.file());
        if (file == null) {
          problems.add(
              shard.file()
                  + " is missing ("
                  + shard.records()
                  + " records of "
                  + split.name()
                  + ")");
        } else if (file.size() != shard.sizeBytes() || !file.sha256().equals(shard.sha256())) {
          problems.add(
              shard.file()
                  + " has changed: "
                  + file.size()
                  + " bytes with SHA-256 "
                  + file.sha256()
                  + ", written as "
                  + shard.sizeBytes()
                  + " bytes with SHA-256 "
                  + shard.sha256());
        }
      }
      if (records != split.count()) {
        problems.add(
            "split "
                + split.name()
                + " counts "
                + split.count()
                + " records but its shards hold "
                + records);
      }
      String prefix = split.name() + "/";
      for (String path : onDisk.keySet()) {
        if (path.startsWith(prefix) && !listed.contains(path)) {
          problems.add(path + " is not one of the split's shards");
        }
      }
    }
    if (!problems.isEmpty()) {
      problems.sort(null);
      throw new ArtifactIntegrityException(
          artifactDir
              + " is not the examples artifact its manifest describes: "
              + String.join("; ", problems));
    }
  }

  /** As {@link #verify(Path, List)}, reading the artifact's files. */
  public void verify(Path artifactDir) throws IOException {
    verify(artifactDir, ContentDigest.files(artifactDir));
  }

  public void writeTo(Path artifactDir) throws IOException {
    ArtifactDirectory.writeAtomically(artifactDir.resolve(FILE_NAME), JSON.writeValueAsBytes(this));
  }

  /**
   * Reads the manifest of an examples artifact.
   *
   * @throws IOException naming the directory when it has no manifest (an incomplete artifact), or
   *     when a split's name or a file pattern would lead outside the artifact
   */
  public static ExamplesManifest read(Path artifactDir) throws IOException {
    Path file = artifactDir.resolve(FILE_NAME);
    if (!Files.exists(file)) {
      throw new IOException(
          artifactDir + " is not a complete examples artifact: it has no " + FILE_NAME);
    }
    ExamplesManifest manifest = JSON.readValue(Files.readAllBytes(file), ExamplesManifest.class);
    // Split names are directories readers open: an edited manifest must not lead them elsewhere.
    for (Split split : manifest.splits()) {
      try {
        PathNames.requireSegment("split name", split.name());
      } catch (IllegalArgumentException e) {
        throw new IOException(file + ": " + e.getMessage(), e);
      }
      PathNames.resolveInside(artifactDir, split.files(), "file pattern of split " + split.name());
    }
    if (manifest.deadLetters() != null) {
      PathNames.resolveInside(artifactDir, manifest.deadLetters(), "dead-letter file pattern");
    }
    return manifest;
  }
}
