package io.millrace.examples;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.ArtifactKind;
import io.millrace.artifact.PathNames;
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
 * files, the dead-letter count, and the fingerprint of the input. It is written last, so an
 * examples directory without one is incomplete and must not be read.
 *
 * @param layout always {@value #LAYOUT}
 * @param createdAt ISO-8601 time the run finished
 * @param runner the Beam runner that produced it
 * @param input what was read
 * @param features the example schema, in order
 * @param splitFeature the feature splits were hashed on, or null for whole examples
 * @param splits each split's name, hash buckets (null when given as its own input), record count
 *     and file pattern relative to the artifact
 * @param recordsIn records read = sum of split counts + dead letters
 * @param deadLetterCount records that could not be read
 * @param deadLetters file pattern of the dead letters (JSON lines), relative to the artifact
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
    String deadLetters) {

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
   * @throws IOException naming the directory when it has no manifest (an incomplete artifact), or
   *     when a split's name or a file pattern would lead outside the artifact
   */
  public static ExamplesManifest read(Path artifactDir) throws IOException {
    Path file = artifactDir.resolve(FILE_NAME);
    if (!Files.exists(file)) {
      throw new IOException(
          artifactDir + " is not a complete examples artifact: it has no " + FILE_NAME);
    }
    ExamplesManifest manifest = JSON.readValue(file.toFile(), ExamplesManifest.class);
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
