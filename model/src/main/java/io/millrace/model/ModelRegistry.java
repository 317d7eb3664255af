package io.millrace.model;

import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.ArtifactIntegrityException;
import io.millrace.artifact.PathNames;
import io.millrace.artifact.StoragePaths;
import io.millrace.evaluate.Evaluation;
import io.millrace.evaluate.ModelMetrics;
import io.millrace.evaluate.ModelValidation;
import io.millrace.metadata.MetadataStore;
import io.millrace.metadata.RunLock;
import io.millrace.metadata.StoreLocation;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
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
 * REGISTRY/NAME/labels/LABEL    the version a label (such as stable, canary) names
 * </pre>
 *
 * <p>Versions are 1, 2, 3… and never overwritten: a push stages its copy in a hidden {@code
 * .push-*} directory under {@code NAME/}, checks the copy's fingerprints, then, holding {@code
 * NAME/.lock} (an exclusive file lock, so concurrent pushes from any number of threads and
 * processes take turns), renames it to the next free number and moves {@code LATEST} forward
 * (compare-and-set: only to a higher version). {@code LATEST} is written (temp file, then rename)
 * only after the version is in place, so a crash in between leaves a complete version that {@code
 * LATEST} does not name yet, and a crash before the rename leaves a staging directory that readers
 * ignore and a later push deletes once it is older than {@link #staleAfter()}.
 *
 * <p>A push rests on proof, not on a flag in a file: the model's fingerprint is recomputed from its
 * content, the evaluation must be one the metadata store recorded (by content fingerprint) for this
 * very model, and the blessing is recomputed from the evaluation's own metrics and thresholds. A
 * standalone registry keeps its store in {@value #METADATA}.
 *
 * <p>Each version directory is itself a model artifact: {@code LoadedModel.load(registry.latest(
 * name).orElseThrow())} serves the latest model.
 */
public final class ModelRegistry {
  public static final String LATEST = "LATEST";
  public static final String LINEAGE = "lineage.json";
  public static final String EVALUATION = "evaluation";
  public static final String LABELS = "labels";

  /** The metadata store of standalone evaluations and pushes, relative to the registry. */
  public static final String METADATA = ".metadata/metadata.sqlite";

  private static final String STAGING_PREFIX = ".push-";
  private static final String LOCK = ".lock";
  // One JVM cannot hold two overlapping file locks: its threads take turns here first.
  private static final Map<Path, Object> JVM_LOCKS = new ConcurrentHashMap<>();
  private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,9}");
  private static final Pattern ATTEMPT = Pattern.compile("[0-9a-f]{16}");
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

  /** The SQLite file of the registry's own metadata store ({@value #METADATA}). */
  public Path metadataFile() {
    return StoreLocation.defaultSqlite(root, METADATA);
  }

  /**
   * Pushes a blessed model as the next version of {@code modelName}.
   *
   * @param evaluations the metadata store that recorded the evaluation ({@link EvaluationRecords})
   * @return the new version number
   * @throws ArtifactIntegrityException when the model does not match its fingerprint, or the
   *     evaluation is not one {@code evaluations} recorded for this model, or its stored blessing
   *     disagrees with its metrics and thresholds (nothing is written)
   * @throws NotBlessedException when the evaluation's metrics fail its thresholds (nothing is
   *     written)
   * @throws IllegalArgumentException when the evaluation is of another model
   */
  public int push(
      Path modelArtifact, Path evaluationArtifact, String modelName, MetadataStore evaluations)
      throws IOException {
    return push(modelArtifact, evaluationArtifact, modelName, evaluations, null);
  }

  /**
   * As {@link #push(Path, Path, String, MetadataStore)}, by a writer that may repeat an attempt
   * that died: the staged copy is named after {@code attempt}, and whatever an earlier attempt of
   * that name staged and left is deleted first, whatever its age (so a crashed pipeline's rerun
   * removes its own leftovers now, not an hour later). The caller makes sure that no live writer
   * uses the same name at once.
   *
   * @param attempt 16 lowercase hex digits, the same on every retry of one push (a pipeline's push
   *     derives it from its stage directory, which the pipeline root's run lock makes its own);
   *     null for a push that is never retried as such
   */
  public int push(
      Path modelArtifact,
      Path evaluationArtifact,
      String modelName,
      MetadataStore evaluations,
      String attempt)
      throws IOException {
    return push(check(modelArtifact, evaluationArtifact, modelName, evaluations), attempt);
  }

  /**
   * As {@link #push(Path, Path, String, MetadataStore, String)}, of a model and evaluation {@link
   * #check}ed before (read once: on an object store every read is a round trip per file). What is
   * committed is still what was checked: the copy's fingerprints are recomputed.
   */
  public int push(Checked checked, String attempt) throws IOException {
    String modelName = checked.modelName;
    ModelArtifact model = checked.model;
    if (attempt != null && !ATTEMPT.matcher(attempt).matches()) {
      throw new IllegalArgumentException(
          "a push attempt is named by 16 lowercase hex digits, not '" + attempt + "'");
    }
    Path staging = stage(model, checked.evaluationArtifact, checked.evaluation, modelName, attempt);
    try {
      // What is committed is what was checked: the copies' fingerprints, recomputed.
      ModelArtifact copy = ModelArtifact.read(staging);
      String copiedEvaluation = Evaluation.fingerprint(staging.resolve(EVALUATION));
      if (!copy.fingerprint().equals(model.fingerprint())
          || !copiedEvaluation.equals(checked.evaluationFingerprint)) {
        throw new ArtifactIntegrityException(
            "not pushing "
                + checked.modelArtifact
                + ": the model or the evaluation "
                + checked.evaluationArtifact
                + " changed while it was copied into the registry");
      }
      // The evaluation's copy has the checked one's fingerprint: the same content.
      Evaluation evaluation = checked.evaluation;
      if (StoragePaths.isRemote(root)) {
        int version =
            commitClaimedVersion(staging, copy, evaluation, modelName, checked.evaluations);
        pointLatestAtLeast(modelName, version);
        return version;
      }
      return locked(
          modelName,
          () -> {
            int version = commitVersionLocked(staging, copy, evaluation, modelName);
            pointLatestLocked(modelName, version);
            return version;
          });
    } catch (IOException | RuntimeException e) {
      ArtifactDirectory.deleteRecursively(staging);
      throw e;
    }
  }

  /**
   * A model and its evaluation as {@link #check} read and checked them. Only {@link #check} makes
   * one (a class, not a record: a record's constructor is public, and a made-up one would push what
   * nobody checked).
   */
  public static final class Checked {
    private final Path modelArtifact;
    private final ModelArtifact model;
    private final Path evaluationArtifact;
    private final Evaluation evaluation;
    private final String evaluationFingerprint;
    private final String modelName;
    private final MetadataStore evaluations;

    private Checked(
        Path modelArtifact,
        ModelArtifact model,
        Path evaluationArtifact,
        Evaluation evaluation,
        String evaluationFingerprint,
        String modelName,
        MetadataStore evaluations) {
      this.modelArtifact = modelArtifact;
      this.model = model;
      this.evaluationArtifact = evaluationArtifact;
      this.evaluation = evaluation;
      this.evaluationFingerprint = evaluationFingerprint;
      this.modelName = modelName;
      this.evaluations = evaluations;
    }

    /** The model's fingerprint. */
    public String fingerprint() {
      return model.fingerprint();
    }
  }

  /**
   * Reads the model and the evaluation once and checks what {@link #push} checks before it copies
   * anything; throws what {@link #push} throws when they fail.
   */
  public Checked check(
      Path modelArtifact, Path evaluationArtifact, String modelName, MetadataStore evaluations)
      throws IOException {
    checkName(modelName);
    ModelArtifact model = ModelArtifact.read(modelArtifact);
    Evaluation evaluation = Evaluation.read(evaluationArtifact);
    String evaluationFingerprint =
        checkBlessed(modelArtifact, model, evaluationArtifact, evaluation, modelName, evaluations);
    return new Checked(
        modelArtifact,
        model,
        evaluationArtifact,
        evaluation,
        evaluationFingerprint,
        modelName,
        evaluations);
  }

  /** The checks of {@link #push}; returns the evaluation's content fingerprint. */
  private static String checkBlessed(
      Path modelArtifact,
      ModelArtifact model,
      Path evaluationArtifact,
      Evaluation evaluation,
      String modelName,
      MetadataStore evaluations)
      throws IOException {
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
    String evaluationFingerprint = Evaluation.fingerprint(evaluationArtifact);
    EvaluationRecords.check(
        evaluations, evaluationArtifact, evaluationFingerprint, model.fingerprint());
    ModelValidation.Result verdict = evaluation.revalidate();
    if (verdict.blessed() != evaluation.blessed()) {
      throw new ArtifactIntegrityException(
          "the evaluation "
              + evaluationArtifact
              + " says blessed = "
              + evaluation.blessed()
              + ", but its metrics against its thresholds say "
              + verdict.blessed());
    }
    if (!verdict.blessed()) {
      throw new NotBlessedException(
          "not pushing "
              + modelArtifact
              + " as "
              + modelName
              + ": the evaluation "
              + evaluationArtifact
              + " did not bless it: "
              + verdict.failures().stream()
                  .map(ModelValidation.Failure::message)
                  .collect(Collectors.joining("; ")));
    }
    return evaluationFingerprint;
  }

  /**
   * Copies everything a version holds into a fresh staging directory, named after {@code attempt}
   * when not null.
   */
  Path stage(
      ModelArtifact model,
      Path evaluationArtifact,
      Evaluation evaluation,
      String name,
      String attempt)
      throws IOException {
    Path modelDir = root.resolve(name);
    Files.createDirectories(modelDir);
    deleteStaleStaging(modelDir, attempt);
    // A random UUID starts with 8 hex digits and a dash, so it never looks like an attempt's name.
    Path staging =
        modelDir.resolve(
            STAGING_PREFIX + (attempt == null ? "" : attempt + "-") + UUID.randomUUID());
    Files.createDirectory(staging);
    try {
      // The staging directory is new and named by a random UUID: nothing is in the way.
      ArtifactDirectory.copyRecursivelyIntoFresh(
          model.savedModel(), staging.resolve(ModelArtifact.SAVED_MODEL));
      ArtifactDirectory.copyRecursivelyIntoFresh(
          model.transformDirectory(), staging.resolve(ModelArtifact.TRANSFORM));
      Files.copy(
          model.directory().resolve(ModelArtifact.MODEL_JSON),
          staging.resolve(ModelArtifact.MODEL_JSON),
          StandardCopyOption.REPLACE_EXISTING);
      ArtifactDirectory.copyRecursivelyIntoFresh(evaluationArtifact, staging.resolve(EVALUATION));
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
    return locked(name, () -> commitVersionLocked(staging, name));
  }

  private int commitVersionLocked(Path staging, String name) throws IOException {
    return commitVersionLocked(
        staging, ModelArtifact.read(staging), Evaluation.read(staging.resolve(EVALUATION)), name);
  }

  /** {@code model} and {@code evaluation}: what {@code staging} holds, read before. */
  private int commitVersionLocked(
      Path staging, ModelArtifact model, Evaluation evaluation, String name) throws IOException {
    Path modelDir = root.resolve(name);
    int version = versions(name).stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
    for (int attempt = 0; ; attempt++, version++) {
      ArtifactDirectory.writeAtomically(
          staging.resolve(LINEAGE),
          ModelArtifact.JSON.writeValueAsBytes(lineage(model, evaluation, name, version)));
      Path target = modelDir.resolve(Integer.toString(version));
      try {
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        return version;
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("cannot rename " + staging + " atomically", e);
      } catch (FileSystemException e) {
        // Under the lock no push takes a number; a directory made by other means may have. Linux
        // reports a non-empty target as a plain FileSystemException (ENOTEMPTY).
        if (!Files.exists(target) || attempt >= 1000) {
          throw e;
        }
      }
    }
  }

  /**
   * On an object store, where no rename is atomic and no write conditional: the version number is
   * claimed in the metadata store (the first free one above every numbered prefix, committed or
   * not), then the staged copy is committed there by its marker and the push's staging deleted. Two
   * pushes never get one number, and a number whose push died stays unused.
   */
  private int commitClaimedVersion(
      Path staging, ModelArtifact model, Evaluation evaluation, String name, MetadataStore store)
      throws IOException {
    Path modelDir = root.resolve(name);
    int version = numberedEntries(modelDir).stream().mapToInt(Integer::intValue).max().orElse(0);
    do {
      version++;
    } while (!RunLock.claim(
        store, "registry version " + modelDir.resolve(Integer.toString(version)), "millrace push"));
    ArtifactDirectory.writeAtomically(
        staging.resolve(LINEAGE),
        ModelArtifact.JSON.writeValueAsBytes(lineage(model, evaluation, name, version)));
    ArtifactDirectory target = ArtifactDirectory.begin(modelDir.resolve(Integer.toString(version)));
    try {
      ArtifactDirectory.copyRecursivelyIntoFresh(staging, target.staging());
      target.commit();
    } catch (IOException | RuntimeException e) {
      target.abandon();
      throw e;
    }
    ArtifactDirectory.deleteRecursively(staging);
    return version;
  }

  /**
   * Moves LATEST forward without a lock: written, then checked against the committed versions.
   * Every push commits its version before it writes LATEST, so the last writer sees every version
   * committed before it and corrects a LATEST a slower push set back.
   */
  private void pointLatestAtLeast(String name, int version) throws IOException {
    Path latest = root.resolve(name).resolve(LATEST);
    for (int target = version; ; ) {
      Optional<Integer> current = readLatest(name);
      if (current.isEmpty() || current.get() < target) {
        ArtifactDirectory.writeAtomically(
            latest, (target + "\n").getBytes(StandardCharsets.US_ASCII));
      }
      int newest = versions(name).stream().mapToInt(Integer::intValue).max().orElse(target);
      if (newest <= target) {
        return;
      }
      target = newest;
    }
  }

  private static List<Integer> numberedEntries(Path modelDir) throws IOException {
    List<Integer> numbers = new ArrayList<>();
    if (!Files.isDirectory(modelDir)) {
      return numbers;
    }
    try (Stream<Path> entries = Files.list(modelDir)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        String file = p.getFileName().toString();
        if (VERSION.matcher(file).matches()) {
          numbers.add(Integer.parseInt(file));
        }
      }
    }
    return numbers;
  }

  /** Points LATEST at {@code version} unless it already names a newer one. */
  void pointLatest(String name, int version) throws IOException {
    locked(
        name,
        () -> {
          pointLatestLocked(name, version);
          return version;
        });
  }

  private void pointLatestLocked(String name, int version) throws IOException {
    Path latest = root.resolve(name).resolve(LATEST);
    Optional<Integer> current = readLatest(name);
    if (current.isPresent() && current.get() >= version) {
      return;
    }
    ArtifactDirectory.writeAtomically(latest, (version + "\n").getBytes(StandardCharsets.US_ASCII));
  }

  @FunctionalInterface
  private interface Locked {
    int run() throws IOException;
  }

  /**
   * Runs {@code body} holding the model's lock: an exclusive lock on {@code NAME/.lock} for other
   * processes, and a monitor per directory for other threads of this JVM.
   */
  private int locked(String name, Locked body) throws IOException {
    Path modelDir = root.resolve(name);
    Files.createDirectories(modelDir);
    Object monitor = JVM_LOCKS.computeIfAbsent(modelDir.toRealPath(), dir -> new Object());
    synchronized (monitor) {
      try (FileChannel channel =
              FileChannel.open(
                  modelDir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock lock = channel.lock()) {
        return body.run();
      }
    }
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
    ArtifactDirectory.requireCommitted(dir);
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
        if (VERSION.matcher(file).matches()
            && Files.isDirectory(p)
            && (ArtifactDirectory.renamesAtomically(p)
                || Files.exists(p.resolve(ArtifactDirectory.COMMITTED)))) {
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
        Files.readAllBytes(version(name, version).resolve(LINEAGE)), Lineage.class);
  }

  /**
   * Points {@code label} at a committed version of {@code name}: one small file per label, written
   * whole (a rename on a disk, one upload on an object store), so a reader sees the old version or
   * the new one. Labels move freely, to older versions too.
   *
   * @throws IllegalArgumentException when the name or the label is not a path segment, or the
   *     version is not committed
   */
  public void label(String name, int version, String label) throws IOException {
    checkName(name);
    PathNames.requireSegment("label", label);
    if (!versions(name).contains(version)) {
      throw new IllegalArgumentException(
          "model '"
              + name
              + "' has no committed version "
              + version
              + " in "
              + root
              + " (committed: "
              + versions(name)
              + ")");
    }
    Path labels = root.resolve(name).resolve(LABELS);
    Files.createDirectories(labels);
    ArtifactDirectory.writeAtomically(
        labels.resolve(label), (version + "\n").getBytes(StandardCharsets.US_ASCII));
  }

  /** The labels of {@code name} and the versions they name, by label. */
  public Map<String, Integer> labels(String name) throws IOException {
    checkName(name);
    Path labels = root.resolve(name).resolve(LABELS);
    Map<String, Integer> found = new TreeMap<>();
    if (!Files.isDirectory(labels)) {
      return found;
    }
    try (Stream<Path> entries = Files.list(labels)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        String label = p.getFileName().toString();
        // Hidden files are a label's write in progress.
        if (label.startsWith(".") || !Files.isRegularFile(p)) {
          continue;
        }
        String text = Files.readString(p, StandardCharsets.US_ASCII).trim();
        if (!VERSION.matcher(text).matches()) {
          throw new IOException(p + " does not hold a version number: '" + text + "'");
        }
        found.put(label, Integer.parseInt(text));
      }
    }
    return found;
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

  /** Deletes the staged copies older than {@link #staleAfter} and those of {@code attempt}. */
  private void deleteStaleStaging(Path modelDir, String attempt) throws IOException {
    FileTime cutoff = FileTime.from(Instant.now().minus(staleAfter));
    String attemptPrefix = attempt == null ? null : STAGING_PREFIX + attempt + "-";
    List<Path> stale = new ArrayList<>();
    try (Stream<Path> entries = Files.list(modelDir)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        String file = p.getFileName().toString();
        if ((attemptPrefix != null && file.startsWith(attemptPrefix))
            || (file.startsWith(STAGING_PREFIX)
                && Files.getLastModifiedTime(p).compareTo(cutoff) < 0)) {
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
