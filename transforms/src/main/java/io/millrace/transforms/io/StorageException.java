package io.millrace.transforms.io;

import java.io.IOException;

/**
 * A file operation that failed, with a message naming the operation, the URI and the reason (an
 * unreachable endpoint, a refused credential, a missing bucket, ...); the cause keeps the detail.
 */
public final class StorageException extends IOException {
  private static final long serialVersionUID = 1L;

  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
