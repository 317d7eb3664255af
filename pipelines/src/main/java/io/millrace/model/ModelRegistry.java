package io.millrace.model;

import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.PathNames;
import io.millrace.evaluate.Evaluation;
import io.millrace.evaluate.ModelMetrics;
import io.millrace.evaluate.ModelValidation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A versioned model registry on a file system (TFX's Pusher): blessed models are copied into
 *
 * <pre>
 * REGISTRY/NAME/1/              a complete model artifact (saved_model/, transform/, model.json)
 *                 evaluation/   the evaluation artifact that blessed it
 *                 lineage.json  {@link Lineage}: fingerprints, hyperparameters, evaluation summary
 * REGISTRY/NAME/2/ ...
 * REGISTRY/NAME/LATEST          the newest pushed version number
 * </pre>
 *
 * <p>Versions are 1, 2, 3… and never overwritten: a push stages its copy in a hidden {@code
 * .push-*} directory under {@code NAME/}, then renames it atomically to the next free number; if
 * another pusher took that number first, it takes the next. {@code LATEST} is written (temp file,
 * then rename) only after the version is in place, so a crash in between leaves a complete version
 * that {@code LATEST} does not name yet, and a crash before the rename leaves a staging directory
 * that readers ignore and a later push deletes once it is older than {@link #staleAfter()}.
 *
 * <p>Each version directory is itself a model artifact: {@code LoadedModel.load(registry.latest(
 * name).orElseThrow())} serves the latest model.
 */
public final class ModelRegistry {
  public static final String LATEST = "LATEST";
  public static final String LINEAGE = "lineage.json";
  public static final String EVALUATION = "evaluation";
  private static final String STAGING_PREFIX = ".push-";
  private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,9}");
  private static final Duration DEFAULT_STALE_AFTER = Duration.ofHours(1);

  /** A push refused because the evaluation did not bless the model. */
  public static final class NotBlessedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    NotBlessedException(String message) {
      super(message);
    }
  }

  /** The evaluation's verdict in a line of numbers. */
  public record EvaluationSummary(
      boolean blessed,
      String baselineFingerprint,
      Map<String, Double> overallMetrics,
      Map<String, Double> baselineOverallMetrics,
      List<String> failures,
      List<String> skipped) {}

  /** The content of lineage.json. */
  public record Lineage(
      String modelName,
      int version,
      String modelFingerprint,
      String transformFingerprint,
      Map<String, String> dataFingerprints,
      Map<String, Object> hyperparameters,
      EvaluationSummary evaluation,
      String pushedAt) {}

  private final Path root;
  private final Duration staleAfter;

  public ModelRegistry(Path root) {
    this(root, DEFAULT_STALE_AFTER);
  }

  /**
   * @param staleAfter how old a leftover staging directory must be before a push deletes it (a
   *     younger one may belong to a concurrent push)
   */
  public ModelRegistry(Path root, Duration staleAfter) {
    this.root = root.toAbsolutePath().normalize();
    this.staleAfter = staleAfter;
  }

  public Path root() {
    return root;
  }

  public Duration staleAfter() {
    return staleAfter;
  }

  /**
   * Pushes a blessed model as the next version of {@code modelName}.
   *
   * @return the new version number
   * @throws NotBlessedException when the evaluation did not bless the model (nothing is written)
   * @throws IllegalArgumentException when the evaluation is of another model
   */
  public int push(Path modelArtifact, Path evaluationArtifact, String modelName)
      throws IOException {
    checkName(modelName);
    ModelArtifact model = ModelArtifact.read(modelArtifact);
    Evaluation evaluation = Evaluation.read(evaluationArtifact);
    if (!evaluation.blessed()) {
      throw new NotBlessedException(
          "not pushing "
              + modelArtifact
              + " as "
              + modelName
              + ": the evaluation "
              + evaluationArtifact
              + " did not bless it: "
              + evaluation.validation().failures().stream()
                  .map(ModelValidation.Failure::message)
                  .collect(Collectors.joining("; ")));
    }
    if (!model.fingerprint().equals(evaluation.candidate().fingerprint())) {
      throw new IllegalArgumentException(
          "not pushing "
              + modelArtifact
              + ": the evaluation "
              + evaluationArtifact
              + " is of the model with fingerprint "
              + evaluation.candidate().fingerprint()
              + ", not "
              + model.fingerprint());
    }
    Path staging = stage(model, evaluationArtifact, evaluation, modelName);
    int version = commitVersion(staging, modelName);
    pointLatest(modelName, version);
    return version;
  }

  /** Copies everything a version holds into a fresh staging directory. */
  Path stage(ModelArtifact model, Path evaluationArtifact, Evaluation evaluation, String name)
      throws IOException {
    Path modelDir = root.resolve(name);
    Files.createDirectories(modelDir);
    deleteStaleStaging(modelDir);
    Path staging = modelDir.resolve(STAGING_PREFIX + UUID.randomUUID());
    Files.createDirectory(staging);
    try {
      ArtifactDirectory.copyRecursively(
          model.savedModel(), staging.resolve(ModelArtifact.SAVED_MODEL));
      ArtifactDirectory.copyRecursively(
          model.transformDirectory(), staging.resolve(ModelArtifact.TRANSFORM));
      Files.copy(
          model.directory().resolve(ModelArtifact.MODEL_JSON),
          staging.resolve(ModelArtifact.MODEL_JSON));
      ArtifactDirectory.copyRecursively(evaluationArtifact, staging.resolve(EVALUATION));
      return staging;
    } catch (IOException | RuntimeException e) {
      ArtifactDirectory.deleteRecursively(staging);
      throw e;
    }
  }

  /**
   * Renames {@code staging} to the next free version number and writes its lineage.json first
   * (inside the staging directory, so that a version never lacks it).
   */
  int commitVersion(Path staging, String name) throws IOException {
    ModelArtifact model = ModelArtifact.read(staging);
    Evaluation evaluation = Evaluation.read(staging.resolve(EVALUATION));
    Path modelDir = root.resolve(name);
    for (int attempt = 0; ; attempt++) {
      int version = versions(name).stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
      ArtifactDirectory.writeAtomically(
          staging.resolve(LINEAGE),
          ModelArtifact.JSON.writeValueAsBytes(lineage(model, evaluation, name, version)));
      try {
        Files.move(
            staging, modelDir.resolve(Integer.toString(version)), StandardCopyOption.ATOMIC_MOVE);
        return version;
      } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
        // Another pusher took this number between the listing and the rename: take the next.
        if (attempt > 1000) {
          throw new IOException("could not find a free version under " + modelDir, e);
        }
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("cannot rename " + staging + " atomically", e);
      }
    }
  }

  /** Points LATEST at {@code version} unless a concurrent push already named a newer one. */
  void pointLatest(String name, int version) throws IOException {
    Path latest = root.resolve(name).resolve(LATEST);
    Optional<Integer> current = readLatest(name);
    if (current.isPresent() && current.get() >= version) {
      return;
    }
    ArtifactDirectory.writeAtomically(latest, (version + "\n").getBytes(StandardCharsets.US_ASCII));
  }

  /** The directory of the version LATEST names, or empty when nothing was pushed yet. */
  public Optional<Path> latest(String name) throws IOException {
    checkName(name);
    Optional<Integer> v = readLatest(name);
    return v.isEmpty() ? Optional.empty() : Optional.of(version(name, v.get()));
  }

  /** The version LATEST names. */
  public Optional<Integer> latestVersion(String name) throws IOException {
    checkName(name);
    return readLatest(name);
  }

  /** The directory of one version. */
  public Path version(String name, int version) throws IOException {
    checkName(name);
    Path dir = root.resolve(name).resolve(Integer.toString(version));
    if (!Files.isDirectory(dir)) {
      throw new IOException("no version " + version + " of model " + name + " in " + root);
    }
    return dir;
  }

  /** The committed versions of {@code name}, ascending (staging directories are not versions). */
  public List<Integer> versions(String name) throws IOException {
    checkName(name);
    Path modelDir = root.resolve(name);
    List<Integer> versions = new ArrayList<>();
    if (!Files.isDirectory(modelDir)) {
      return versions;
    }
    try (Stream<Path> entries = Files.list(modelDir)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        String file = p.getFileName().toString();
        if (VERSION.matcher(file).matches() && Files.isDirectory(p)) {
          versions.add(Integer.parseInt(file));
        }
      }
    }
    versions.sort(null);
    return versions;
  }

  /** The lineage of one version. */
  public Lineage lineage(String name, int version) throws IOException {
    return ModelArtifact.JSON.readValue(
        version(name, version).resolve(LINEAGE).toFile(), Lineage.class);
  }

  private Optional<Integer> readLatest(String name) throws IOException {
    Path latest = root.resolve(name).resolve(LATEST);
    if (Files.notExists(latest)) {
      return Optional.empty();
    }
    String text = Files.readString(latest, StandardCharsets.US_ASCII).trim();
    if (!VERSION.matcher(text).matches()) {
      throw new IOException(latest + " does not hold a version number: '" + text + "'");
    }
    return Optional.of(Integer.parseInt(text));
  }

  private void deleteStaleStaging(Path modelDir) throws IOException {
    FileTime cutoff = FileTime.from(Instant.now().minus(staleAfter));
    List<Path> stale = new ArrayList<>();
    try (Stream<Path> entries = Files.list(modelDir)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        if (p.getFileName().toString().startsWith(STAGING_PREFIX)
            && Files.getLastModifiedTime(p).compareTo(cutoff) < 0) {
          stale.add(p);
        }
      }
    }
    for (Path p : stale) {
      ArtifactDirectory.deleteRecursively(p);
    }
  }

  private static Lineage lineage(
      ModelArtifact model, Evaluation evaluation, String name, int version) {
    ModelArtifact.Info info = model.info();
    ModelMetrics candidate = evaluation.candidateMetrics();
    ModelMetrics baseline = evaluation.baselineMetrics();
    EvaluationSummary summary =
        new EvaluationSummary(
            evaluation.blessed(),
            evaluation.baseline() == null ? null : evaluation.baseline().fingerprint(),
            candidate == null ? Map.of() : candidate.overall(),
            baseline == null ? null : baseline.overall(),
            evaluation.validation().failures().stream()
                .map(ModelValidation.Failure::message)
                .toList(),
            evaluation.validation().skipped().stream()
                .map(s -> s.metric() + " " + s.threshold() + ": " + s.reason())
                .toList());
    return new Lineage(
        name,
        version,
        info.fingerprint(),
        info.lineage().transformFingerprint(),
        info.lineage().dataFingerprints(),
        info.hyperparameters(),
        summary,
        Instant.now().toString());
  }

  private static void checkName(String name) {
    PathNames.requireSegment("model name", name);
  }
}
