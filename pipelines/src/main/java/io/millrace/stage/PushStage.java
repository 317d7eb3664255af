package io.millrace.stage;

import com.google.common.hash.Hashing;
import io.millrace.metadata.MetadataStore;
import io.millrace.model.ModelArtifact;
import io.millrace.model.ModelRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The push of a blessed model into a registry ({@link ModelRegistry#push}), which checks the
 * model's fingerprint, that the metadata store recorded the evaluation for this model, and the
 * blessing. A model that already is the registry's latest version (by fingerprint) is checked the
 * same way and not pushed again. Its output is the registry's version, not a file under the stage's
 * directory: the registry writes it, atomically.
 */
public final class PushStage extends AbstractStage<PushStage.Settings, PushStage.Result> {
  public static final String NAME = "push";

  /**
   * @param registry the registry's root
   * @param name the model's name in it
   */
  public record Settings(Path registry, String name) {}

  /**
   * The version pushed, or found already pushed.
   *
   * @param alreadyInRegistry whether the model already was the latest version, so none was pushed
   */
  public record Result(
      StageArtifact.Pushed pushed,
      String name,
      int version,
      String modelFingerprint,
      boolean alreadyInRegistry)
      implements StageResult {
    @Override
    public Map<String, StageArtifact> outputs() {
      return Map.of("pushed", pushed);
    }

    @Override
    public Map<String, String> properties() {
      Map<String, String> properties = new LinkedHashMap<>(outputProperties("pushed"));
      properties.put("already_in_registry", Boolean.toString(alreadyInRegistry));
      return properties;
    }

    @Override
    public Map<String, String> outputProperties(String output) {
      Map<String, String> properties = new LinkedHashMap<>();
      properties.put("model_name", name);
      properties.put("version", Integer.toString(version));
      properties.put("model_fingerprint", modelFingerprint);
      return properties;
    }

    @Override
    public String summary() {
      return (alreadyInRegistry ? "already in the registry as " : "pushed as ")
          + name
          + " version "
          + version;
    }
  }

  private final StageArtifact.Model model;
  private final StageArtifact.Evaluation evaluation;
  private final MetadataStore evaluations;

  /**
   * @param evaluations the metadata store that recorded the evaluation
   */
  public PushStage(
      StageArtifact.Model model,
      StageArtifact.Evaluation evaluation,
      Settings settings,
      MetadataStore evaluations) {
    super(NAME, settings, Result.class);
    this.model = model;
    this.evaluation = evaluation;
    this.evaluations = evaluations;
  }

  @Override
  public Map<String, StageArtifact> inputs() {
    Map<String, StageArtifact> inputs = new LinkedHashMap<>();
    inputs.put("model", model);
    inputs.put("evaluation", evaluation);
    return inputs;
  }

  /** The registry, which only a push writes. */
  @Override
  public List<Path> targets(Path directory) {
    return List.of();
  }

  /**
   * In a pipeline, the name of this push's attempts: the stage directory's digest, the same when a
   * crashed run is rerun, and owned by the run that holds the pipeline root's lock. Standalone,
   * none.
   */
  private static String attempt(Path directory) {
    return directory == null
        ? null
        : Hashing.sha256()
            .hashString(directory.toAbsolutePath().normalize().toString(), StandardCharsets.UTF_8)
            .toString()
            .substring(0, 16);
  }

  @Override
  public Result run(StageContext context) throws IOException {
    ModelRegistry registry = new ModelRegistry(settings().registry());
    String name = settings().name();
    // Read and checked once: the push copies what was checked and verifies the copy.
    ModelRegistry.Checked checked =
        registry.check(model.path(), evaluation.path(), name, evaluations);
    String fingerprint = checked.fingerprint();
    // LATEST read once: the version compared is the version reported.
    Optional<Integer> latest = registry.latestVersion(name);
    Path latestDir = latest.isPresent() ? registry.version(name, latest.get()) : null;
    boolean already =
        latestDir != null && ModelArtifact.read(latestDir).fingerprint().equals(fingerprint);
    int version = already ? latest.get() : registry.push(checked, attempt(context.directory()));
    return new Result(
        new StageArtifact.Pushed(already ? latestDir : registry.version(name, version)),
        name,
        version,
        fingerprint,
        already);
  }
}
