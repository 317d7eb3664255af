package io.millrace.pipeline;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import io.millrace.record.Example;
import io.millrace.stage.IngestJob;
import io.millrace.stage.TrainJob;
import io.millrace.train.Trainer;
import io.millrace.transforms.ReadExamples;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The version of the code that computes stage outputs, part of every cache key.
 *
 * <p>A release is its version ({@code Implementation-Version} of the jar, else the version in the
 * jar's Maven {@code pom.properties}). A development build ({@code -SNAPSHOT}, or classes straight
 * from {@code target/classes}) is that version plus {@code +} and 12 hex digits of a SHA-256 over
 * the bytes of every Millrace class ({@code io/millrace/**.class}) in the jars or folders the job
 * classes were loaded from, the command-line and serving classes excepted: rebuilding with a change
 * to any job (or anything a job uses) changes the key, so nothing computed by older code is reused,
 * while rebuilding unchanged code keeps the cache. Hashing every class rather than each stage's own
 * is coarse on purpose: a stage's output depends on shared code (records, readers, statistics) that
 * no package list would track reliably.
 */
public final class CodeVersion {
  private static volatile String current;

  private CodeVersion() {}

  /** The code version of this process, computed once. */
  public static String current() {
    String version = current;
    if (version == null) {
      synchronized (CodeVersion.class) {
        if (current == null) {
          current = compute();
        }
        version = current;
      }
    }
    return version;
  }

  /**
   * Prints the code version of the classes on this classpath: runners/flink/start-cluster.sh
   * records that of the cluster's lib/ in the cluster's configuration, so that a client of the same
   * code version knows it need not upload its own.
   */
  public static void main(String[] args) {
    System.out.println(current());
  }

  private static String compute() {
    String release = releaseVersion();
    if (release != null && !release.endsWith("-SNAPSHOT")) {
      return release;
    }
    Set<Path> sources = new LinkedHashSet<>();
    // One class of each module that computes outputs: the core, the Beam transforms, training and
    // the model artifact, the stages.
    for (Class<?> c :
        List.of(
            Example.class,
            ReadExamples.class,
            Trainer.class,
            IngestJob.class,
            TrainJob.class,
            CodeVersion.class)) {
      try {
        sources.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()));
      } catch (URISyntaxException | NullPointerException | SecurityException e) {
        return (release != null ? release : "dev") + "+unknown";
      }
    }
    // Sorted by name across all sources, so the order the sources are found in does not matter.
    TreeMap<String, byte[]> classes = new TreeMap<>();
    try {
      for (Path source : sources) {
        if (Files.isDirectory(source)) {
          collectFromDirectory(source, classes);
        } else {
          collectFromJar(source, classes);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the classes to version them", e);
    }
    Hasher sha = Hashing.sha256().newHasher();
    classes.forEach(
        (name, hash) -> {
          sha.putUnencodedChars(name);
          sha.putBytes(hash);
        });
    return (release != null ? release : "dev") + "+" + sha.hash().toString().substring(0, 12);
  }

  private static boolean versioned(String name) {
    return name.startsWith("io/millrace/")
        && name.endsWith(".class")
        && !name.startsWith("io/millrace/cli/")
        && !name.startsWith("io/millrace/serving/");
  }

  private static void collectFromDirectory(Path root, TreeMap<String, byte[]> classes)
      throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(root)) {
      walk.filter(Files::isRegularFile).forEach(files::add);
    }
    for (Path file : files) {
      String name = root.relativize(file).toString().replace('\\', '/');
      if (versioned(name)) {
        classes.put(name, Hashing.sha256().hashBytes(Files.readAllBytes(file)).asBytes());
      }
    }
  }

  private static void collectFromJar(Path jar, TreeMap<String, byte[]> classes) throws IOException {
    try (JarFile file = new JarFile(jar.toFile())) {
      Enumeration<JarEntry> entries = file.entries();
      while (entries.hasMoreElements()) {
        JarEntry entry = entries.nextElement();
        if (versioned(entry.getName())) {
          try (InputStream in = file.getInputStream(entry)) {
            classes.put(entry.getName(), Hashing.sha256().hashBytes(in.readAllBytes()).asBytes());
          }
        }
      }
    }
  }

  private static String releaseVersion() {
    String version = CodeVersion.class.getPackage().getImplementationVersion();
    if (version != null) {
      return version;
    }
    for (String module : List.of("millrace-pipelines", "millrace-runners")) {
      try (InputStream in =
          CodeVersion.class.getResourceAsStream(
              "/META-INF/maven/io.millrace/" + module + "/pom.properties")) {
        if (in != null) {
          Properties properties = new Properties();
          properties.load(in);
          String v = properties.getProperty("version");
          if (v != null) {
            return v;
          }
        }
      } catch (IOException e) {
        // No version known: treated as a development build.
      }
    }
    return null;
  }
}
