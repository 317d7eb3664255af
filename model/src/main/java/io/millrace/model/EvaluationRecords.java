package io.millrace.model;

import io.millrace.artifact.ArtifactIntegrityException;
import io.millrace.evaluate.Evaluation;
import io.millrace.metadata.Artifact;
import io.millrace.metadata.Context;
import io.millrace.metadata.Execution;
import io.millrace.metadata.MetadataStore;
import io.millrace.metadata.Run;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a metadata store knows of evaluations: each evaluation artifact millrace wrote is recorded
 * with its content fingerprint ({@link Evaluation#fingerprint}) and the fingerprint of the model it
 * evaluated, so that a push can tell an evaluation millrace wrote from one edited or written by
 * hand. {@code millrace run} records its evaluation stage's output in the pipeline's store; {@code
 * millrace evaluate} records its output with {@link #record} as a run of the pseudo-pipeline
 * {@value #STANDALONE}.
 */
public final class EvaluationRecords {
  /** The artifact property holding {@link Evaluation#fingerprint}. */
  public static final String EVALUATION_FINGERPRINT = "evaluation_fingerprint";

  /** The artifact property holding the evaluated candidate's model fingerprint. */
  public static final String MODEL_FINGERPRINT = "model_fingerprint";

  /** The pipeline context of standalone evaluations (no pipeline name has a space). */
  public static final String STANDALONE = "millrace evaluate";

  private EvaluationRecords() {}

  /** The properties an evaluation artifact is recorded with. */
  public static Map<String, String> properties(Path artifact) throws IOException {
    Evaluation evaluation = Evaluation.read(artifact);
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put(EVALUATION_FINGERPRINT, Evaluation.fingerprint(artifact));
    properties.put(MODEL_FINGERPRINT, evaluation.candidate().fingerprint());
    properties.put("blessed", Boolean.toString(evaluation.blessed()));
    return properties;
  }

  /**
   * Records an evaluation that {@code millrace evaluate} wrote, as a completed execution of a run
   * of {@value #STANDALONE}.
   */
  public static Artifact record(MetadataStore store, Path artifact, String codeVersion)
      throws IOException {
    Map<String, String> properties = properties(artifact);
    Evaluation evaluation = Evaluation.read(artifact);
    Context standalone = store.pipeline(STANDALONE);
    Run run =
        store.startRun(
            standalone,
            Map.of("model", evaluation.candidate().path(), "output", artifact.toString()));
    Execution execution =
        store.startExecution(
            run,
            "evaluation",
            properties.get(EVALUATION_FINGERPRINT),
            evaluation.config().toJson(),
            codeVersion,
            Map.of());
    Artifact recorded =
        store.recordOutput(
            execution,
            "evaluation",
            Artifact.EVALUATION,
            artifact.toAbsolutePath().normalize().toString(),
            properties.get(EVALUATION_FINGERPRINT),
            properties);
    store.completeExecution(execution, properties);
    store.finishRun(run, Run.Status.SUCCEEDED);
    return recorded;
  }

  /**
   * Checks that {@code store} recorded an evaluation with this content fingerprint, of the model
   * with {@code modelFingerprint}, by an execution that completed.
   *
   * @throws ArtifactIntegrityException naming the artifact and the store when it did not
   */
  public static void check(
      MetadataStore store, Path artifact, String evaluationFingerprint, String modelFingerprint)
      throws ArtifactIntegrityException {
    List<Artifact> recorded =
        store.findArtifacts(
            Artifact.EVALUATION,
            Map.of(
                EVALUATION_FINGERPRINT,
                evaluationFingerprint,
                MODEL_FINGERPRINT,
                modelFingerprint));
    if (recorded.stream().noneMatch(a -> a.state() == Artifact.State.LIVE)) {
      throw new ArtifactIntegrityException(
          "the evaluation "
              + artifact
              + " (fingerprint "
              + evaluationFingerprint
              + ") is not one the metadata store "
              + store.url()
              + " recorded for this model: it was changed or written by hand after it was"
              + " evaluated, or evaluated with another store (millrace evaluate records in"
              + " REGISTRY/"
              + ModelRegistry.METADATA
              + " with --registry, or in --metadata-url)");
    }
  }
}
