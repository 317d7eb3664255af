package io.millrace.serving;

import io.millrace.artifact.PathNames;
import io.millrace.model.LoadedModel;
import io.millrace.model.ModelRegistry;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;

/**
 * The models a server hosts, kept in step with the registry: for each model name, the versions its
 * {@link VersionPolicy} selects plus those its labels name. {@link #poll} reads the registry; a new
 * version is loaded and warmed before it takes traffic, and a version no longer wanted is unloaded
 * only once a wanted one is available (so a version that fails to load leaves the previous one
 * serving, its status saying why) and after its requests in flight have finished. Versions that did
 * not change are left alone.
 */
final class ServedModels implements AutoCloseable {
  /** Rows built from a transform's input schema to warm a version with (missing, then zeros). */
  static final int WARM_UP_ROWS = 8;

  /** A model's versions and labels; each map is replaced whole, so readers never lock. */
  private static final class Model {
    final NavigableMap<Integer, ServedVersion> versions = new ConcurrentSkipListMap<>();
    volatile Map<String, ServedVersion> labels = Map.of();
    volatile Map<String, Integer> registryLabels = Map.of();
    volatile Map<String, String> labelNotes = Map.of();
  }

  private final ModelRegistry registry;
  private final List<String> named;
  private final VersionPolicy policy;
  private final ServedVersion.Batching batching;
  private final ServingMetrics metrics;
  private final Map<String, Model> models = new ConcurrentHashMap<>();
  private final List<String> order = Collections.synchronizedList(new ArrayList<>());
  private boolean closed;

  private ServedModels(
      ModelRegistry registry,
      List<String> named,
      VersionPolicy policy,
      ServedVersion.Batching batching,
      ServingMetrics metrics) {
    this.registry = registry;
    this.named = named;
    this.policy = policy;
    this.batching = batching;
    this.metrics = metrics;
  }

  /**
   * The models to serve, their versions all {@code LOADING}; {@link #poll} loads them.
   *
   * @param names the models to serve; empty: every model in the registry
   * @throws IllegalArgumentException when a named model has no version in the registry, or the
   *     registry holds no model
   */
  static ServedModels plan(
      ModelRegistry registry,
      List<String> names,
      VersionPolicy policy,
      ServedVersion.Batching batching,
      ServingMetrics metrics)
      throws IOException {
    ServedModels served = new ServedModels(registry, List.copyOf(names), policy, batching, metrics);
    List<String> chosen = names.isEmpty() ? modelsIn(registry.root()) : names;
    if (chosen.isEmpty()) {
      throw new IllegalArgumentException("the registry " + registry.root() + " holds no model");
    }
    for (String name : chosen) {
      PathNames.requireSegment("model name", name);
      List<Integer> committed = registry.versions(name);
      if (committed.isEmpty()) {
        throw new IllegalArgumentException(
            "the registry " + registry.root() + " holds no version of model '" + name + "'");
      }
      Model model = served.model(name);
      for (int v : policy.select(committed)) {
        model.versions.put(v, new ServedVersion(name, v));
      }
    }
    return served;
  }

  private Model model(String name) {
    return models.computeIfAbsent(
        name,
        n -> {
          order.add(n);
          return new Model();
        });
  }

