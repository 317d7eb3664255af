/**
 * The stages of the lifecycle, one class each, as {@code millrace <command>} and {@code millrace
 * run} both run them:
 *
 * <pre>
 * IngestStage -> StatisticsStage -> SchemaStage -> ValidationStage -> TransformStage
 *             -> TrainStage -> EvaluationStage -> PushStage
 * </pre>
 *
 * <p>A {@link io.millrace.stage.Stage} has a settings record, typed input artifacts ({@link
 * io.millrace.stage.StageArtifact}) and returns a typed {@link io.millrace.stage.StageResult} whose
 * decisions are fields. The {@link io.millrace.stage.StageExecutor} runs any of them standalone
 * (the output guard, the user's output) or recording (cache key, verified reuse, crashed-attempt
 * cleanup, metadata). {@link io.millrace.stage.RawInput} is the one reading of raw-data options.
 * The {@code *Job} classes are the Beam jobs the stages launch.
 */
package io.millrace.stage;
