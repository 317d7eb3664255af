package io.millrace.metadata;

/** A failure of the metadata store, naming the store and what was being done. */
public final class MetadataStoreException extends RuntimeException {
  public MetadataStoreException(String message, Throwable cause) {
    super(message, cause);
  }

  public MetadataStoreException(String message) {
    super(message);
  }
}
