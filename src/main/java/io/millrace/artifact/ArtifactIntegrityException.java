package io.millrace.artifact;

import java.io.IOException;

/**
 * An artifact whose content does not match its fingerprint, or that its writer cannot have written:
 * changed, truncated or forged after it was written. The message names the artifact and what does
 * not match.
 */
public class ArtifactIntegrityException extends IOException {
  private static final long serialVersionUID = 1L;

  public ArtifactIntegrityException(String message) {
    super(message);
  }
}
