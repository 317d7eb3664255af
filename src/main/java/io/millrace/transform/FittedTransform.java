package io.millrace.transform;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.ArtifactIntegrityException;
import io.millrace.artifact.ArtifactKind;
import io.millrace.artifact.ContentDigest;
import io.millrace.artifact.PathNames;
import io.millrace.examples.ExamplesManifest;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureSpec;
import io.millrace.record.FeatureType;
import io.millrace.stats.NumericValues;
import io.millrace.stats.StringValues;
import io.millrace.transform.TransformSpec.Kind;
import io.millrace.transform.TransformSpec.Step;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A transform fitted on training data: the definition, each step's constants (mean and std, min and
 * max, quantile boundaries, vocabulary) and what it was fitted on. It is the transform artifact in
 * memory; {@link #write} and {@link #read} move it to and from a directory:
 *
 * <pre>
 * manifest.json          layout, fingerprints, input features, each output with its constants
 * definition.json        the TransformSpec as given
 * vocabularies/NAME.txt  one value per line, most frequent first (for each vocabulary step)
 * </pre>
 */
public final class FittedTransform implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Version 2: the fingerprint covers the content (constants, vocabularies), not only inputs. */
  public static final String LAYOUT = "millrace-transform/2";

  private static final String CONTENT_UNPROVEN_LAYOUT = "millrace-transform/1";
  public static final String MANIFEST = "manifest.json";
  public static final String DEFINITION = "definition.json";
  public static final String VOCABULARIES = "vocabularies";

  /** What {@code --overwrite} of a transform output may replace. */
  public static final ArtifactKind KIND =
      ArtifactKind.withLayout("a transform artifact", MANIFEST, "millrace-transform/");

  private static final String FINGERPRINT = "millrace-transform-fingerprint/2";
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  /**
   * One step's fitted constants; fields a step does not use are null.
   *
   * @param fill the value a missing numeric input takes
   * @param boundaries quantile boundaries, rounded to float32 as the TensorFlow graph holds them
   * @param vocabularyFile relative to the artifact directory
   */
  public record Fitted(
      String output,
      Kind kind,
      List<String> inputs,
      FeatureType outputType,
      Double mean,
      Double std,
      Double min,
      Double max,
      Double fill,
      double[] boundaries,
      String vocabularyFile,
      Integer vocabularySize)
      implements Serializable {}

  /** The artifact's manifest. */
  public record Manifest(
      String layout,
      String createdAt,
      String fingerprint,
      String dataFingerprint,
      List<ExamplesManifest.Feature> inputFeatures,
      List<Fitted> outputs) {}

  private final TransformSpec spec;
  private final ExampleSchema inputSchema;
  private final List<Fitted> fitted;
  private final List<List<byte[]>> vocabularies;
  private final String dataFingerprint;
  private final String fingerprint;

  private FittedTransform(
      TransformSpec spec,
      ExampleSchema inputSchema,
      List<Fitted> fitted,
      List<List<byte[]>> vocabularies,
      String dataFingerprint) {
    this.spec = spec;
    this.inputSchema = inputSchema;
    this.fitted = List.copyOf(fitted);
    this.vocabularies = vocabularies;
    this.dataFingerprint = dataFingerprint;
    this.fingerprint = contentFingerprint();
  }

  /**
   * SHA-256 over everything a prediction depends on: the definition, the input features, every
   * output with its fitted constants, and each vocabulary as its file holds it; and the data
   * fingerprint, so that equal content fitted on other data is still told apart. Only the
   * manifest's {@code createdAt} (and the fingerprint itself) is left out: it changes nothing and
   * differs between identical runs.
   */
  private String contentFingerprint() {
    ContentDigest.Parts parts =
        ContentDigest.parts(FINGERPRINT).add(spec.toJson()).add(String.valueOf(dataFingerprint));
    try {
      parts.add(JSON.writeValueAsBytes(ExamplesManifest.features(inputSchema)));
      parts.add(JSON.writeValueAsBytes(fitted));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (int s = 0; s < fitted.size(); s++) {
      if (fitted.get(s).vocabularyFile() != null) {
        parts.add(vocabularyFileContent(vocabularies.get(s)));
      }
    }
    return parts.sha256();
  }

  /** A vocabulary file's bytes: one value per line. */
  private static byte[] vocabularyFileContent(List<byte[]> vocabulary) {
    StringBuilder text = new StringBuilder();
    for (byte[] value : vocabulary) {
      text.append(new String(value, StandardCharsets.UTF_8)).append('\n');
    }
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  public TransformSpec spec() {
    return spec;
  }

  /** The raw features the transform reads, with the types it was fitted on. */
  public ExampleSchema inputSchema() {
    return inputSchema;
  }

  public List<Fitted> fitted() {
    return fitted;
  }

  /** The vocabulary of step {@code index} (empty for other steps), most frequent first. */
  public List<byte[]> vocabulary(int index) {
    return vocabularies.get(index);
  }

  /**
   * SHA-256 of the transform's content: definition, input features, fitted constants, vocabularies
   * and data fingerprint. {@link #read} recomputes it from the files and refuses an artifact whose
   * content does not match.
   */
  public String fingerprint() {
    return fingerprint;
  }

  public String dataFingerprint() {
    return dataFingerprint;
  }

  /** The features a transformed example has, in step order. */
  public ExampleSchema outputSchema() {
    List<FeatureSpec> features = new ArrayList<>();
    fitted.forEach(f -> features.add(FeatureSpec.of(f.output(), f.outputType())));
    return ExampleSchema.of(features);
  }

  public FeatureTransformer transformer() {
    return new FeatureTransformer(this);
  }

  static FittedTransform fit(
      TransformSpec spec,
      ExampleSchema schema,
      NumericValues[] numeric,
      StringValues[] strings,
      String dataFingerprint) {
    List<Fitted> fitted = new ArrayList<>();
    List<List<byte[]>> vocabularies = new ArrayList<>();
    Set<String> inputs = new LinkedHashSet<>();
    List<Step> steps = spec.steps();
    for (int s = 0; s < steps.size(); s++) {
      Step step = steps.get(s);
      step.inputs().forEach(name -> schema.requireIndex(name));
      inputs.addAll(step.inputs());
      List<byte[]> vocabulary = List.of();
      Fitted f;
      if (step.kind() == Kind.COMPUTE_AND_APPLY_VOCABULARY) {
        vocabulary = vocabulary(step, strings[s]);
        boolean oneHot = Boolean.TRUE.equals(step.params().get("one_hot"));
        long width = vocabulary.size() + step.integer("num_oov_buckets", 0);
        if (oneHot && width > TransformSpec.MAX_ONE_HOT) {
          throw new IllegalArgumentException(
              String.format(
                  "%s: the one-hot vector would have %,d entries (%,d values plus OOV buckets),"
                      + " more than %,d; set top_k, or use ids (one_hot false)",
                  step.output(), width, vocabulary.size(), TransformSpec.MAX_ONE_HOT));
        }
        f =
            new Fitted(
                step.output(),
                step.kind(),
                step.inputs(),
                step.outputType(schema),
                null,
                null,
                null,
                null,
                null,
                null,
                VOCABULARIES + "/" + step.output() + ".txt",
                vocabulary.size());
      } else if (numeric[s] != null) {
        f = numericStep(step, schema, numeric[s]);
      } else {
        f =
            new Fitted(
                step.output(),
                step.kind(),
                step.inputs(),
                step.outputType(schema),
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
      }
      fitted.add(f);
      vocabularies.add(vocabulary);
    }
    List<FeatureSpec> inputFeatures = new ArrayList<>();
    inputs.forEach(name -> inputFeatures.add(schema.feature(schema.requireIndex(name))));
    return new FittedTransform(
        spec, ExampleSchema.of(inputFeatures), fitted, vocabularies, dataFingerprint);
  }

  private static Fitted numericStep(Step step, ExampleSchema schema, NumericValues values) {
    boolean any = values.hasFiniteValues();
    double mean = any ? values.mean() : 0;
    double std = any ? values.stdDev() : 0;
    double min = any ? values.finiteMin() : 0;
    double max = any ? values.finiteMax() : 0;
    Object fillParam = step.params().get("fill");
    double fill = fillParam instanceof Number n ? n.doubleValue() : mean;
    double[] boundaries = null;
    if (step.kind() == Kind.BUCKETIZE) {
      int buckets = (int) step.integer("num_buckets", 10);
      double[] fractions = new double[buckets - 1];
      for (int i = 1; i < buckets; i++) {
        fractions[i - 1] = (double) i / buckets;
      }
      // Rounded to float32 (the graph's boundary type) and deduplicated, as TFT's are.
      boundaries =
          any
              ? Arrays.stream(values.quantiles(fractions))
                  .map(b -> (float) b)
                  .distinct()
                  .sorted()
                  .toArray()
              : new double[0];
    }
    return new Fitted(
        step.output(),
        step.kind(),
        step.inputs(),
        step.outputType(schema),
        mean,
        std,
        min,
        max,
        fill,
        boundaries,
        null,
        null);
  }

  /**
   * TFT's vocabulary: by frequency descending, ties by value bytes descending, the empty string
   * dropped, then {@code frequency_threshold} and {@code top_k}. Values with a line break are left
   * out (they would break the one-value-per-line file) and so map to OOV buckets.
   */
  static List<byte[]> vocabulary(Step step, StringValues counts) {
    long threshold = step.integer("frequency_threshold", 0);
    long topK = step.integer("top_k", -1);
    Comparator<StringValues.ValueCount> order =
        Comparator.comparingDouble((StringValues.ValueCount v) -> -v.count())
            .thenComparing((a, b) -> Arrays.compareUnsigned(b.value(), a.value()));
    List<byte[]> vocabulary = new ArrayList<>();
    for (StringValues.ValueCount v :
        counts.top(Integer.MAX_VALUE).stream().sorted(order).toList()) {
      if (v.value().length == 0 || v.count() < threshold || hasLineBreak(v.value())) {
        continue;
      }
      if (topK >= 0 && vocabulary.size() >= topK) {
        break;
      }
      vocabulary.add(v.value());
    }
    return vocabulary;
  }

  private static boolean hasLineBreak(byte[] value) {
    for (byte b : value) {
      if (b == '\n' || b == '\r') {
        return true;
      }
    }
    return false;
  }

  /** Writes the artifact directory atomically (staged, then renamed into place). */
  public void write(Path directory, boolean overwrite) throws IOException {
    ArtifactDirectory artifact = ArtifactDirectory.begin(directory, overwrite, KIND);
    Path staging = artifact.staging();
    Files.createDirectories(staging.resolve(VOCABULARIES));
    for (int s = 0; s < fitted.size(); s++) {
      if (fitted.get(s).vocabularyFile() != null) {
        ArtifactDirectory.writeAtomically(
            PathNames.resolveInside(staging, fitted.get(s).vocabularyFile(), "vocabulary file"),
            vocabularyFileContent(vocabularies.get(s)));
      }
    }
    ArtifactDirectory.writeAtomically(
        staging.resolve(DEFINITION), spec.toJson().getBytes(StandardCharsets.UTF_8));
    Manifest manifest =
        new Manifest(
            LAYOUT,
            Instant.now().toString(),
            fingerprint,
            dataFingerprint,
            ExamplesManifest.features(inputSchema),
            fitted);
    ArtifactDirectory.writeAtomically(staging.resolve(MANIFEST), JSON.writeValueAsBytes(manifest));
    artifact.commit();
  }

  /**
   * Reads a committed artifact.
   *
   * @throws IOException when the directory holds no manifest (not a complete artifact)
   */
  public static FittedTransform read(Path directory) throws IOException {
    Path manifestFile = directory.resolve(MANIFEST);
    if (Files.notExists(manifestFile)) {
      throw new IOException(directory + " is not a transform artifact: no " + MANIFEST);
    }
    Manifest manifest = JSON.readValue(Files.readAllBytes(manifestFile), Manifest.class);
    if (CONTENT_UNPROVEN_LAYOUT.equals(manifest.layout())) {
      throw new ArtifactIntegrityException(
          directory
              + " was written by an older millrace ("
              + manifest.layout()
              + ") whose fingerprint does not cover the fitted constants and vocabularies, so"
              + " its content cannot be proven: fit the transform again");
    }
    if (!LAYOUT.equals(manifest.layout())) {
      throw new IOException(directory + ": unknown transform layout " + manifest.layout());
    }
    TransformSpec spec = TransformSpec.read(directory.resolve(DEFINITION));
    List<List<byte[]>> vocabularies = new ArrayList<>();
    for (Fitted f : manifest.outputs()) {
      List<byte[]> vocabulary = new ArrayList<>();
      if (f.vocabularyFile() != null) {
        Path file =
            PathNames.resolveInside(
                directory, f.vocabularyFile(), "vocabulary file of " + f.output());
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          vocabulary.add(line.getBytes(StandardCharsets.UTF_8));
        }
        if (vocabulary.size() != f.vocabularySize()) {
          throw new ArtifactIntegrityException(
              file
                  + " has "
                  + vocabulary.size()
                  + " values, the manifest says "
                  + f.vocabularySize());
        }
      }
      vocabularies.add(vocabulary);
    }
    List<FeatureSpec> inputs = new ArrayList<>();
    manifest.inputFeatures().forEach(f -> inputs.add(FeatureSpec.of(f.name(), f.type())));
    FittedTransform read =
        new FittedTransform(
            spec,
            ExampleSchema.of(inputs),
            manifest.outputs(),
            vocabularies,
            manifest.dataFingerprint());
    if (!read.fingerprint.equals(manifest.fingerprint())) {
      throw new ArtifactIntegrityException(
          directory
              + ": the transform's content does not match the fingerprint in its "
              + MANIFEST
              + " ("
              + manifest.fingerprint()
              + "; computed "
              + read.fingerprint
              + "): its definition, fitted constants or vocabularies were changed after it was"
              + " written");
    }
    return read;
  }
}
