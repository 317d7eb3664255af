package io.millrace.stage;

import io.millrace.metadata.Artifact;
import java.nio.file.Path;

/**
 * An artifact a stage reads or writes: where it is and its ML Metadata type. Each kind is its own
 * record, so a stage's inputs and results say in their types what they hold.
 */
public sealed interface StageArtifact {
  /** The ML Metadata type the artifact is recorded as ({@link Artifact#EXAMPLES}, ...). */
  String type();

  /** The directory (or file) it is. */
  Path path();

  /** An examples artifact (ingest, and the transformed examples). */
  record Examples(Path path) implements StageArtifact {
    @Override
    public String type() {
      return Artifact.EXAMPLES;
    }
  }

  /** A statistics artifact, or a single {@code stats.pb} file (Millrace's or TFDV's). */
  record Statistics(Path path) implements StageArtifact {
    @Override
    public String type() {
      return Artifact.STATISTICS;
    }
  }

  /** A schema text file ({@code schema.pbtxt}, Millrace's or TFDV's). */
  record Schema(Path path) implements StageArtifact {
    @Override
    public String type() {
      return Artifact.SCHEMA;
    }
  }

  /** An anomalies artifact: anomalies per split and a report. */
  record Anomalies(Path path) implements StageArtifact {
    @Override
    public String type() {
      return Artifact.ANOMALIES;
    }
  }

  /** A fitted transform artifact, what serving loads. */
  record Transform(Path path) implements StageArtifact {
    @Override
    public String type() {
      return Artifact.TRANSFORM;
    }
  }

  /** A model artifact: SavedModel, its transform and model.json. */
  record Model(Path path) implements StageArtifact {
    @Override
    public String type() {
      return Artifact.MODEL;
    }
  }

  /** An evaluation artifact: evaluation.json and its report. */
  record Evaluation(Path path) implements StageArtifact {
    @Override
    public String type() {
      return Artifact.EVALUATION;
    }
  }

  /** A version of a model in a registry. */
  record Pushed(Path path) implements StageArtifact {
    @Override
    public String type() {
      return Artifact.PUSH;
    }
  }
}
