package io.millrace.serving;

/**
 * A request the server refuses, with a message naming what was wrong (the field, the model, the
 * version), the canonical gRPC code it is refused with (as TF Serving's status codes: the gRPC API
 * answers it, both APIs count it in the metrics) and the HTTP status the REST API answers. Never a
 * server fault: those are 500s, {@code INTERNAL}.
 */
final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final io.grpc.Status.Code code;

  private ApiException(int status, io.grpc.Status.Code code, String message) {
    super(message);
    this.status = status;
    this.code = code;
  }

  static ApiException badRequest(String message) {
    return new ApiException(400, io.grpc.Status.Code.INVALID_ARGUMENT, message);
  }

  static ApiException notFound(String message) {
    return new ApiException(404, io.grpc.Status.Code.NOT_FOUND, message);
  }

  /** A REST path asked for with a method it does not take. */
  static ApiException methodNotAllowed(String message) {
    return new ApiException(405, io.grpc.Status.Code.INVALID_ARGUMENT, message);
  }

  /** A request larger than the server takes (gRPC refuses a too large message the same way). */
  static ApiException tooLarge(String message) {
    return new ApiException(413, io.grpc.Status.Code.RESOURCE_EXHAUSTED, message);
  }

  /** Every request slot and queue place is taken: retry later. */
  static ApiException atCapacity() {
    return new ApiException(
        503, io.grpc.Status.Code.RESOURCE_EXHAUSTED, "the server is at capacity; retry later");
  }

  /** The server cannot answer yet (a model still loading): retry later. */
  static ApiException unavailable(String message) {
    return new ApiException(503, io.grpc.Status.Code.UNAVAILABLE, message);
  }

  /** The HTTP status of the REST API's answer. */
  int status() {
    return status;
  }

  /** The canonical code: the gRPC API's answer, and the status label of the request's metrics. */
  io.grpc.Status.Code code() {
    return code;
  }
}
