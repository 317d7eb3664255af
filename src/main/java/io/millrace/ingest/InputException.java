package io.millrace.ingest;

/**
 * Input that cannot be ingested at all: no file matches a pattern, a file has no usable schema, or
 * too many records are bad. The message names the pattern, file, record and field concerned.
 */
public class InputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InputException(String message) {
    super(message);
  }

  public InputException(String message, Throwable cause) {
    super(message, cause);
  }
}
