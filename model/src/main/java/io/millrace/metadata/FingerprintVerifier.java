package io.millrace.metadata;

import java.io.IOException;

/**
 * Tells whether an artifact's content still has the fingerprint recorded for it, for {@link
 * MetadataStore#cached(Context, String, String, FingerprintVerifier)}. Typically recomputes the
 * fingerprint from the artifact's manifest or files.
 */
@FunctionalInterface
public interface FingerprintVerifier {
  boolean matches(Artifact artifact) throws IOException;
}
