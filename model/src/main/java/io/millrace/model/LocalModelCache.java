package io.millrace.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.ArtifactIntegrityException;
import io.millrace.artifact.StoragePaths;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * TensorFlow loads a SavedModel only from local files: a model artifact on an object store is
 * copied into a local cache folder named by its fingerprint, which {@link ModelArtifact#read} then
 * verifies on the copy, the bytes TensorFlow will load. A copy is staged and renamed into place, so
 * a process that dies while copying leaves nothing that is loaded; concurrent loaders of one model
 * share the first complete copy.
 *
 * <p>The cache is {@code millrace.modelCache} (a system property) or {@code
 * <java.io.tmpdir>/millrace-model-cache}.
 */
final class LocalModelCache {
  static final String PROPERTY = "millrace.modelCache";
  private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{64}");
  private static final ObjectMapper JSON = new ObjectMapper();

  private LocalModelCache() {}

  /** The artifact itself when it is local; else its verified copy in the local cache. */
  static Path local(Path artifact) throws IOException {
    if (!StoragePaths.isRemote(artifact)) {
      return artifact;
    }
    ArtifactDirectory.requireCommitted(artifact);
    String fingerprint =
        JSON.readTree(Files.readAllBytes(artifact.resolve(ModelArtifact.MODEL_JSON)))
            .path("fingerprint")
            .asText();
    if (!FINGERPRINT.matcher(fingerprint).matches()) {
      throw new ArtifactIntegrityException(
          artifact + ": " + ModelArtifact.MODEL_JSON + " holds no model fingerprint");
    }
    Path cache = root();
    Files.createDirectories(cache);
    Path cached = cache.resolve(fingerprint);
    if (Files.isDirectory(cached)) {
      return cached;
    }
    Path staging = cache.resolve("." + fingerprint + ".staging-" + UUID.randomUUID());
    try {
      ArtifactDirectory.copyRecursively(artifact, staging);
      Files.deleteIfExists(staging.resolve(ArtifactDirectory.COMMITTED));
      String copied = ModelArtifact.read(staging).fingerprint();
      if (!copied.equals(fingerprint)) {
        throw new ArtifactIntegrityException(
            artifact + ": its copy has fingerprint " + copied + ", not " + fingerprint);
      }
      try {
        Files.move(staging, cached, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
        // Another loader finished first: its copy is the same model.
      } catch (IOException e) {
        if (!Files.isDirectory(cached)) {
          throw e;
        }
      }
    } finally {
      ArtifactDirectory.deleteRecursively(staging);
    }
    return cached;
  }

  private static Path root() {
    String configured = System.getProperty(PROPERTY);
    return configured != null && !configured.isBlank()
        ? Path.of(configured)
        : Path.of(System.getProperty("java.io.tmpdir"), "millrace-model-cache");
  }
}
