package io.millrace.model;

/**
 * What a model predicts, and so which output key its signatures have and which metrics evaluate it.
 *
 * <p>Mirrors {@code io.millrace.train.Task} of the trainer (see {@link TrainerContract}).
 */
public enum ModelTask {
  /** P(label = 1), output {@value TrainerContract#PROBABILITIES} float32 {@code [batch]}. */
  BINARY,
  /**
   * One probability per class, output {@value TrainerContract#PROBABILITIES} {@code [batch, K]}.
   */
  MULTICLASS,
  /** A number, output {@value TrainerContract#PREDICTIONS} float32 {@code [batch]}. */
  REGRESSION;

  /** The output key of both signatures. */
  public String outputKey() {
    return this == REGRESSION ? TrainerContract.PREDICTIONS : TrainerContract.PROBABILITIES;
  }
}
