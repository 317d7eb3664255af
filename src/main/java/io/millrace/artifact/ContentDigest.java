package io.millrace.artifact;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import com.google.common.io.MoreFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * SHA-256 fingerprints of what artifacts hold: of files, of whole directories, and of a list of
 * named parts. A directory's fingerprint covers every regular file under it by relative path, size
 * and content hash, so a file missing, added, renamed or changed by one byte changes it.
 *
 * <p>Parts are length-prefixed before they are hashed, so no two different part lists hash the same
 * bytes.
 */
public final class ContentDigest {
  private ContentDigest() {}

  /**
   * One file of an artifact.
   *
   * @param path relative to the artifact, '/'-separated (the file's own name when the artifact is a
   *     single file)
   * @param sha256 of the file's bytes, hex
   */
  public record FileDigest(String path, long size, String sha256) {}

  /** SHA-256 (hex) of a file's bytes. */
  public static String sha256(Path file) throws IOException {
    return MoreFiles.asByteSource(file).hash(Hashing.sha256()).toString();
  }

  /**
   * Every regular file of an artifact with its hash, sorted by relative path: the files under
   * {@code root}, or {@code root} itself when it is a file.
   *
   * @throws java.nio.file.NoSuchFileException when {@code root} does not exist
   */
  public static List<FileDigest> files(Path root) throws IOException {
    List<FileDigest> files = new ArrayList<>();
    if (Files.isRegularFile(root)) {
      files.add(new FileDigest(root.getFileName().toString(), Files.size(root), sha256(root)));
      return files;
    }
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(root)) {
      // An object store's commit marker says the files are whole; it is not one of them.
      paths =
          walk.filter(Files::isRegularFile)
              .filter(f -> !f.getFileName().toString().equals(ArtifactDirectory.COMMITTED))
              .toList();
    }
    for (Path file : paths) {
      String relative = root.relativize(file).toString().replace('\\', '/');
      files.add(new FileDigest(relative, Files.size(file), sha256(file)));
    }
    files.sort(Comparator.comparing(FileDigest::path));
    return files;
  }

  /** The fingerprint of an artifact's files, as {@link #files} lists them. */
  public static String of(List<FileDigest> files) {
    Parts parts = parts("millrace-files/1");
    for (FileDigest f : files) {
      parts.add(f.path()).add(Long.toString(f.size())).add(f.sha256());
    }
    return parts.sha256();
  }

  /** The fingerprint of the file or directory {@code root}: {@code of(files(root))}. */
  public static String of(Path root) throws IOException {
    return of(files(root));
  }

  /** Starts a fingerprint over parts; {@code kind} names what is fingerprinted and how. */
  public static Parts parts(String kind) {
    return new Parts().add(kind);
  }

  /** A fingerprint being built from parts, each length-prefixed. */
  public static final class Parts {
    private final Hasher sha = Hashing.sha256().newHasher();

    private Parts() {}

    public Parts add(String part) {
      return add(part.getBytes(StandardCharsets.UTF_8));
    }

    public Parts add(byte[] part) {
      sha.putBytes(ByteBuffer.allocate(Integer.BYTES).putInt(part.length).array());
      sha.putBytes(part);
      return this;
    }

    /** SHA-256 of the parts, hex. */
    public String sha256() {
      return sha.hash().toString();
    }
  }
}
