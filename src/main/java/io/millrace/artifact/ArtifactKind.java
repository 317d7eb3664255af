package io.millrace.artifact;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

/**
 * A kind of artifact, told by what only Millrace writes into it (a manifest with its layout, a
 * marker file): what {@code --overwrite} may replace. A folder of someone's files, an input file or
 * an artifact of another kind is none of these, and stays.
 *
 * @param description for messages, with its article: "an examples artifact"
 * @param recognises whether an existing path is one; false when it cannot be read
 */
public record ArtifactKind(String description, Predicate<Path> recognises) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A directory whose JSON {@code manifest} has a {@code layout} starting with {@code prefix}. */
  public static ArtifactKind withLayout(String description, String manifest, String prefix) {
    return new ArtifactKind(
        description,
        dir -> {
          Path file = dir.resolve(manifest);
          if (!Files.isDirectory(dir) || !Files.isRegularFile(file)) {
            return false;
          }
          try {
            JsonNode layout = JSON.readTree(Files.readAllBytes(file)).path("layout");
            return layout.isTextual() && layout.asText().startsWith(prefix);
          } catch (IOException e) {
            return false;
          }
        });
  }

  /** A directory holding every one of {@code entries} (files or directories). */
  public static ArtifactKind withEntries(String description, String... entries) {
    List<String> required = List.of(entries);
    return new ArtifactKind(
        description,
        dir ->
            Files.isDirectory(dir)
                && required.stream().allMatch(entry -> Files.exists(dir.resolve(entry))));
  }

  public boolean isKindOf(Path path) {
    return recognises.test(path);
  }
}
