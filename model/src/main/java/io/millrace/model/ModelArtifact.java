package io.millrace.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.ArtifactIntegrityException;
import io.millrace.artifact.ArtifactKind;
import io.millrace.artifact.CanonicalJson;
import io.millrace.artifact.ContentDigest;
import io.millrace.train.ModelConfig;
import io.millrace.train.ModelExport;
import io.millrace.train.Task;
import io.millrace.train.TrainedModel;
import io.millrace.train.TransformedData;
import io.millrace.transform.FittedTransform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A trained model as one directory, written atomically:
 *
 * <pre>
 * saved_model/   the SavedModel (signatures "serving_default": raw features, "transformed")
 * transform/     the fitted transform artifact the model was trained behind
 * model.json     {@link Info}: task, label, inputs, hyperparameters, training summary, lineage,
 *                fingerprint
 * </pre>
 *
 * <p>The fingerprint is SHA-256 over everything a prediction depends on: every saved_model file
 * (relative path, size, bytes), the transform's content fingerprint as {@link FittedTransform#read}
 * recomputes it from its files, and model.json's content in canonical form, except the fields of
 * {@link #UNFINGERPRINTED}. {@link #read} recomputes it, so an artifact edited, half-copied or
 * swapped after it was written is refused, naming the artifact.
 */
public final class ModelArtifact {
  /** Version 2: the fingerprint covers the transform's content and model.json. */
  public static final String LAYOUT = "millrace-model/2";

  private static final String CONTENT_UNPROVEN_LAYOUT = "millrace-model/1";
  public static final String SAVED_MODEL = "saved_model";
  public static final String TRANSFORM = "transform";
  public static final String MODEL_JSON = "model.json";

  /** A model artifact, by its {@code model.json}: what a training output holds. */
  public static final ArtifactKind KIND =
      ArtifactKind.withLayout("a model artifact", MODEL_JSON, "millrace-model/");

  /**
   * The fields of model.json (dotted paths) left out of the fingerprint: the fingerprint itself,
   * and what differs between two identical trainings without changing any prediction: when the
   * artifact was written, and how long training took ({@code examplesPerSecond}, {@code
   * trainMillis}, {@code trainNanos}), and where the training examples lay (an absolute path, which
   * differs between two pipeline roots; their content is covered by the input fingerprint beside
   * it). Everything else (task, label, class names, inputs, hyperparameters, loss curves, the rest
   * of the lineage) is covered.
   */
  public static final List<String> UNFINGERPRINTED =
      List.of(
          "fingerprint",
          "createdAt",
          "training.examplesPerSecond",
          "training.trainMillis",
          "training.more.trainNanos",
          "lineage.dataFingerprints.examples");

  private static final String FINGERPRINT = "millrace-model-fingerprint/2";

  static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  /** How the transformed features feed the model (the trainer's {@code Layout}). */
  public record Inputs(
      List<String> denseFeatures, List<String> idColumns, List<Integer> cardinalities) {}

  /** What training reported: the loss per epoch, speed, and anything more in {@code more}. */
  public record TrainingSummary(
      List<Double> lossCurve,
      Double initialLoss,
      double examplesPerSecond,
      long trainMillis,
      Map<String, Object> more) {}

  /** What the model was made from: the transform, and data fingerprints given by the caller. */
  public record Lineage(String transformFingerprint, Map<String, String> dataFingerprints) {}

  /** The content of model.json. */
  public record Info(
      String layout,
      String name,
      Task task,
      String label,
      List<String> classNames,
      Inputs inputs,
      Map<String, Object> hyperparameters,
      TrainingSummary training,
      Lineage lineage,
      String createdAt,
      String fingerprint) {}

  private final Path directory;
  private final Info info;
  private final FittedTransform transform;

  private ModelArtifact(Path directory, Info info, FittedTransform transform) {
    this.directory = directory;
    this.info = info;
    this.transform = transform;
  }

  public Path directory() {
    return directory;
  }

  public Info info() {
    return info;
  }

  public Task task() {
    return info.task();
  }

  public String fingerprint() {
    return info.fingerprint();
  }

  public Path savedModel() {
    return directory.resolve(SAVED_MODEL);
  }

  public Path transformDirectory() {
    return directory.resolve(TRANSFORM);
  }

  /** The transform as it was read and verified with the artifact. */
  public FittedTransform transform() {
    return transform;
  }

  /** Writes a SavedModel with the signatures {@link LoadedModel} expects into a directory. */
  @FunctionalInterface
  public interface Exporter {
    void export(Path savedModelDirectory) throws IOException;
  }

  /**
   * Exports {@code model} and writes the artifact at {@code target} (which must not exist or be
   * empty).
   *
   * @param dataFingerprints e.g. {"train": ..., "eval": ...}: recorded in the lineage as given
   */
  public static ModelArtifact write(
      Path target,
      String name,
      FittedTransform fitted,
      TransformedData.Layout layout,
      ModelConfig config,
      TrainedModel model,
      Map<String, String> dataFingerprints)
      throws IOException {
    return write(
        target,
        name,
        fitted,
        layout.task(),
        layout.label(),
        layout.classNames(),
        new Inputs(layout.denseFeatures(), layout.idColumns(), layout.cardinalities()),
        hyperparameters(config),
        summary(model),
        dataFingerprints,
        dir -> ModelExport.export(fitted, layout, model, dir));
  }

  /**
   * Writes an artifact whose SavedModel {@code exporter} writes: for models that do not come from
   * {@link io.millrace.train.Trainer}, and for tests.
   */
  public static ModelArtifact write(
      Path target,
      String name,
      FittedTransform fitted,
      Task task,
      String label,
      List<String> classNames,
      Inputs inputs,
      Map<String, Object> hyperparameters,
      TrainingSummary training,
      Map<String, String> dataFingerprints,
      Exporter exporter)
      throws IOException {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(task, "task");
    if (task == Task.MULTICLASS && (classNames == null || classNames.size() < 2)) {
      throw new IllegalArgumentException("a MULTICLASS model needs its class names");
    }
    ArtifactDirectory artifact = ArtifactDirectory.begin(target);
    try {
      Path staging = artifact.staging();
      exporter.export(staging.resolve(SAVED_MODEL));
      fitted.write(staging.resolve(TRANSFORM), false);
      Info unsigned =
          new Info(
              LAYOUT,
              name,
              task,
              label,
              classNames == null ? List.of() : List.copyOf(classNames),
              inputs,
              hyperparameters,
              training,
              new Lineage(fitted.fingerprint(), new TreeMap<>(dataFingerprints)),
              Instant.now().toString(),
              null);
      String fingerprint =
          fingerprint(
              staging.resolve(SAVED_MODEL),
              fitted.fingerprint(),
              JSON.readTree(JSON.writeValueAsBytes(unsigned)));
      Info info =
          new Info(
              unsigned.layout(),
              unsigned.name(),
              unsigned.task(),
              unsigned.label(),
              unsigned.classNames(),
              unsigned.inputs(),
              unsigned.hyperparameters(),
              unsigned.training(),
              unsigned.lineage(),
              unsigned.createdAt(),
              fingerprint);
      byte[] json = JSON.writeValueAsBytes(info);
      ArtifactDirectory.writeAtomically(staging.resolve(MODEL_JSON), json);
      artifact.commit();
      // As read back, so that numbers have the types read() gives (e.g. Double, not Float).
      return new ModelArtifact(artifact.target(), JSON.readValue(json, Info.class), fitted);
    } catch (IOException | RuntimeException e) {
      artifact.abandon();
      throw e;
    }
  }

  /**
   * Reads a committed artifact and checks its fingerprint against its content: the transform's
   * (recomputed by {@link FittedTransform#read}), the saved model's files and model.json's.
   *
   * @throws ArtifactIntegrityException naming the artifact when its content does not match
   */
  public static ModelArtifact read(Path directory) throws IOException {
    Path json = directory.resolve(MODEL_JSON);
    if (Files.notExists(json)) {
      throw new IOException(directory + " is not a model artifact: no " + MODEL_JSON);
    }
    JsonNode tree;
    Info info;
    try {
      tree = JSON.readTree(Files.readAllBytes(json));
      info = JSON.treeToValue(tree, Info.class);
    } catch (IOException e) {
      throw new IOException(json + ": " + e.getMessage(), e);
    }
    if (CONTENT_UNPROVEN_LAYOUT.equals(info.layout())) {
      throw new ArtifactIntegrityException(
          directory
              + " was written by an older millrace ("
              + info.layout()
              + ") whose fingerprint does not cover model.json or the transform's constants, so"
              + " its content cannot be proven: train it again");
    }
    if (!LAYOUT.equals(info.layout())) {
      throw new IOException(json + ": unknown model layout " + info.layout());
    }
    if (info.task() == null || info.inputs() == null || info.lineage() == null) {
      throw new IOException(json + ": task, inputs and lineage are required");
    }
    FittedTransform transform = FittedTransform.read(directory.resolve(TRANSFORM));
    if (!transform.fingerprint().equals(info.lineage().transformFingerprint())) {
      throw new ArtifactIntegrityException(
          directory
              + ": "
              + TRANSFORM
              + "/ (fingerprint "
              + transform.fingerprint()
              + ") is not the transform the model was trained behind ("
              + info.lineage().transformFingerprint()
              + " in "
              + MODEL_JSON
              + ")");
    }
    String actual = fingerprint(directory.resolve(SAVED_MODEL), transform.fingerprint(), tree);
    if (!actual.equals(info.fingerprint())) {
      throw new ArtifactIntegrityException(
          directory
              + ": the model's content does not match the fingerprint in "
              + MODEL_JSON
              + " ("
              + info.fingerprint()
              + "; computed "
              + actual
              + "): its saved model or "
              + MODEL_JSON
              + " was changed after it was written");
    }
    return new ModelArtifact(directory.toAbsolutePath().normalize(), info, transform);
  }

  /**
   * The fingerprint of a model: SHA-256 over the saved model's files, the transform's fingerprint
   * and model.json's content ({@code modelJson}, less the fields of {@link #UNFINGERPRINTED}) in
   * canonical form.
   */
  static String fingerprint(Path savedModel, String transformFingerprint, JsonNode modelJson)
      throws IOException {
    List<ContentDigest.FileDigest> files = ContentDigest.files(savedModel);
    if (files.isEmpty()) {
      throw new IOException(savedModel + " holds no files");
    }
    JsonNode covered = modelJson.deepCopy();
    for (String field : UNFINGERPRINTED) {
      remove(covered, field);
    }
    return ContentDigest.parts(FINGERPRINT)
        .add(ContentDigest.of(files))
        .add(transformFingerprint)
        .add(CanonicalJson.of(covered))
        .sha256();
  }

  /** Removes a dotted path from a JSON tree, if present. */
  private static void remove(JsonNode node, String dottedPath) {
    int dot = dottedPath.indexOf('.');
    if (dot < 0) {
      if (node instanceof ObjectNode object) {
        object.remove(dottedPath);
      }
      return;
    }
    JsonNode child = node.get(dottedPath.substring(0, dot));
    if (child != null) {
      remove(child, dottedPath.substring(dot + 1));
    }
  }

  /** The config's fields by name, as JSON values (stays readable when ModelConfig gains fields). */
  @SuppressWarnings("unchecked")
  static Map<String, Object> hyperparameters(ModelConfig config) {
    return new LinkedHashMap<>(JSON.convertValue(config, Map.class));
  }

  private static TrainingSummary summary(TrainedModel model) {
    List<Double> curve = doubles(model.lossCurve());
    Map<String, Object> more = new LinkedHashMap<>();
    more.put("evalLossCurve", doubles(model.evalLossCurve()));
    more.put("stepLosses", doubles(model.stepLosses()));
    more.put("bestEpoch", model.bestEpoch());
    more.put("stoppedEarly", model.stoppedEarly());
    more.put("steps", model.steps());
    more.put("finalLoss", (double) model.finalLoss());
    more.put("trainNanos", model.trainNanos());
    more.put("weights", model.weightNames());
    return new TrainingSummary(
        curve,
        (double) model.initialLoss(),
        model.examplesPerSecond(),
        model.trainNanos() / 1_000_000,
        more);
  }

  private static List<Double> doubles(float[] values) {
    List<Double> out = new ArrayList<>(values.length);
    for (float v : values) {
      out.add((double) v);
    }
    return out;
  }
}
