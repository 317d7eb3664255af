package io.millrace.pipeline;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.millrace.artifact.StoragePaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Reads {@code pipeline.yaml} onto a {@link PipelineDefinition}. Relative paths (root, input
 * patterns, the schema, transform, model, tuner and evaluation files, the registry) resolve against
 * the folder of the file, so a pipeline runs the same from any working directory. An unknown key is
 * an error naming the key, its section and the file, since a misspelt option silently ignored would
 * train a different model than the one written down.
 */
public final class PipelineYaml {
  private static final YAMLMapper YAML =
      YAMLMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
          .build();

  private PipelineYaml() {}

  /**
   * Reads and resolves a pipeline file, and checks every setting as its stage would (see {@link
   * StageSettings}), so that a pipeline that loads does not fail later on a setting.
   *
   * @throws IOException naming the file, and for a bad setting its key, section and line
   */
  public static PipelineDefinition read(Path file) throws IOException {
    Path absolute = file.toAbsolutePath().normalize();
    if (!Files.isRegularFile(absolute)) {
      throw new IOException("no pipeline file at " + absolute);
    }
    YamlConfig yaml;
    try {
      yaml = YamlConfig.parse(YAML, Files.readString(absolute));
    } catch (YamlConfig.Invalid e) {
      throw new IOException(absolute + ": " + e.getMessage(), e);
    }
    JsonNode tree = yaml.tree();
    if (tree == null || !tree.isObject()) {
      throw new IOException(absolute + ": expected a mapping of sections (name, root, input, ...)");
    }
    Path base = absolute.getParent();
    if (!tree.hasNonNull("root") && tree.hasNonNull("name")) {
      ((ObjectNode) tree)
          .put("root", base.resolve(".millrace").resolve(tree.get("name").asText()).toString());
    }
    PipelineDefinition raw;
    try {
      raw = YAML.readValue(YAML.treeAsTokens(tree), PipelineDefinition.class);
    } catch (UnrecognizedPropertyException e) {
      TreeSet<String> known = new TreeSet<>();
      e.getKnownPropertyIds().forEach(id -> known.add(String.valueOf(id)));
      String section = section(e);
      String key = section.isEmpty() ? e.getPropertyName() : section + "." + e.getPropertyName();
      throw new IOException(
          absolute
              + ": unknown key '"
              + e.getPropertyName()
              + "'"
              + (section.isEmpty() ? " at the top level" : " in section '" + section + "'")
              + line(yaml, key)
              + "; known keys: "
              + known,
          e);
    } catch (JsonMappingException e) {
      InvalidSettingException invalid = invalidSetting(e);
      if (invalid != null) {
        throw invalid(absolute, yaml, invalid);
      }
      String section = section(e);
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      String message =
          cause instanceof JsonMappingException m ? m.getOriginalMessage() : cause.getMessage();
      throw new IOException(
          absolute
              + (section.isEmpty() ? "" : ": section '" + section + "'" + line(yaml, section))
              + ": "
              + message,
          e);
    }
    try {
      PipelineDefinition definition = resolve(raw, base);
      StageSettings.check(definition);
      return definition;
    } catch (InvalidSettingException e) {
      throw invalid(absolute, yaml, e);
    } catch (IllegalArgumentException e) {
      throw new IOException(absolute + ": " + e.getMessage(), e);
    }
  }

  private static InvalidSettingException invalidSetting(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof InvalidSettingException invalid) {
        return invalid;
      }
    }
    return null;
  }

  /** "FILE: invalid 'key' in section 'section' (line N): problem". */
  private static IOException invalid(Path file, YamlConfig yaml, InvalidSettingException e) {
    int dot = e.key().indexOf('.');
    String where =
        dot < 0
            ? "'" + e.key() + "' at the top level"
            : "'" + e.key().substring(dot + 1) + "' in section '" + e.key().substring(0, dot) + "'";
    return new IOException(
        file + ": invalid " + where + line(yaml, e.key()) + ": " + e.problem(), e);
  }

  /** " (line N)" of a key, or "" when the file does not have it (a default was refused). */
  private static String line(YamlConfig yaml, String key) {
    int line = yaml.lineOf(key);
    return line > 0 ? " (line " + line + ")" : "";
  }

  /** Relative paths of the definition made absolute against {@code base}. */
  public static PipelineDefinition resolve(PipelineDefinition d, Path base) {
    PipelineDefinition.Input in = d.input();
    PipelineDefinition.Input input;
    if (in.pattern() != null) {
      input = in.withPattern(pattern(base, in.pattern()));
    } else {
      Map<String, String> patterns = new LinkedHashMap<>();
      in.patterns().forEach((split, pattern) -> patterns.put(split, pattern(base, pattern)));
      input = in.withPatterns(patterns);
    }
    PipelineDefinition.Transform t = d.transform();
    PipelineDefinition.Model m = d.model();
    return d.withRoot(path(base, d.root()))
        .withInput(input)
        .withSchema(d.schema().withFile(path(base, d.schema().file())))
        .withTransform(t == null ? null : t.withFile(path(base, t.file())))
        .withModel(
            m == null
                ? null
                : m.withConfig(fileOrInline(base, m.config()))
                    .withTuner(fileOrInline(base, m.tuner())))
        .withEvaluation(d.evaluation().withConfig(fileOrInline(base, d.evaluation().config())))
        .withRegistry(new PipelineDefinition.Registry(path(base, d.registry().path())));
  }

  /** A path of another file system ({@code s3://...}) stays as it is. */
  private static Path path(Path base, Path path) {
    if (path == null || path.getFileSystem() != base.getFileSystem()) {
      return path == null ? null : path.normalize();
    }
    return base.resolve(path).normalize();
  }

  private static JsonNode fileOrInline(Path base, JsonNode node) {
    return node != null && node.isTextual()
        ? TextNode.valueOf(StoragePaths.resolve(base, node.asText()).normalize().toString())
        : node;
  }

  private static String pattern(Path base, String pattern) {
    boolean hasScheme = pattern.matches("^[A-Za-z][A-Za-z0-9+.-]+://.*");
    return hasScheme ? pattern : base.resolve(pattern).normalize().toString();
  }

  private static String section(JsonMappingException e) {
    List<String> names = new ArrayList<>();
    List<JsonMappingException.Reference> path = e.getPath();
    for (int i = 0; i < path.size(); i++) {
      JsonMappingException.Reference ref = path.get(i);
      boolean last = i == path.size() - 1;
      if (last && e instanceof UnrecognizedPropertyException) {
        break;
      }
      names.add(ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]");
    }
    return String.join(".", names);
  }
}
