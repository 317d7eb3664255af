package io.millrace.train;

/** What a model predicts, which fixes its loss, its output width and its exported output. */
public enum Task {
  /** P(label = 1) from one logit; labels 0 or 1; sigmoid cross-entropy. */
  BINARY,
  /** One of K classes from K logits; labels are class indexes; softmax cross-entropy. */
  MULTICLASS,
  /** A real value from one output; squared error. */
  REGRESSION
}
