package io.millrace.evaluate;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.artifact.ArtifactIntegrityException;
import io.millrace.artifact.CanonicalJson;
import io.millrace.artifact.ContentDigest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The evaluation artifact's {@value #FILE}: which models were evaluated on what configuration,
 * their metrics per slice, and the validation result (the blessing).
 *
 * @param models by role: "candidate" and, when given, "baseline"
 * @param recordsPerSecond eval records scored per second of the job, for every model together
 */
public record Evaluation(
    String layout,
    String createdAt,
    ModelRef candidate,
    ModelRef baseline,
    EvaluationConfig config,
    Map<String, ModelMetrics> models,
    ModelValidation.Result validation,
    double recordsPerSecond) {

  public static final String LAYOUT = "millrace-evaluation/1";
  public static final String FILE = "evaluation.json";
  public static final String REPORT = "report.html";

  static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  /**
   * An evaluated model as its artifact describes it.
   *
   * @param trainingLoss the loss per epoch from model.json (empty if unknown)
   * @param evalLoss the loss per epoch on the evaluation split (empty if there was none)
   */
  public record ModelRef(
      String path,
      String name,
      String task,
      String fingerprint,
      String transformFingerprint,
      Map<String, String> dataFingerprints,
      List<Double> trainingLoss,
      List<Double> evalLoss) {}

  /**
   * The fields of evaluation.json left out of {@link #fingerprint}: when it was written and how
   * fast the records were scored, which differ between identical evaluations and decide nothing.
   */
  public static final List<String> UNFINGERPRINTED = List.of("createdAt", "recordsPerSecond");

  private static final String FINGERPRINT = "millrace-evaluation-fingerprint/1";

  public Evaluation {
    models = models == null ? new TreeMap<>() : new TreeMap<>(models);
  }

  public boolean blessed() {
    return validation.blessed();
  }

  public ModelMetrics candidateMetrics() {
    return models.get("candidate");
  }

  /** The baseline's metrics, or null without a baseline. */
  public ModelMetrics baselineMetrics() {
    return models.get("baseline");
  }

  /**
   * The validation recomputed from this evaluation's own metrics and its config's thresholds: what
   * a push decides on, rather than the stored {@link #validation()} anyone can edit.
   */
  public ModelValidation.Result revalidate() {
    ModelMetrics baseline = baselineMetrics();
    return ModelValidation.validate(
        candidateMetrics().slices(),
        baseline == null ? null : baseline.slices(),
        config.validationThresholds());
  }

  public byte[] toJson() throws IOException {
    return JSON.writeValueAsBytes(this);
  }

  /** Reads {@value #FILE} from an evaluation artifact directory. */
  public static Evaluation read(Path artifact) throws IOException {
    Path file = artifact.resolve(FILE);
    if (Files.notExists(file)) {
      throw new IOException(artifact + " is not an evaluation artifact: no " + FILE);
    }
    Evaluation e;
    try {
      e = JSON.readValue(Files.readAllBytes(file), Evaluation.class);
    } catch (IOException ex) {
      throw new IOException(file + ": " + ex.getMessage(), ex);
    }
    if (!LAYOUT.equals(e.layout())) {
      throw new IOException(file + ": unknown evaluation layout " + e.layout());
    }
    if (e.validation() == null
        || e.candidate() == null
        || e.config() == null
        || e.candidateMetrics() == null
        || (e.baseline() != null && e.baselineMetrics() == null)) {
      throw new ArtifactIntegrityException(
          file
              + ": not an evaluation millrace wrote: it lacks the candidate, its metrics, the"
              + " baseline's metrics, the config or the validation result");
    }
    return e;
  }

  /**
   * SHA-256 of an evaluation artifact's content: evaluation.json in canonical form (less the fields
   * of {@link #UNFINGERPRINTED}) and report.html's bytes. Recorded in the metadata store by the
   * evaluation that wrote the artifact, so that a push can tell it from one edited by hand.
   */
  public static String fingerprint(Path artifact) throws IOException {
    Path file = artifact.resolve(FILE);
    if (Files.notExists(file)) {
      throw new IOException(artifact + " is not an evaluation artifact: no " + FILE);
    }
    JsonNode json = JSON.readTree(Files.readAllBytes(file));
    if (json instanceof ObjectNode object) {
      object.remove(UNFINGERPRINTED);
    }
    Path report = artifact.resolve(REPORT);
    return ContentDigest.parts(FINGERPRINT)
        .add(CanonicalJson.of(json))
        .add(Files.exists(report) ? Files.readAllBytes(report) : new byte[0])
        .sha256();
  }
}
