package io.millrace.pipeline;

import io.millrace.metadata.MetadataStore;
import io.millrace.stage.EvaluationStage;
import io.millrace.stage.IngestStage;
import io.millrace.stage.PushStage;
import io.millrace.stage.RawInput;
import io.millrace.stage.SchemaStage;
import io.millrace.stage.StageArtifact;
import io.millrace.stage.StatisticsStage;
import io.millrace.stage.TrainStage;
import io.millrace.stage.TransformStage;
import io.millrace.stage.ValidationStage;
import io.millrace.stats.StatisticsOptions;
import io.millrace.transform.TransformSpec;
import io.millrace.tune.SearchSpace;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The stages a pipeline definition declares, each with the settings its section gives: what the
 * command-line flags are to the commands, the sections are to the pipeline. The same stage classes
 * run either way.
 */
final class PipelineStages {
  private final PipelineDefinition definition;

  PipelineStages(PipelineDefinition definition) {
    this.definition = definition;
  }

  /** The {@code input} section as the stages read raw data. */
  static RawInput rawInput(PipelineDefinition.Input in) {
    return new RawInput(
        in.pattern(),
        in.patterns(),
        in.format(),
        in.pattern() == null ? null : in.splits(),
        in.splitFeature(),
        in.spans(),
        in.featureTypes(),
        in.missingValues(),
        in.delimiter() == null ? null : in.delimiter().charAt(0),
        in.inferSample());
  }

  IngestStage ingest() {
    PipelineDefinition.Input in = definition.input();
    return new IngestStage(
        new IngestStage.Settings(
            rawInput(in),
            in.maxBadFraction() != null ? in.maxBadFraction() : 0.01,
            in.partialFilesAccepted()));
  }

  StatisticsStage statistics(IngestStage.Result ingest) {
    PipelineDefinition.Statistics s = definition.statistics();
    StatisticsOptions options = StatisticsOptions.defaults();
    if (s.topK() != null) {
      options = options.withTopK(s.topK());
    }
    for (List<String> slice : s.slices()) {
      options = options.withSlice(slice.toArray(String[]::new));
    }
    return StatisticsStage.of(ingest.examples(), StatisticsStage.Settings.of(options));
  }

  SchemaStage schema(StatisticsStage.Result statistics) {
    PipelineDefinition.SchemaSource s = definition.schema();
    SchemaStage.Settings settings =
        s.file() != null
            ? SchemaStage.Settings.curated(s.file())
            : SchemaStage.Settings.inferred(
                // The split the transform is fitted on is the training data.
                definition.transform() != null
                    ? definition.transform().analyzeSplitOrDefault()
                    : null,
                s.maxDomainSize(),
                s.inferRanges(),
                s.drift());
    return SchemaStage.of(statistics.statistics(), settings, SchemaStage.FILE);
  }

  /**
   * @param previousSpan the previous span's statistics to measure drift against; null: none
   */
  ValidationStage validation(
      StatisticsStage.Result statistics, SchemaStage.Result schema, Path previousSpan) {
    return new ValidationStage(
        statistics.statistics(),
        schema.schema(),
        previousSpan == null ? null : new StageArtifact.Statistics(previousSpan),
        null,
        new ValidationStage.Settings(definition.validation().environment(), null));
  }

  TransformStage transform(IngestStage.Result ingest) throws IOException {
    PipelineDefinition.Transform t = definition.transform();
    return new TransformStage(
        ingest.examples(),
        new TransformStage.Settings(TransformSpec.read(t.file()), t.analyzeSplitOrDefault()));
  }

  TrainStage train(TransformStage.Result transform) throws IOException {
    PipelineDefinition.Model m = definition.model();
    return new TrainStage(
        transform.transform(),
        transform.transformed(),
        new TrainStage.Settings(
            m.label(),
            m.task(),
            StageSettings.modelConfig(m.config()),
            m.tuner() == null ? SearchSpace.single() : StageSettings.searchSpace(m.tuner()),
            definition.modelName(),
            m.trainSplitOrDefault(),
            m.evalSplitOrDefault()));
  }

  /** The candidate against the registry's latest version that is not the candidate itself. */
  EvaluationStage evaluation(IngestStage.Result ingest, TrainStage.Result train)
      throws IOException {
    PipelineDefinition.Evaluation e = definition.evaluation();
    return EvaluationStage.onExamples(
        train.model(),
        ingest.examples(),
        EvaluationStage.baseline(definition.registryPath(), definition.modelName(), train.model())
            .orElse(null),
        new EvaluationStage.Settings(
            StageSettings.evaluationConfig(e.config()), e.splitOrDefault()));
  }

  /** The push, checked against the evaluations this pipeline's store recorded. */
  PushStage push(TrainStage.Result train, EvaluationStage.Result evaluation, MetadataStore store) {
    return new PushStage(
        train.model(),
        evaluation.evaluation(),
        new PushStage.Settings(definition.registryPath(), definition.modelName()),
        store);
  }
}
