package io.millrace.stage;

import io.millrace.model.ModelRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Collection;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where a command may write: never over one of its own inputs (a target that is an input, holds
 * one, or lies inside one), and never into a model registry or a pipeline root, whose contents only
 * their owners write ({@code millrace push}; {@code millrace run}, which records every artifact in
 * its metadata store). Paths are compared as real paths, symbolic links resolved, so no spelling of
 * a path gets around the check.
 *
 * <p>A registry and a root are told by their layout: a model directory holds {@code LATEST} naming
 * one of its numbered versions; a root holds {@code artifacts/} and its store {@code
 * metadata.sqlite} or its run reports {@code runs/}.
 */
public final class OutputGuard {
  private static final String ROOT_ARTIFACTS = "artifacts";
  private static final String ROOT_STORE = "metadata.sqlite";
  private static final String ROOT_REPORTS = "runs";

  private OutputGuard() {}

  /**
   * Refuses a target that would overlap an input, a registry or a pipeline root.
   *
   * @param target the file or directory the command writes (or replaces)
   * @param inputs every file and directory the command reads; nulls are skipped
   * @throws IllegalArgumentException naming the target and what it overlaps
   */
  public static void check(Path target, Collection<Path> inputs) throws IOException {
    Path real = realPath(target);
    for (Path input : inputs) {
      if (input == null) {
        continue;
      }
      Path realInput = realPath(input);
      if (real.equals(realInput)) {
        throw refused(real, "it is the input " + realInput);
      }
      if (realInput.startsWith(real)) {
        throw refused(real, "it holds the input " + realInput);
      }
      if (real.startsWith(realInput)) {
        throw refused(real, "it lies inside the input " + realInput);
      }
    }
    for (Path dir = real; dir != null; dir = dir.getParent()) {
      Optional<String> owner = owner(dir);
      if (owner.isPresent()) {
        throw refused(real, "it is or lies inside " + owner.get());
      }
    }
    if (Files.isDirectory(real)) {
      Optional<String> held = ownerBelow(real);
      if (held.isPresent()) {
        throw refused(real, "it holds " + held.get());
      }
    }
  }

  private static IllegalArgumentException refused(Path target, String why) {
    return new IllegalArgumentException(
        "refusing to write " + target + ": " + why + "; choose another output");
  }

  /** The path with every symbolic link of its existing part resolved. */
  static Path realPath(Path path) throws IOException {
    Path absolute = path.toAbsolutePath().normalize();
    Path existing = absolute;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return absolute;
    }
    return existing.toRealPath().resolve(existing.relativize(absolute)).normalize();
  }

  /** What owns a directory's contents, if it is a registry, a model in one, or a root. */
  private static Optional<String> owner(Path dir) throws IOException {
    if (isPipelineRoot(dir)) {
      return Optional.of("the pipeline root " + dir);
    }
    if (isModelDirectory(dir)) {
      return Optional.of("the model registry " + dir.getParent());
    }
    if (Files.isDirectory(dir)) {
      try (Stream<Path> children = Files.list(dir)) {
        if (children.anyMatch(OutputGuard::isModelDirectory)) {
          return Optional.of("the model registry " + dir);
        }
      } catch (IOException e) {
        // An unreadable folder (e.g. another user's) is nobody's registry we could write into.
      }
    }
    return Optional.empty();
  }

  /** A registry or a root somewhere under {@code dir}, which replacing {@code dir} would delete. */
  private static Optional<String> ownerBelow(Path dir) throws IOException {
    String[] found = new String[1];
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attributes) {
            if (isPipelineRoot(d)) {
              found[0] = "the pipeline root " + d;
            } else if (isModelDirectory(d)) {
              found[0] = "the model registry " + d.getParent();
            }
            return found[0] == null ? FileVisitResult.CONTINUE : FileVisitResult.TERMINATE;
          }
        });
    return Optional.ofNullable(found[0]);
  }

  private static boolean isPipelineRoot(Path dir) {
    return Files.isDirectory(dir.resolve(ROOT_ARTIFACTS))
        && (Files.isRegularFile(dir.resolve(ROOT_STORE))
            || Files.isDirectory(dir.resolve(ROOT_REPORTS)));
  }

  /** {@code REGISTRY/NAME/}: a {@code LATEST} file naming one of its version directories. */
  private static boolean isModelDirectory(Path dir) {
    Path latest = dir.resolve(ModelRegistry.LATEST);
    if (!Files.isRegularFile(latest)) {
      return false;
    }
    try {
      String version = Files.readString(latest, StandardCharsets.US_ASCII).trim();
      return version.matches("[1-9][0-9]{0,9}") && Files.isDirectory(dir.resolve(version));
    } catch (IOException e) {
      return false;
    }
  }
}
