package io.millrace.examples;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.ingest.FileDamage;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureSpec;
import io.millrace.record.FeatureType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
 * @param splits each split's name, hash buckets (null when given as its own input), record count
 *     and file pattern relative to the artifact
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

  public record Split(String name, Integer buckets, long count, String files) {}

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

  public void writeTo(Path artifactDir) throws IOException {
    ArtifactDirectory.writeAtomically(artifactDir.resolve(FILE_NAME), JSON.writeValueAsBytes(this));
  }

  /**
   * Reads the manifest of an examples artifact.
   *
   * @throws IOException naming the directory when it has no manifest (an incomplete artifact)
   */
  public static ExamplesManifest read(Path artifactDir) throws IOException {
    Path file = artifactDir.resolve(FILE_NAME);
    if (!Files.exists(file)) {
      throw new IOException(
          artifactDir + " is not a complete examples artifact: it has no " + FILE_NAME);
    }
    return JSON.readValue(file.toFile(), ExamplesManifest.class);
  }
}