  private static List<String> modelsIn(Path root) throws IOException {
    List<String> names = new ArrayList<>();
    boolean folder;
    try {
      // Not Files.isDirectory: a store that cannot be read (no credentials, no such bucket) is an
      // error of its own, not "no folder".
      folder = Files.readAttributes(root, BasicFileAttributes.class).isDirectory();
    } catch (NoSuchFileException e) {
      folder = false;
    }
    if (!folder) {
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

  /**
   * Brings the served versions and labels in step with the registry: loads and warms the versions
   * newly wanted, moves each label to its version once that version is available, then unloads the
   * versions no longer wanted (after their requests in flight). One poll runs at a time; a registry
   * that cannot be read leaves everything as it was (the error is in the model's labels note).
   */
  synchronized void poll() {
    if (closed) {
      return;
    }
    List<String> names = new ArrayList<>(named);
    if (names.isEmpty()) {
      try {
        names.addAll(modelsIn(registry.root()));
      } catch (IOException | RuntimeException e) {
        names.addAll(order);
      }
    }
    for (String name : names) {
      try {
        if (!models.containsKey(name) && registry.versions(name).isEmpty()) {
          // A model whose first push is still under way: not served (nor waited for) until then.
          continue;
        }
        sync(name, model(name));
      } catch (IOException | RuntimeException e) {
        Model model = model(name);
        model.labelNotes =
            Map.of("", "reading the registry failed, nothing changed: " + message(e));
      }
    }
  }

  private void sync(String name, Model model) throws IOException {
    List<Integer> committed = registry.versions(name);
    Map<String, Integer> labels = registry.labels(name);
    TreeSet<Integer> wanted = new TreeSet<>(policy.select(committed));
    for (int v : labels.values()) {
      if (committed.contains(v)) {
        wanted.add(v);
      }
    }
    for (int v : wanted) {
      ServedVersion current = model.versions.get(v);
      // A version unloaded earlier (END without an error) is loaded again when wanted again; one
      // whose load failed is not retried.
      if (current == null
          || current.state() == ServedVersion.State.LOADING
          || (current.state() == ServedVersion.State.END && current.error().isEmpty())) {
        ServedVersion fresh =
            current != null && current.state() == ServedVersion.State.LOADING
                ? current
                : new ServedVersion(name, v);
        model.versions.put(v, fresh);
        load(fresh);
      }
    }
    model.registryLabels = labels;
    moveLabels(model, labels);
    boolean wantedAvailable =
        wanted.stream()
            .map(model.versions::get)
            .anyMatch(s -> s != null && s.state() == ServedVersion.State.AVAILABLE);
    if (!wantedAvailable) {
      return;
    }
    for (ServedVersion v : model.versions.values()) {
      if (!wanted.contains(v.version())
          && v.state() == ServedVersion.State.AVAILABLE
          && !model.labels.containsValue(v)) {
        v.unload();
      }
    }
  }

  /** Each label to the version it names if that one is available, else it stays where it was. */
  private static void moveLabels(Model model, Map<String, Integer> labels) {
    Map<String, ServedVersion> routes = new TreeMap<>();
    Map<String, String> notes = new TreeMap<>();
    for (Map.Entry<String, Integer> label : labels.entrySet()) {
      ServedVersion named = model.versions.get(label.getValue());
      if (named != null && named.state() == ServedVersion.State.AVAILABLE) {
        routes.put(label.getKey(), named);
        continue;
      }
      ServedVersion previous = model.labels.get(label.getKey());
      String why =
          "names version "
              + label.getValue()
              + ", which is "
              + (named == null
                  ? "not a committed version"
                  : named.state() + (named.error().isEmpty() ? "" : ": " + named.error()));
      if (previous != null && previous.state() == ServedVersion.State.AVAILABLE) {
        routes.put(label.getKey(), previous);
        notes.put(label.getKey(), why + "; it still routes to version " + previous.version());
      } else {
        notes.put(label.getKey(), why);
      }
    }
    model.labels = Map.copyOf(routes);
    model.labelNotes = Map.copyOf(notes);
  }

  private void load(ServedVersion v) {
    long started = System.nanoTime();
    Path dir;
    try {
      dir = registry.version(v.name(), v.version());
    } catch (IOException | RuntimeException e) {
      v.failed(message(e));
      return;
    }
    LoadedModel loaded;
    try {
      loaded = LoadedModel.load(dir);
    } catch (IOException | RuntimeException e) {
      v.failed(message(e));
      return;
    }
    String warmedWith;
    try {
      warmedWith = warmUp(loaded, batching.maxBatchSize());
    } catch (RuntimeException e) {
      loaded.close();
      v.failed("warming up failed: " + message(e));
      return;
    }
    metrics.modelLoaded(v.name(), v.version(), dir.toString(), System.nanoTime() - started);
    v.loaded(loaded, warmedWith, batching, rows -> metrics.batch(v.name(), v.version(), rows));
  }

  /**
   * Runs a few predictions before the version takes traffic, so that its first requests do not pay
   * for TensorFlow's first calls: rows built from the transform's input schema (one with every
   * value missing, filled as the transform fills them, and rows of small numbers and empty
   * strings), in calls of 1, 2, 4, ... rows up to the batch size requests will be grouped into,
   * both signatures. The artifact ships no sample records or recorded requests to use instead.
   *
   * @return what it was warmed with
   */
  static String warmUp(LoadedModel model, int maxBatchSize) {
    ExampleSchema inputs = model.transformer().fitted().inputSchema();
    List<Example> rows = new ArrayList<>();
    for (int r = 0; r < WARM_UP_ROWS; r++) {
      Example.Builder b = inputs.newExample();
      for (int f = 0; f < inputs.size(); f++) {
        if (r == 0) {
          b.setMissing(f);
          continue;
        }
        switch (inputs.type(f)) {
          case INT -> b.setInt64s(f, r);
          case FLOAT -> b.setFloats(f, r);
          case BYTES -> b.setString(f, "");
        }
      }
      rows.add(b.build());
    }
    List<Example> transformed = rows.stream().map(model.transformer()::apply).toList();
    int calls = 0;
    for (int size = 1; ; size = Math.min(size * 2, maxBatchSize)) {
      model.predict(cycle(rows, size));
      model.predictTransformed(cycle(transformed, size));
      calls += 2;
      if (size >= maxBatchSize) {
        break;
      }
    }
    return rows.size()
        + " rows built from the transform's input schema, in "
        + calls
        + " calls of up to "
        + maxBatchSize
        + " rows";
  }

  private static List<Example> cycle(List<Example> rows, int size) {
    List<Example> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      out.add(rows.get(i % rows.size()));
    }
    return out;
  }

  private static String message(Exception e) {
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  /** The metrics every API counts its requests in. */
  ServingMetrics metrics() {
    return metrics;
  }

  Collection<String> names() {
    synchronized (order) {
      return List.copyOf(order);
    }
  }

  private Model requireModel(String name) {
    Model model = models.get(name);
    if (model == null) {
      throw ApiException.notFound(
          "model '" + name + "' is not served (served: " + String.join(", ", names()) + ")");
    }
    return model;
  }

  /** Every version of a model, or a 404 naming the model and those served. */
  NavigableMap<Integer, ServedVersion> versions(String name) {
    return Collections.unmodifiableNavigableMap(requireModel(name).versions);
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

  /**
   * The version a label routes to, or a 404 naming the label: unknown, or not yet on a version that
   * is loaded and warm (then the message says why).
   */
  ServedVersion labelled(String name, String label) {
    Model model = requireModel(name);
    ServedVersion v = model.labels.get(label);
    if (v != null && v.state() == ServedVersion.State.AVAILABLE) {
      return v;
    }
    String note = model.labelNotes.get(label);
    if (note != null) {
      throw ApiException.notFound("label '" + label + "' of model '" + name + "' " + note);
    }
    throw ApiException.notFound(
        "model '"
            + name
            + "' has no label '"
            + label
            + "' (labels: "
            + String.join(", ", model.registryLabels.keySet())
            + ")");
  }

  /** Why a label does not route to the version the registry names, or empty when it does. */
  String labelNote(String name, String label) {
    return requireModel(name).labelNotes.getOrDefault(label, "");
  }

  /**
   * A lease on the version a request goes to: the version named, else the label's, else the newest
   * available. Without a version number, a request that meets a version just taken out of service
   * looks again, so a swap never fails it: the new version is available before the old one stops
   * taking requests.
   */
  ServedVersion.Lease acquire(String name, Integer version, String label) {
    while (true) {
      ServedVersion target =
          label != null
              ? labelled(name, label)
              : version != null ? version(name, version) : newestAvailable(name);
      ServedVersion.Lease lease = target.tryAcquire();
      if (lease != null) {
        return lease;
      }
      if (version != null) {
        throw target.notAvailable();
      }
    }
  }

  /** Whether every model has a version that serves. */
  boolean ready() {
    for (String name : names()) {
      if (requireModel(name).versions.values().stream()
          .noneMatch(v -> v.state() == ServedVersion.State.AVAILABLE)) {
        return false;
      }
    }
    return true;
  }

  String describe(String name) {
    Model model = requireModel(name);
    List<String> parts = new ArrayList<>();
    for (ServedVersion v : model.versions.values()) {
      parts.add(
          "version "
              + v.version()
              + " "
              + v.state()
              + (v.error().isEmpty() ? "" : " (" + v.error() + ")"));
    }
    for (Map.Entry<String, ServedVersion> label : model.labels.entrySet()) {
      String note = model.labelNotes.get(label.getKey());
      parts.add(
          "label "
              + label.getKey()
              + " -> "
              + label.getValue().version()
              + (note == null ? "" : " (" + note + ")"));
    }
    for (Map.Entry<String, String> note : model.labelNotes.entrySet()) {
      if (!model.labels.containsKey(note.getKey())) {
        parts.add(
            (note.getKey().isEmpty() ? "" : "label " + note.getKey() + " ") + note.getValue());
      }
    }
    return String.join(", ", parts);
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
    }
    models.values().forEach(m -> m.versions.values().forEach(ServedVersion::unload));
  }
}
