package io.millrace.metadata;

import com.google.common.hash.Hashing;
import io.millrace.artifact.StoragePaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Where a SQLite metadata store lives by default: inside the pipeline root or registry it belongs
 * to when that is a local folder; SQLite cannot work on an object store, so for a root on {@code
 * s3://}, {@code hdfs://}... it is a local file named by the root's URI, {@code
 * ~/.millrace/stores/<first 16 hex digits of SHA-256(URI)>/metadata.sqlite} (the home folder is
 * {@code millrace.home}, a system property, when set). A store several hosts share is a PostgreSQL
 * URL ({@code --metadata-url}).
 */
public final class StoreLocation {
  /** The system property naming the folder that holds {@code .millrace/} instead of the home. */
  public static final String HOME_PROPERTY = "millrace.home";

  private StoreLocation() {}

  /**
   * The default SQLite file of a root.
   *
   * @param inRoot where the file lies under a local root, e.g. {@code metadata.sqlite}
   */
  public static Path defaultSqlite(Path root, String inRoot) {
    if (!StoragePaths.isRemote(root)) {
      return root.resolve(inRoot);
    }
    String uri = root.toAbsolutePath().normalize().toString();
    String home = System.getProperty(HOME_PROPERTY, System.getProperty("user.home"));
    return Path.of(home, ".millrace", "stores")
        .resolve(
            Hashing.sha256().hashString(uri, StandardCharsets.UTF_8).toString().substring(0, 16))
        .resolve(Path.of(inRoot).getFileName().toString());
  }

  /** Whether the store of this root is not inside it (the root is remote). */
  public static boolean isOutside(Path root) {
    return StoragePaths.isRemote(root);
  }
}
