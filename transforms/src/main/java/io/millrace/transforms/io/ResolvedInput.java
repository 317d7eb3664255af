package io.millrace.transforms.io;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import io.millrace.ingest.SourceFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;

/** The files an {@link InputPattern} selected, with the span and version they belong to. */
public final class ResolvedInput implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String pattern;
  private final Long span;
  private final Long version;
  private final List<MatchResult.Metadata> files;

  ResolvedInput(String pattern, Long span, Long version, List<MatchResult.Metadata> files) {
    this.pattern = pattern;
    this.span = span;
    this.version = version;
    this.files = Collections.unmodifiableList(new ArrayList<>(files));
  }

  public String pattern() {
    return pattern;
  }

  /** The span selected, or null when the pattern has no {@code {SPAN}}. */
  public Long span() {
    return span;
  }

  /** The version selected, or null when the pattern has no {@code {VERSION}}. */
  public Long version() {
    return version;
  }

  public List<MatchResult.Metadata> files() {
    return files;
  }

  public List<SourceFile> sourceFiles() {
    List<SourceFile> sources = new ArrayList<>();
    files.forEach(m -> sources.add(new BeamSourceFile(m)));
    return sources;
  }

  /**
   * Fingerprints every file by name, size and SHA-256 of its content, so that later stages and the
   * metadata store can tie a model to the exact bytes it was trained on.
   */
  public List<FileFingerprint> fingerprint() throws IOException {
    List<FileFingerprint> prints = new ArrayList<>();
    byte[] buffer = new byte[1 << 16];
    for (MatchResult.Metadata m : files) {
      Hasher sha = Hashing.sha256().newHasher();
      try (InputStream in = Channels.newInputStream(FileSystems.open(m.resourceId()))) {
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          sha.putBytes(buffer, 0, n);
        }
      }
      prints.add(
          new FileFingerprint(m.resourceId().toString(), m.sizeBytes(), sha.hash().toString()));
    }
    return prints;
  }

  /** A file's identity: path, size and SHA-256 (hex) of its content. */
  public static final class FileFingerprint implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String path;
    private final long sizeBytes;
    private final String sha256;

    public FileFingerprint(String path, long sizeBytes, String sha256) {
      this.path = path;
      this.sizeBytes = sizeBytes;
      this.sha256 = sha256;
    }

    public String path() {
      return path;
    }

    public long sizeBytes() {
      return sizeBytes;
    }

    public String sha256() {
      return sha256;
    }
  }
}
