package io.millrace.serving;

import io.millrace.artifact.PathNames;
import io.millrace.model.LoadedModel;
import io.millrace.model.ModelRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The models a server hosts: for each model name, the registry versions its {@link VersionPolicy}
 * selects, each loaded once at start. A version that fails to load is reported ({@code END} with
 * the error) and the others still serve.
 */
final class ServedModels implements AutoCloseable {
  private final Map<String, NavigableMap<Integer, ServedVersion>> models;

  private ServedModels(Map<String, NavigableMap<Integer, ServedVersion>> models) {
    this.models = models;
  }

  /**
   * The versions to serve, all {@code LOADING}; {@link #loadAll} loads them.
   *
   * @param names the models to serve; empty: every model in the registry
   * @throws IllegalArgumentException when a named model has no version in the registry, or the
   *     registry holds no model
   */
  static ServedModels plan(ModelRegistry registry, List<String> names, VersionPolicy policy)
      throws IOException {
    List<String> chosen = names.isEmpty() ? modelsIn(registry.root()) : names;
    if (chosen.isEmpty()) {
      throw new IllegalArgumentException("the registry " + registry.root() + " holds no model");
    }
    Map<String, NavigableMap<Integer, ServedVersion>> models = new LinkedHashMap<>();
    for (String name : chosen) {
      PathNames.requireSegment("model name", name);
      List<Integer> committed = registry.versions(name);
      if (committed.isEmpty()) {
        throw new IllegalArgumentException(
            "the registry " + registry.root() + " holds no version of model '" + name + "'");
      }
      NavigableMap<Integer, ServedVersion> versions = new TreeMap<>();
      for (int v : policy.select(committed)) {
        versions.put(v, new ServedVersion(name, v));
      }
      models.put(name, versions);
    }
    return new ServedModels(models);
  }

  private static List<String> modelsIn(Path root) throws IOException {
    List<String> names = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      throw new IllegalArgumentException("the registry " + root + " is not a folder");
    }
    try (Stream<Path> entries = Files.list(root)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        String name = p.getFileName().toString();
        if (Files.isDirectory(p) && !name.startsWith(".")) {
          names.add(name);
        }
      }
    }
    names.sort(null);
    return names;
  }

  /** Loads every planned version; a failure marks that version {@code END} with its cause. */
  void loadAll(ModelRegistry registry) {
    for (NavigableMap<Integer, ServedVersion> versions : models.values()) {
      for (ServedVersion v : versions.values()) {
        try {
          v.loaded(LoadedModel.load(registry.version(v.name(), v.version())));
        } catch (IOException | RuntimeException e) {
          v.failed(e.getMessage() == null ? e.toString() : e.getMessage());
        }
      }
    }
  }

  Collection<String> names() {
    return models.keySet();
  }

  /** Every version of a model, or a 404 naming the model and those served. */
  NavigableMap<Integer, ServedVersion> versions(String name) {
    NavigableMap<Integer, ServedVersion> versions = models.get(name);
    if (versions == null) {
      throw ApiException.notFound(
          "model '" + name + "' is not served (served: " + String.join(", ", names()) + ")");
    }
    return versions;
  }

  /** One version, or a 404 naming the model, the version and the versions served. */
  ServedVersion version(String name, int version) {
    NavigableMap<Integer, ServedVersion> versions = versions(name);
    ServedVersion v = versions.get(version);
    if (v == null) {
      throw ApiException.notFound(
          "version "
              + version
              + " of model '"
              + name
              + "' is not served (served: "
              + versions.keySet()
              + ")");
    }
    return v;
  }

  /** The version a request without a version goes to: the newest available one. */
  ServedVersion newestAvailable(String name) {
    NavigableMap<Integer, ServedVersion> versions = versions(name);
    for (ServedVersion v : versions.descendingMap().values()) {
      if (v.state() == ServedVersion.State.AVAILABLE) {
        return v;
      }
    }
    throw ApiException.notFound("model '" + name + "' has no available version: " + describe(name));
  }

  /** A label's version: labels are not kept in the registry yet, so every label is unknown. */
  ServedVersion labelled(String name, String label) {
    versions(name);
    throw ApiException.notFound("model '" + name + "' has no label '" + label + "'");
  }

  /** Whether every model has a version that serves. */
  boolean ready() {
    for (NavigableMap<Integer, ServedVersion> versions : models.values()) {
      if (versions.values().stream().noneMatch(v -> v.state() == ServedVersion.State.AVAILABLE)) {
        return false;
      }
    }
    return true;
  }

  String describe(String name) {
    List<String> parts = new ArrayList<>();
    for (ServedVersion v : versions(name).values()) {
      parts.add(
          "version "
              + v.version()
              + " "
              + v.state()
              + (v.error().isEmpty() ? "" : " (" + v.error() + ")"));
    }
    return String.join(", ", parts);
  }

  @Override
  public void close() {
    models.values().forEach(versions -> versions.values().forEach(ServedVersion::unload));
  }
}
