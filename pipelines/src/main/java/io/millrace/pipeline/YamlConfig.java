package io.millrace.pipeline;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.StringReader;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionEndEvent;
import org.yaml.snakeyaml.events.DocumentStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.MappingStartEvent;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.events.SequenceStartEvent;

/**
 * A configuration file's YAML as a tree, held to what a file that decides what is trained and
 * pushed must be: one document, no anchors or aliases, no key twice in a mapping. Jackson's YAML
 * parser reads an alias as its bare name ({@code name: *lab} would name the model "lab"), keeps the
 * last of two equal keys and ignores every document after the first; so the file's events are first
 * read with SnakeYAML (the parser under Jackson's), where each of these is an error naming its
 * line, and the line of every key is kept for later errors. The tree is then Jackson's own, so
 * values are typed exactly as before.
 */
final class YamlConfig {
  private static final String NO_ANCHORS =
      ": anchors and aliases are not supported in a pipeline file; write the value out where it is"
          + " used";

  private final JsonNode tree;
  private final Map<JsonPointer, Integer> lines;

  private YamlConfig(JsonNode tree, Map<JsonPointer, Integer> lines) {
    this.tree = tree;
    this.lines = lines;
  }

  /** A YAML problem, with the line it is on. */
  static final class Invalid extends Exception {
    private static final long serialVersionUID = 1L;

    Invalid(String message) {
      super(message);
    }
  }

  /**
   * Where the parser is: a mapping (and its key awaiting a value) or a sequence (and its index).
   */
  private static final class Level {
    final JsonPointer at;
    final boolean mapping;
    String key;
    int index;

    Level(JsonPointer at, boolean mapping) {
      this.at = at;
      this.mapping = mapping;
    }
  }

  /**
   * Parses one document.
   *
   * @throws Invalid for an anchor, an alias, a duplicate key, a second document or bad syntax
   */
  static YamlConfig parse(YAMLMapper mapper, String text) throws Invalid {
    Map<JsonPointer, Integer> lines = new HashMap<>();
    Deque<Level> levels = new ArrayDeque<>();
    int documents = 0;
    try {
      for (Event event : new Yaml(new LoaderOptions()).parse(new StringReader(text))) {
        int line = event.getStartMark().getLine() + 1;
        if (event instanceof DocumentStartEvent && ++documents > 1) {
          throw new Invalid(
              "a second YAML document starts at line "
                  + line
                  + "; a pipeline file holds one document");
        }
        if (event instanceof AliasEvent alias) {
          throw new Invalid("line " + line + ": alias *" + alias.getAnchor() + NO_ANCHORS);
        }
        if (event instanceof NodeEvent node && node.getAnchor() != null) {
          throw new Invalid("line " + line + ": anchor &" + node.getAnchor() + NO_ANCHORS);
        }
        if (event instanceof CollectionEndEvent) {
          levels.pop();
          continue;
        }
        if (!(event instanceof NodeEvent)) {
          continue;
        }
        // A node: a key of the mapping it is in, or a value (of a key, or a sequence's element).
        Level level = levels.peek();
        JsonPointer at = JsonPointer.empty();
        if (level != null && level.mapping && level.key == null) {
          if (!(event instanceof ScalarEvent key)) {
            throw new Invalid("line " + line + ": a key must be plain text");
          }
          JsonPointer pointer = level.at.appendProperty(key.getValue());
          Integer first = lines.putIfAbsent(pointer, line);
          if (first != null) {
            throw new Invalid(
                "duplicate key '"
                    + key.getValue()
                    + "' "
                    + where(level.at)
                    + " (line "
                    + line
                    + "; first at line "
                    + first
                    + ")");
          }
          level.key = key.getValue();
          continue;
        }
        if (level != null && level.mapping) {
          at = level.at.appendProperty(level.key);
          level.key = null;
        } else if (level != null) {
          at = level.at.appendIndex(level.index++);
        }
        if (event instanceof MappingStartEvent) {
          levels.push(new Level(at, true));
        } else if (event instanceof SequenceStartEvent) {
          levels.push(new Level(at, false));
        }
      }
    } catch (MarkedYAMLException e) {
      throw new Invalid(
          "not valid YAML at line "
              + (e.getProblemMark() == null ? "?" : e.getProblemMark().getLine() + 1)
              + ": "
              + e.getProblem());
    } catch (YAMLException e) {
      throw new Invalid("not valid YAML: " + e.getMessage());
    }
    try {
      return new YamlConfig(mapper.readTree(text), lines);
    } catch (JsonProcessingException e) {
      throw new Invalid("not valid YAML: " + e.getOriginalMessage());
    }
  }

  private static String where(JsonPointer mapping) {
    return mapping.matches()
        ? "at the top level"
        : "in section '" + mapping.toString().substring(1).replace('/', '.') + "'";
  }

  /** The document; null when the file is empty. */
  JsonNode tree() {
    return tree;
  }

  /**
   * The line of a key given as its path, e.g. {@code input.splits.train}, or of its nearest
   * enclosing key that is in the file; 0 when none is.
   */
  int lineOf(String dottedPath) {
    JsonPointer pointer = JsonPointer.empty();
    for (String key : dottedPath.split("\\.")) {
      pointer = pointer.appendProperty(key);
    }
    for (JsonPointer p = pointer; p != null && !p.matches(); p = p.head()) {
      Integer line = lines.get(p);
      if (line != null) {
        return line;
      }
    }
    return 0;
  }
}
