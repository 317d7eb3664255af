package io.millrace.stage;

import io.millrace.artifact.ArtifactDirectory;
import io.millrace.evaluate.Evaluation;
import io.millrace.evaluate.EvaluationConfig;
import io.millrace.evaluate.EvaluationReport;
import io.millrace.evaluate.ModelMetrics;
import io.millrace.evaluate.ModelValidation;
import io.millrace.model.EvaluateModels;
import io.millrace.model.ModelArtifact;
import io.millrace.record.Example;
import io.millrace.transforms.ReadExamples;
import io.millrace.transforms.io.ResultFiles;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.values.PCollection;

/**
 * Evaluates a candidate model (and optionally a baseline) on raw eval records with {@link
 * EvaluateModels}, validates the candidate against the configured thresholds and writes the
 * evaluation artifact atomically:
 *
 * <pre>
 * evaluation.json   {@link Evaluation}: models, config, metrics per model per slice, intervals,
 *                   the validation result (blessed, failures, skipped change thresholds)
 * report.html       the same for people, the blessing decision first
 * </pre>
 *
 * <p>The job's workers write each model's metrics into the staging directory (so the output must be
 * on a file system the workers share with the launcher, as for the other jobs); the launcher
 * validates and commits once the job is done.
 */
public final class EvaluationJob {
  private static final String PARTS = ".metrics";

  private EvaluationJob() {}

  /** Reads the eval records matching {@code inputPattern} (format from the file names) and runs. */
  public static Evaluation run(
      Pipeline pipeline,
      String inputPattern,
      Path candidate,
      Path baselineOrNull,
      EvaluationConfig config,
      Path output)
      throws IOException {
    PCollection<Example> raw =
        pipeline.apply("ReadEvalRecords", ReadExamples.from(inputPattern)).examples();
    return run(raw, candidate, baselineOrNull, config, output);
  }

  /** Evaluates the raw records {@code rawEval}, runs their pipeline and writes {@code output}. */
  public static Evaluation run(
      PCollection<Example> rawEval,
      Path candidate,
      Path baselineOrNull,
      EvaluationConfig config,
      Path output)
      throws IOException {
    Objects.requireNonNull(config, "config");
    ModelArtifact candidateArtifact = ModelArtifact.read(candidate);
    ModelArtifact baselineArtifact =
        baselineOrNull == null ? null : ModelArtifact.read(baselineOrNull);
    ArtifactDirectory artifact = ArtifactDirectory.begin(output);
    try {
      Path parts = artifact.staging().resolve(PARTS);
      Files.createDirectories(parts);
      EvaluateModels.Result result =
          rawEval.apply(
              "EvaluateModels",
              EvaluateModels.of(candidate).withBaseline(baselineOrNull).withConfig(config));
      result
          .metrics()
          .apply(
              "WriteMetrics",
              ResultFiles.writeTo(parts, ".bin", ModelMetrics::model, EvaluationJob::serialized));
      long start = System.nanoTime();
      PipelineResult.State state = rawEval.getPipeline().run().waitUntilFinish();
      double seconds = (System.nanoTime() - start) / 1e9;
      if (state != PipelineResult.State.DONE) {
        throw new IOException("the evaluation job ended " + state);
      }
      Map<String, ModelMetrics> models = readParts(parts);
      ModelMetrics candidateMetrics = models.get(EvaluateModels.CANDIDATE);
      if (candidateMetrics == null) {
        throw new IOException("no eval records: the candidate " + candidate + " was not evaluated");
      }
      ModelMetrics baselineMetrics = models.get(EvaluateModels.BASELINE);
      if (baselineArtifact != null && baselineMetrics == null) {
        throw new IOException("the baseline " + baselineOrNull + " was not evaluated");
      }
      ModelValidation.Result validation =
          ModelValidation.validate(
              candidateMetrics.slices(),
              baselineMetrics == null ? null : baselineMetrics.slices(),
              config.validationThresholds());
      long records = candidateMetrics.exampleCount() + candidateMetrics.unusableLabels();
      Evaluation evaluation =
          new Evaluation(
              Evaluation.LAYOUT,
              Instant.now().toString(),
              ref(candidateArtifact),
              baselineArtifact == null ? null : ref(baselineArtifact),
              config,
              models,
              validation,
              records / seconds);
      ArtifactDirectory.deleteRecursively(parts);
      ArtifactDirectory.writeAtomically(
          artifact.staging().resolve(Evaluation.FILE), evaluation.toJson());
      ArtifactDirectory.writeAtomically(
          artifact.staging().resolve(Evaluation.REPORT),
          EvaluationReport.html(evaluation).getBytes(StandardCharsets.UTF_8));
      artifact.commit();
      return evaluation;
    } catch (IOException | RuntimeException e) {
      artifact.abandon();
      throw e;
    }
  }

  private static Evaluation.ModelRef ref(ModelArtifact artifact) {
    ModelArtifact.Info info = artifact.info();
    return new Evaluation.ModelRef(
        artifact.directory().toString(),
        info.name(),
        info.task().name(),
        info.fingerprint(),
        info.lineage().transformFingerprint(),
        info.lineage().dataFingerprints(),
        info.training() == null || info.training().lossCurve() == null
            ? List.of()
            : info.training().lossCurve(),
        evalLoss(info));
  }

  private static List<Double> evalLoss(ModelArtifact.Info info) {
    if (info.training() == null || info.training().more() == null) {
      return List.of();
    }
    Object curve = info.training().more().get("evalLossCurve");
    if (!(curve instanceof List<?> values)) {
      return List.of();
    }
    List<Double> out = new ArrayList<>();
    for (Object v : values) {
      out.add(v instanceof Number number ? number.doubleValue() : Double.NaN);
    }
    return out;
  }

  private static Map<String, ModelMetrics> readParts(Path parts) throws IOException {
    Map<String, ModelMetrics> models = new LinkedHashMap<>();
    for (ModelMetrics m : ResultFiles.read(parts, ".bin", EvaluationJob::deserialized)) {
      if (models.put(m.model(), m) != null) {
        throw new IOException(parts + ": two results for model " + m.model());
      }
    }
    return models;
  }

  private static byte[] serialized(ModelMetrics metrics) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(metrics);
    }
    return bytes.toByteArray();
  }

  private static ModelMetrics deserialized(byte[] bytes) throws IOException {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
      return (ModelMetrics) in.readObject();
    } catch (ClassNotFoundException e) {
      throw new IOException(e.getMessage(), e);
    }
  }
}
