package io.millrace.metadata;

import io.millrace.artifact.StoragePaths;
import java.net.URI;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;

/** Which artifact uris name local files, which the store can check and records absolute. */
final class ArtifactUris {
  private ArtifactUris() {}

  /** The local file a uri names: a plain path or a {@code file:} URI; empty for other schemes. */
  static Optional<Path> localPath(String uri) {
    int colon = uri.indexOf(':');
    int slash = uri.indexOf('/');
    boolean hasScheme = colon > 1 && (slash < 0 || colon < slash);
    try {
      if (!hasScheme) {
        return Optional.of(Paths.get(uri));
      }
      if (uri.startsWith("file:")) {
        return Optional.of(Paths.get(URI.create(uri)));
      }
      // s3://, hdfs://...: a path of its file system, which the store can check as well.
      return Optional.of(StoragePaths.of(uri));
    } catch (IllegalArgumentException | java.nio.file.ProviderNotFoundException e) {
      // Not a path this file system can name: treated like a remote uri.
    }
    return Optional.empty();
  }

  /** A plain path made absolute and normalized; a {@code file:} or other URI as given. */
  static String absoluteIfLocal(String uri) {
    boolean plainPath =
        localPath(uri).isPresent() && !uri.startsWith("file:") && !StoragePaths.isUri(uri);
    return plainPath ? Paths.get(uri).toAbsolutePath().normalize().toString() : uri;
  }
}
