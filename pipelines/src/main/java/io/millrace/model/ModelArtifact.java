package io.millrace.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.ArtifactKind;
import io.millrace.train.ModelConfig;
import io.millrace.train.ModelExport;
import io.millrace.train.Task;
import io.millrace.train.TrainedModel;
import io.millrace.train.TransformedData;
import io.millrace.transform.FittedTransform;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Stream;

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
 * <p>The fingerprint is SHA-256 over every saved_model file (relative path and bytes, in path
 * order) and the transform fingerprint; {@link #read} checks it, so a half-copied or altered
 * artifact is refused.
 */
public final class ModelArtifact {
  public static final String LAYOUT = "millrace-model/1";
  public static final String SAVED_MODEL = "saved_model";
  public static final String TRANSFORM = "transform";
  public static final String MODEL_JSON = "model.json";

  /** A model artifact, by its {@code model.json}: what a training output holds. */
  public static final ArtifactKind KIND =
      ArtifactKind.withLayout("a model artifact", MODEL_JSON, "millrace-model/");

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

  private ModelArtifact(Path directory, Info info) {
    this.directory = directory;
    this.info = info;
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

  public FittedTransform transform() throws IOException {
    return FittedTransform.read(transformDirectory());
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
      String fingerprint = fingerprint(staging.resolve(SAVED_MODEL), fitted.fingerprint());
      Info info =
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
              fingerprint);
      byte[] json = JSON.writeValueAsBytes(info);
      ArtifactDirectory.writeAtomically(staging.resolve(MODEL_JSON), json);
      artifact.commit();
      // As read back, so that numbers have the types read() gives (e.g. Double, not Float).
      return new ModelArtifact(artifact.target(), JSON.readValue(json, Info.class));
    } catch (IOException | RuntimeException e) {
      artifact.abandon();
      throw e;
    }
  }

  /** Reads a committed artifact and checks its fingerprint. */
  public static ModelArtifact read(Path directory) throws IOException {
    Path json = directory.resolve(MODEL_JSON);
    if (Files.notExists(json)) {
      throw new IOException(directory + " is not a model artifact: no " + MODEL_JSON);
    }
    Info info;
    try {
      info = JSON.readValue(json.toFile(), Info.class);
    } catch (IOException e) {
      throw new IOException(json + ": " + e.getMessage(), e);
    }
    if (!LAYOUT.equals(info.layout())) {
      throw new IOException(json + ": unknown model layout " + info.layout());
    }
    if (info.task() == null || info.inputs() == null || info.lineage() == null) {
      throw new IOException(json + ": task, inputs and lineage are required");
    }
    String actual =
        fingerprint(directory.resolve(SAVED_MODEL), info.lineage().transformFingerprint());
    if (!actual.equals(info.fingerprint())) {
      throw new IOException(
          directory
              + ": the saved model and transform do not match model.json's fingerprint "
              + info.fingerprint()
              + " (computed "
              + actual
              + ")");
    }
    return new ModelArtifact(directory.toAbsolutePath().normalize(), info);
  }

  /** SHA-256 over the saved model's files (relative path, size, bytes) and the transform's. */
  public static String fingerprint(Path savedModel, String transformFingerprint)
      throws IOException {
    MessageDigest sha = sha256();
    List<Path> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(savedModel)) {
      walk.filter(Files::isRegularFile).forEach(files::add);
    }
    if (files.isEmpty()) {
      throw new IOException(savedModel + " holds no files");
    }
    files.sort(
        (a, b) ->
            savedModel.relativize(a).toString().compareTo(savedModel.relativize(b).toString()));
    byte[] buffer = new byte[1 << 16];
    for (Path file : files) {
      sha.update(
          savedModel
              .relativize(file)
              .toString()
              .replace('\\', '/')
              .getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(Long.toString(Files.size(file)).getBytes(StandardCharsets.US_ASCII));
      sha.update((byte) 0);
      try (InputStream in = Files.newInputStream(file)) {
        for (int n; (n = in.read(buffer)) > 0; ) {
          sha.update(buffer, 0, n);
        }
      }
    }
    sha.update(("transform:" + transformFingerprint).getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(sha.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
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
