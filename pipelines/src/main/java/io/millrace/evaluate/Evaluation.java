package io.millrace.evaluate;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
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

  public Evaluation {
    models = new TreeMap<>(models);
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
      e = JSON.readValue(file.toFile(), Evaluation.class);
    } catch (IOException ex) {
      throw new IOException(file + ": " + ex.getMessage(), ex);
    }
    if (!LAYOUT.equals(e.layout())) {
      throw new IOException(file + ": unknown evaluation layout " + e.layout());
    }
    if (e.validation() == null || e.candidate() == null) {
      throw new IOException(file + ": no validation result or no candidate");
    }
    return e;
  }
}
