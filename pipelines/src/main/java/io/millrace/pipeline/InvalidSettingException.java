package io.millrace.pipeline;

/**
 * A pipeline setting no stage would accept, with its key as a path from the top of the definition
 * (e.g. {@code input.maxBadFraction}, {@code model.tuner}), so that a pipeline file can name the
 * key, its section and its line.
 */
public final class InvalidSettingException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String key;
  private final String problem;

  public InvalidSettingException(String key, String problem) {
    super(key + ": " + problem);
    this.key = key;
    this.problem = problem;
  }

  /** The key's path, sections and keys joined by dots. */
  public String key() {
    return key;
  }

  /** What is wrong with the value, without the key. */
  public String problem() {
    return problem;
  }
}
