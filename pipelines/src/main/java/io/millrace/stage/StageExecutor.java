package io.millrace.stage;

import com.google.common.hash.Hashing;
import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.ContentDigest;
import io.millrace.artifact.NoSpaceLeft;
import io.millrace.artifact.StoragePaths;
import io.millrace.examples.ExamplesManifest;
import io.millrace.metadata.Artifact;
import io.millrace.metadata.CacheKey;
import io.millrace.metadata.CachedExecution;
import io.millrace.metadata.Context;
import io.millrace.metadata.Execution;
import io.millrace.metadata.MetadataStore;
import io.millrace.metadata.Run;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Runs any {@link Stage} the same way, standalone (the command line) or in a pipeline ({@code
 * millrace run}).
 *
 * <p>Standalone, it refuses an output that {@link OutputGuard} refuses (one of the stage's inputs,
 * a registry, a pipeline root) and runs the stage into the user's output, where each artifact is
 * staged beside its place and committed atomically, replacing only an artifact of its own kind and
 * only with {@code --overwrite}. Nothing is recorded.
 *
 * <p>In a pipeline, the stage's directory is {@code artifacts/<stage>/<first 16 hex digits of its
 * cache key>}. The {@link CacheKey} is the stage's name, the canonical JSON of its settings, the
 * code version, the fingerprints of its inputs (as the store recorded them, or of their content
 * when it did not) and the stage's own fingerprints. When the latest complete execution with that
 * key still has every output as it was written (the {@value #CONTENT_FINGERPRINT} of its files, and
 * an examples artifact every shard its manifest lists), its typed result is read back and nothing
 * runs. Otherwise what crashed attempts left in the directory is deleted, the stage runs, each
 * output is recorded with the fingerprint of its content, and the execution is completed: one
 * transaction that makes its outputs live. A stage that fails, or a process that dies, leaves an
 * execution that is never reused.
 *
 * <p>A stage is not staged as a whole a second time: its artifacts are already staged one by one,
 * and a rejected input's dead letters keep the name beside the output that the error gives.
 */
public final class StageExecutor {
  /**
   * The output artifact property holding {@link ContentDigest#of} of its files when it was written;
   * a cached execution is reused only while each output still has it.
   */
  public static final String CONTENT_FINGERPRINT = "content_sha256";

  /** The execution property holding the stage's typed result as JSON. */
  public static final String RESULT = Execution.RESULT;

  private final Function<String, PipelineOptions> options;
  private final PrintWriter log;
  private final Recording recording;
  private final Map<Path, Artifact> known = new HashMap<>();

  /**
   * Where and how a pipeline's executions are recorded.
   *
   * @param artifacts the folder of the stage directories, {@code <root>/artifacts}
   * @param stages the stages in their order, to number the progress lines
   * @param progress where a line per stage goes: running, cached, cache miss and why, done, failed
   */
  public record Recording(
      MetadataStore store,
      Context pipeline,
      Run run,
      String codeVersion,
      Path artifacts,
      List<String> stages,
      PrintWriter progress) {}

  /**
   * What running a stage in a pipeline gave.
   *
   * @param outputs the output artifacts as the store recorded them
   * @param properties the execution's properties as recorded (the typed result left out)
   */
  public record Executed<R extends StageResult>(
      String stage,
      R result,
      boolean cached,
      Duration elapsed,
      String cacheKey,
      Map<String, Artifact> outputs,
      Map<String, String> properties) {}

  private StageExecutor(
      Function<String, PipelineOptions> options, PrintWriter log, Recording recording) {
    this.options = options;
    this.log = log;
    this.recording = recording;
  }

  /** Runs stages that run no Beam job (schema, validation of statistics, push) standalone. */
  public static StageExecutor standalone(PrintWriter log) {
    return standalone(
        job -> {
          throw new IllegalStateException("no Beam job was expected: " + job);
        },
        log);
  }

  /** Runs stages into the outputs a user names, recording nothing. */
  public static StageExecutor standalone(
      Function<String, PipelineOptions> options, PrintWriter log) {
    return new StageExecutor(options, log, null);
  }

  /** Runs the stages of one pipeline run, caching and recording each. */
  public static StageExecutor recording(
      Recording recording, Function<String, PipelineOptions> options, PrintWriter log) {
    return new StageExecutor(options, log, recording);
  }

  // ------------------------------------------------------------------ standalone

  /**
   * Runs a stage into {@code output}, after refusing an output the guard refuses.
   *
   * @param output where the stage writes; null to write nothing (for a stage that can)
   * @param overwrite whether an artifact of the kind the stage writes may be replaced
   * @param settingsFiles the files the stage's settings were read from, which it must not write
   *     over either
   */
  public <R extends StageResult> R run(
      Stage<R> stage, Path output, boolean overwrite, Path... settingsFiles) throws IOException {
    if (output != null) {
      guard(stage, output, settingsFiles);
    }
    return onceMoreIfStalled(
        stage, () -> stage.run(new StageContext(output, overwrite, options, log)));
  }

  /** {@link StalledJobs#onceMoreIfStalled}, telling the run's progress or the log. */
  private <R> R onceMoreIfStalled(Stage<?> stage, StalledJobs.Attempt<R> attempt)
      throws IOException {
    return StalledJobs.onceMoreIfStalled(
        notice -> {
          if (recording != null) {
            progress("%-11s %s", stage.name(), notice);
          } else {
            log.println(stage.name() + ": " + notice);
            log.flush();
          }
        },
        attempt);
  }

  /**
   * Refuses (with {@link IllegalArgumentException}) an output of the stage that is, holds or lies
   * inside one of its inputs or the files its settings came from, or lies in a registry or a
   * pipeline root.
   */
  public static void guard(Stage<?> stage, Path output, Path... settingsFiles) throws IOException {
    List<Path> reads = new ArrayList<>();
    stage.inputs().values().forEach(input -> reads.add(input.path()));
    reads.addAll(stage.reads());
    reads.addAll(Arrays.asList(settingsFiles));
    for (Path target : stage.targets(output)) {
      OutputGuard.check(target, reads);
    }
  }

  // ------------------------------------------------------------------ in a pipeline

  /**
   * Makes an artifact an earlier run recorded known as a stage input, so it is recorded as one and
   * keyed by its recorded fingerprint.
   */
  public void recognise(Artifact artifact) {
    known.put(absolute(StoragePaths.of(artifact.uri())), artifact);
  }

  /**
   * Runs a stage of the pipeline, or reuses its latest execution.
   *
   * @param useCache whether a cached execution may be reused
   */
  public <R extends StageResult> Executed<R> run(Stage<R> stage, boolean useCache)
      throws IOException {
    if (recording == null) {
      throw new IllegalStateException("a standalone executor runs a stage into an output");
    }
    long started = System.nanoTime();
    String name = stage.name();
    String settings = StageJson.settings(stage.settings());
    Map<String, Artifact> inputs = new LinkedHashMap<>();
    List<String> fingerprints = new ArrayList<>(stage.fingerprints());
    for (Map.Entry<String, StageArtifact> input : stage.inputs().entrySet()) {
      Optional<Artifact> recorded = recorded(input.getValue());
      if (recorded.isPresent()) {
        inputs.put(input.getKey(), recorded.get());
        fingerprints.add(recorded.get().fingerprint());
      } else {
        fingerprints.add("content:" + ContentDigest.of(input.getValue().path()));
      }
    }
    String key = CacheKey.of(name, settings, recording.codeVersion(), fingerprints);
    Path dir = recording.artifacts().resolve(name).resolve(key.substring(0, 16));
    if (useCache) {
      Optional<Executed<R>> reused = reuse(stage, key, dir, inputs, started);
      if (reused.isPresent()) {
        return reused.get();
      }
    }
    progress("%-11s running  -> %s", name, dir);
    Execution execution =
        recording
            .store()
            .startExecution(recording.run(), name, key, settings, recording.codeVersion(), inputs);
    R result;
    try {
      result =
          onceMoreIfStalled(
              stage,
              () -> {
                removeLeftovers(dir);
                return stage.run(new StageContext(dir, true, options, log));
              });
    } catch (IOException | RuntimeException e) {
      Exception failure = NoSpaceLeft.explains(e, dir) ? NoSpaceLeft.at(dir, e) : e;
      try {
        recording.store().failExecution(execution, String.valueOf(failure));
      } catch (RuntimeException recordingFailure) {
        failure.addSuppressed(recordingFailure);
      }
      progress("%-11s FAILED: %s", name, failure.getMessage());
      if (failure instanceof IOException io) {
        throw io;
      }
      throw (RuntimeException) failure;
    }
    Map<String, Artifact> outputs = new LinkedHashMap<>();
    for (Map.Entry<String, StageArtifact> output : result.outputs().entrySet()) {
      Path path = output.getValue().path();
      Map<String, String> properties =
          new LinkedHashMap<>(result.outputProperties(output.getKey()));
      properties.put(CONTENT_FINGERPRINT, ContentDigest.of(path));
      Artifact artifact =
          recording
              .store()
              .recordOutput(
                  execution,
                  output.getKey(),
                  output.getValue().type(),
                  path.toString(),
                  sha256(key + "/" + output.getKey()),
                  properties);
      outputs.put(output.getKey(), artifact);
    }
    Map<String, String> properties = new LinkedHashMap<>(result.properties());
    properties.put(RESULT, StageJson.result(result, dir));
    recording.store().completeExecution(execution, properties);
    outputs.values().forEach(this::recognise);
    Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
    progress("%-11s done     %s, %.1f s", name, result.summary(), elapsed.toMillis() / 1000.0);
    return new Executed<>(name, result, false, elapsed, key, outputs, result.properties());
  }

  /** The latest complete execution with this key, when its outputs are still as written. */
  private <R extends StageResult> Optional<Executed<R>> reuse(
      Stage<R> stage, String key, Path dir, Map<String, Artifact> inputs, long started) {
    String name = stage.name();
    Optional<CachedExecution> hit = recording.store().cached(recording.pipeline(), name, key);
    if (hit.isEmpty()) {
      return Optional.empty();
    }
    Optional<String> changed = changedSinceWritten(hit.get().outputs());
    R result = null;
    if (changed.isEmpty()) {
      String json = hit.get().execution().properties().get(RESULT);
      try {
        if (json == null) {
          changed = Optional.of("execution #" + hit.get().execution().id() + " has no result");
        } else {
          result = StageJson.result(json, stage.resultType(), dir);
        }
      } catch (IOException | RuntimeException e) {
        changed = Optional.of("its result cannot be read back: " + e.getMessage());
      }
    }
    if (changed.isPresent()) {
      progress("%-11s cache miss: %s", name, changed.get());
      return Optional.empty();
    }
    recording.store().recordCachedExecution(recording.run(), name, key, inputs, hit.get());
    hit.get().outputs().values().forEach(this::recognise);
    progress("%-11s cached   (execution #%d)", name, hit.get().execution().id());
    Map<String, String> properties = new LinkedHashMap<>(hit.get().execution().properties());
    properties.remove(RESULT);
    return Optional.of(
        new Executed<>(
            name,
            result,
            true,
            Duration.ofNanos(System.nanoTime() - started),
            key,
            hit.get().outputs(),
            properties));
  }

  /** The artifact the store recorded at an input's path: this run's, else its newest live one. */
  private Optional<Artifact> recorded(StageArtifact input) {
    Path path = absolute(input.path());
    Artifact artifact = known.get(path);
    if (artifact != null) {
      return Optional.of(artifact);
    }
    return recording.store().findArtifactsByUri(path.toString()).stream()
        .filter(a -> a.state() == Artifact.State.LIVE && !a.fingerprint().isEmpty())
        .max(Comparator.comparingLong(Artifact::id));
  }

  /**
   * Why a cached execution's outputs cannot be reused, or empty when each still has the content
   * fingerprint recorded when it was written (and an examples artifact still holds every shard its
   * manifest lists, with its count and hash).
   */
  private static Optional<String> changedSinceWritten(Map<String, Artifact> outputs) {
    for (Artifact output : outputs.values()) {
      Path path = StoragePaths.of(output.uri());
      String recorded = output.property(CONTENT_FINGERPRINT);
      if (recorded == null) {
        return Optional.of(path + " was recorded without a content fingerprint");
      }
      try {
        ArtifactDirectory.requireCommitted(path);
        List<ContentDigest.FileDigest> files = ContentDigest.files(path);
        if (Artifact.EXAMPLES.equals(output.type())) {
          ExamplesManifest.read(path).verify(path, files);
        }
        if (!ContentDigest.of(files).equals(recorded)) {
          return Optional.of(
              path + " changed since it was written (a file was changed, added or removed)");
        }
      } catch (IOException | RuntimeException e) {
        return Optional.of(e.getMessage());
      }
    }
    return Optional.empty();
  }

  /**
   * Deletes what crashed attempts at this exact output left: staged and replaced copies beside it,
   * and inside it at any depth, since a stage may write several artifacts into its directory (the
   * transform writes {@code statistics/pre} and {@code statistics/post}). Only names that {@link
   * ArtifactDirectory#isLeftover} recognises go. Safe because the root's run lock is held: nobody
   * else writes here.
   */
  static void removeLeftovers(Path dir) throws IOException {
    List<Path> leftovers = new ArrayList<>();
    String prefix = "." + dir.getFileName() + ".";
    if (Files.isDirectory(dir.getParent())) {
      try (Stream<Path> entries = Files.list(dir.getParent())) {
        entries
            .filter(
                p -> {
                  String n = p.getFileName().toString();
                  return n.startsWith(prefix) && ArtifactDirectory.isLeftover(n);
                })
            .forEach(leftovers::add);
      }
    }
    if (Files.isDirectory(dir)) {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attributes) {
              if (!d.equals(dir) && ArtifactDirectory.isLeftover(d.getFileName().toString())) {
                leftovers.add(d);
                return FileVisitResult.SKIP_SUBTREE;
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
              if (ArtifactDirectory.isLeftover(file.getFileName().toString())) {
                leftovers.add(file);
              }
              return FileVisitResult.CONTINUE;
            }
          });
    }
    for (Path leftover : leftovers) {
      ArtifactDirectory.deleteRecursively(leftover);
    }
  }

  private void progress(String format, Object... args) {
    PrintWriter out = recording.progress();
    String stage = ((String) args[0]).trim();
    out.printf(
        "[%d/%d] " + format + "%n",
        prepend(recording.stages().indexOf(stage) + 1, recording.stages().size(), args));
    out.flush();
  }

  private static Object[] prepend(int index, int total, Object[] args) {
    Object[] all = new Object[args.length + 2];
    all[0] = index;
    all[1] = total;
    System.arraycopy(args, 0, all, 2, args.length);
    return all;
  }

  private static Path absolute(Path path) {
    return path.toAbsolutePath().normalize();
  }

  private static String sha256(String text) {
    return Hashing.sha256().hashString(text, StandardCharsets.UTF_8).toString();
  }
}
