package io.millrace.serving;

/**
 * A request the server refuses, with the HTTP status to answer and a message naming what was wrong
 * (the field, the model, the version). Never a server fault: those are 500s.
 */
final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;

  ApiException(int status, String message) {
    super(message);
    this.status = status;
  }

  static ApiException badRequest(String message) {
    return new ApiException(400, message);
  }

  static ApiException notFound(String message) {
    return new ApiException(404, message);
  }

  int status() {
    return status;
  }
}
