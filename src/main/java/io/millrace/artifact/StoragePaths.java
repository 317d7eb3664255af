package io.millrace.artifact;

import java.net.URI;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.ProviderNotFoundException;
import java.nio.file.spi.FileSystemProvider;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Turns what a user writes (a command-line option, a pipeline.yaml value, a URI recorded in the
 * metadata store) into a {@link Path}: {@code s3://bucket/key}, {@code gs://...} or {@code
 * hdfs://...} becomes a path of the file-system provider registered for its scheme, a {@code file:}
 * URI or a plain path a local one. The providers are looked up in the JDK's installed ones and in
 * the current thread's class loader, where a Flink TaskManager keeps a job's classes.
 */
public final class StoragePaths {
  private static final Pattern URI_SCHEME = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]+)://.*");
  private static final Map<String, FileSystemProvider> PROVIDERS = new ConcurrentHashMap<>();

  private StoragePaths() {}

  /** The path a string names: a URI with a scheme, or a local path as {@link Path#of} reads it. */
  public static Path of(String text) {
    String scheme = schemeOf(text);
    if (scheme == null) {
      return Path.of(text);
    }
    if (scheme.equals("file")) {
      return Path.of(URI.create(text));
    }
    checkNoDotSegments(text);
    // A path, not a URI: a key may hold what a URI must escape (spaces, braces).
    return provider(scheme).getFileSystem(URI.create(scheme + ":///")).getPath(text);
  }

  /**
   * Refuses {@code .} and {@code ..} in a URI's path: an object store takes them as literal parts
   * of a key, while every check on paths (what an output may replace, what is an input) resolves
   * them, so the key written would not be the one checked.
   *
   * @throws IllegalArgumentException naming the URI
   */
  public static void checkNoDotSegments(String uri) {
    String path = uri.substring(uri.indexOf("://") + 3);
    for (String segment : path.split("/", -1)) {
      if (segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException(
            uri
                + ": a URI may not hold '.' or '..' segments (an object store would take them as"
                + " part of the key); name the location without them");
      }
    }
  }

  /** {@code text} as a path, resolved against {@code base} when it is relative and not a URI. */
  public static Path resolve(Path base, String text) {
    return schemeOf(text) != null ? of(text) : base.resolve(text);
  }

  /** Whether a string is a URI with a scheme (not a local path). */
  public static boolean isUri(String text) {
    return schemeOf(text) != null;
  }

  /** Whether a path lies on another file system than the local disk. */
  public static boolean isRemote(Path path) {
    return path.getFileSystem() != FileSystems.getDefault();
  }

  private static String schemeOf(String text) {
    var matcher = URI_SCHEME.matcher(text);
    return matcher.matches() ? matcher.group(1).toLowerCase(java.util.Locale.ROOT) : null;
  }

  private static FileSystemProvider provider(String scheme) {
    return PROVIDERS.computeIfAbsent(
        scheme,
        s -> {
          for (FileSystemProvider installed : FileSystemProvider.installedProviders()) {
            if (installed.getScheme().equalsIgnoreCase(s)) {
              return installed;
            }
          }
          ClassLoader loader = Thread.currentThread().getContextClassLoader();
          for (FileSystemProvider found : ServiceLoader.load(FileSystemProvider.class, loader)) {
            if (found.getScheme().equalsIgnoreCase(s)) {
              return found;
            }
          }
          throw new ProviderNotFoundException(
              "no file system for " + s + ":// (s3://, gs:// and hdfs:// are served)");
        });
  }
}
