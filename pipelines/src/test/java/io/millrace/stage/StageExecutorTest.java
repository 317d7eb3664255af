package io.millrace.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.metadata.Context;
import io.millrace.metadata.Execution;
import io.millrace.metadata.MetadataStore;
import io.millrace.metadata.Run;
import io.millrace.metadata.RunDetail;
import io.millrace.stats.StatisticsOptions;
import io.millrace.testing.SharedData;
import io.millrace.transform.TransformSpec;
import io.millrace.transforms.runner.DirectRunnerStalledException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one executor every stage runs through: a cache hit gives back the typed result the stage
 * returned, an output changed since it was written is written again, what a crashed attempt left is
 * deleted, a failed execution is never reused, and standalone it refuses the outputs the output
 * guard refuses, writing nothing.
 */
class StageExecutorTest {
  private static final List<String> ORDER = List.of("ingest", "statistics", "note");

  @TempDir Path dir;
  private MetadataStore store;
  private Context pipeline;
  private final StringWriter progress = new StringWriter();

  @BeforeEach
  void openStore() {
    store = MetadataStore.openSqlite(dir.resolve("root").resolve("metadata.sqlite"));
    pipeline = store.pipeline("executor-test");
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  /** A new run's executor, as {@code millrace run} makes one per run. */
  private StageExecutor executor() {
    return executor(job -> TestPipeline.testingPipelineOptions());
  }

  private StageExecutor executor(Function<String, PipelineOptions> options) {
    Run run = store.startRun(pipeline, Map.of());
    return StageExecutor.recording(
        new StageExecutor.Recording(
            store,
            pipeline,
            run,
            "test-code",
            dir.resolve("root").resolve("artifacts"),
            ORDER,
            new PrintWriter(progress)),
        options,
        new PrintWriter(new StringWriter()));
  }

  private StageExecutor stallingTimes(int stalls) {
    StallingDirectRunner.STALLS.set(stalls);
    return executor(
        job -> {
          PipelineOptions options = TestPipeline.testingPipelineOptions();
          options.setJobName(job);
          options.setRunner(StallingDirectRunner.class);
          return options;
        });
  }

  private static IngestStage penguins(Path data) {
    return new IngestStage(
        new IngestStage.Settings(
            new RawInput(
                data.toString(),
                null,
                null,
                Map.of("train", 2, "eval", 1),
                null,
                null,
                null,
                List.of("NA"),
                null,
                null),
            0.01,
            false));
  }

  private Path copyOfPenguins() throws IOException {
    Path data = dir.resolve("data").resolve("penguins.csv");
    Files.createDirectories(data.getParent());
    Files.copy(SharedData.path("penguins/penguins.csv"), data);
    return data;
  }

  /** A stage without Beam: writes its text into a file; fails after staging when asked to. */
  static final class NoteStage implements Stage<NoteStage.Result> {
    record Settings(String text) {}

    record Result(StageArtifact.Schema note, int length) implements StageResult {
      @Override
      public Map<String, StageArtifact> outputs() {
        return Map.of("note", note);
      }

      @Override
      public Map<String, String> properties() {
        return Map.of("length", Integer.toString(length));
      }

      @Override
      public String summary() {
        return length + " characters";
      }
    }

    private final Settings settings;
    private final boolean crash;
    int runs;

    NoteStage(String text, boolean crash) {
      this.settings = new Settings(text);
      this.crash = crash;
    }

    @Override
    public String name() {
      return "note";
    }

    @Override
    public Settings settings() {
      return settings;
    }

    @Override
    public Class<Result> resultType() {
      return Result.class;
    }

    @Override
    public Result run(StageContext context) throws IOException {
      runs++;
      Path staged =
          context
              .directory()
              .resolveSibling(
                  "." + context.directory().getFileName() + ".staging-" + (crash ? "x" : "y"));
      Files.createDirectories(staged);
      Files.writeString(staged.resolve("note.txt"), settings.text());
      if (crash) {
        throw new IOException("the stage failed after staging");
      }
      Files.createDirectories(context.directory());
      Path note = context.directory().resolve("note.txt");
      Files.deleteIfExists(note);
      Files.move(staged.resolve("note.txt"), note);
      Files.delete(staged);
      return new Result(new StageArtifact.Schema(note), settings.text().length());
    }
  }

  @Test
  void aCacheHitGivesBackTheTypedResultTheStageReturned() throws IOException {
    Path data = copyOfPenguins();
    StageExecutor first = executor();
    StageExecutor.Executed<IngestStage.Result> ingested = first.run(penguins(data), true);
    StageExecutor.Executed<StatisticsStage.Result> computed =
        first.run(
            StatisticsStage.of(
                ingested.result().examples(),
                StatisticsStage.Settings.of(StatisticsOptions.defaults().withSlice("island"))),
            true);
    assertFalse(ingested.cached());
    assertEquals(344, ingested.result().records());
    assertEquals(344, computed.result().splits().values().stream().mapToLong(n -> n).sum());

    StageExecutor second = executor();
    StageExecutor.Executed<IngestStage.Result> reingested = second.run(penguins(data), true);
    StageExecutor.Executed<StatisticsStage.Result> recomputed =
        second.run(
            StatisticsStage.of(
                reingested.result().examples(),
                StatisticsStage.Settings.of(StatisticsOptions.defaults().withSlice("island"))),
            true);
    assertTrue(reingested.cached() && recomputed.cached(), progress.toString());
    assertEquals(ingested.result(), reingested.result());
    assertEquals(computed.result(), recomputed.result());
    assertEquals(ingested.cacheKey(), reingested.cacheKey());
    assertEquals(ingested.properties(), reingested.properties());

    // The typed result is kept for the cache, not shown as a metric of the run.
    RunDetail detail = store.run(store.runs(pipeline).get(0).id());
    assertTrue(detail.metrics().containsKey("ingest.records"), detail.metrics().toString());
    assertTrue(
        detail.metrics().keySet().stream().noneMatch(k -> k.endsWith(Execution.RESULT)),
        detail.metrics().toString());
  }

  @Test
  void anOutputChangedSinceItWasWrittenIsWrittenAgain() throws IOException {
    NoteStage stage = new NoteStage("hello", false);
    StageExecutor.Executed<NoteStage.Result> first = executor().run(stage, true);
    Path note = first.result().note().path();
    assertEquals(
        dir.resolve("root/artifacts/note").resolve(first.cacheKey().substring(0, 16)),
        note.getParent());

    Files.writeString(note, "HELLO");
    StageExecutor.Executed<NoteStage.Result> again = executor().run(stage, true);
    assertFalse(again.cached());
    assertEquals(2, stage.runs);
    assertTrue(
        progress.toString().contains("note        cache miss: " + note.getParent()),
        progress.toString());
    assertEquals("hello", Files.readString(note));
    assertEquals(first.result(), again.result());

    StageExecutor.Executed<NoteStage.Result> reused = executor().run(stage, true);
    assertTrue(reused.cached());
    assertEquals(2, stage.runs);
  }

  @Test
  void aFailedExecutionIsNeverReusedAndWhatItLeftIsDeletedBeforeTheNextAttempt()
      throws IOException {
    NoteStage crashing = new NoteStage("hello", true);
    IOException failed = assertThrows(IOException.class, () -> executor().run(crashing, true));
    assertTrue(failed.getMessage().contains("failed after staging"), failed.getMessage());
    Path stageDir;
    try (Stream<Path> dirs = Files.list(dir.resolve("root/artifacts/note"))) {
      List<Path> entries = dirs.toList();
      assertEquals(1, entries.size(), entries.toString());
      assertTrue(entries.get(0).getFileName().toString().contains(".staging-"), entries.toString());
      stageDir =
          entries.get(0).resolveSibling(entries.get(0).getFileName().toString().split("\\.")[1]);
    }
    // Something of the user's beside the stage directory is not a leftover.
    Path kept = stageDir.resolveSibling("notes-staging-draft.txt");
    Files.writeString(kept, "mine");

    NoteStage working = new NoteStage("hello", false);
    StageExecutor.Executed<NoteStage.Result> next = executor().run(working, true);
    assertFalse(next.cached(), "the failed execution was reused");
    assertEquals(1, working.runs);
    assertEquals(stageDir, next.result().note().path().getParent());
    try (Stream<Path> left = Files.list(stageDir.getParent())) {
      assertEquals(
          Stream.of(kept, stageDir).map(p -> p.getFileName().toString()).sorted().toList(),
          left.map(p -> p.getFileName().toString()).sorted().toList());
    }
    assertEquals(
        Execution.State.FAILED,
        store.runs(pipeline).stream()
            .flatMap(r -> store.run(r.id()).stages().stream())
            .map(RunDetail.StageExecution::execution)
            .filter(e -> e.state() != Execution.State.COMPLETE)
            .findFirst()
            .orElseThrow()
            .state());
  }

  /**
   * Beam's DirectRunner may stall on a job (see StallGuardedDirectRunner), which is then cancelled
   * with its files in staging: the stage runs once more, and what the first attempt left is
   * deleted.
   */
  @Test
  void aStageWhoseJobTheDirectRunnerStalledOnRunsOnceMoreAndLeavesNothingBehind()
      throws IOException {
    Path data = copyOfPenguins();
    StageExecutor.Executed<IngestStage.Result> ingested =
        stallingTimes(1).run(penguins(data), true);

    assertEquals(0, StallingDirectRunner.STALLS.get() + 1, "the stage ran its job twice");
    assertEquals(344, ingested.result().records());
    assertTrue(
        progress.toString().contains("Beam's DirectRunner stalled on job ")
            && progress.toString().contains("; running it once more"),
        progress.toString());
    Path stageDir = ingested.result().examples().path();
    try (Stream<Path> left = Files.list(stageDir.getParent())) {
      assertEquals(List.of(stageDir), left.toList());
    }
    StageExecutor.Executed<IngestStage.Result> plain = executor().run(penguins(data), false);
    assertEquals(ingested.cacheKey(), plain.cacheKey());
    assertEquals(ingested.properties(), plain.properties());
  }

  /** A second stall fails the stage, recorded as failed, with nothing committed. */
  @Test
  void aStageTheDirectRunnerStallsOnTwiceFailsAndCommitsNothing() throws IOException {
    Path data = copyOfPenguins();
    RuntimeException e =
        assertThrows(RuntimeException.class, () -> stallingTimes(2).run(penguins(data), true));

    assertTrue(DirectRunnerStalledException.in(e) != null, e.toString());
    try (Stream<Path> left = Files.list(dir.resolve("root/artifacts/ingest"))) {
      assertEquals(List.of(), left.toList());
    }
    assertEquals(
        List.of(Execution.State.FAILED),
        store.runs(pipeline).stream()
            .flatMap(r -> store.run(r.id()).stages().stream())
            .map(s -> s.execution().state())
            .toList());
  }

  /** Standalone too, and the first attempt's staging beside the output is deleted. */
  @Test
  void standaloneAStageWhoseJobStalledRunsOnceMoreAndLeavesOnlyItsOutput() throws IOException {
    Path data = copyOfPenguins();
    StallingDirectRunner.STALLS.set(1);
    StringWriter log = new StringWriter();
    StageExecutor standalone =
        StageExecutor.standalone(
            job -> {
              PipelineOptions options = TestPipeline.testingPipelineOptions();
              options.setJobName(job);
              options.setRunner(StallingDirectRunner.class);
              return options;
            },
            new PrintWriter(log));
    Path out = dir.resolve("out").resolve("examples");

    IngestStage.Result ingested = standalone.run(penguins(data), out, false);

    assertEquals(344, ingested.records());
    assertTrue(log.toString().contains("; running it once more"), log.toString());
    try (Stream<Path> left = Files.list(out.getParent())) {
      assertEquals(List.of(out), left.toList());
    }
  }

  @Test
  void standaloneItRefusesWhatTheOutputGuardRefusesAndWritesNothing() throws IOException {
    Path data = copyOfPenguins();
    StageExecutor standalone =
        StageExecutor.standalone(
            job -> TestPipeline.testingPipelineOptions(), new PrintWriter(new StringWriter()));

    // The folder holding the input.
    IllegalArgumentException holds =
        assertThrows(
            IllegalArgumentException.class,
            () -> standalone.run(penguins(data), data.getParent(), true));
    assertTrue(holds.getMessage().contains("it holds the input " + data), holds.getMessage());

    // A folder inside a pipeline root.
    executor().run(new NoteStage("hello", false), true);
    Path intoRoot = dir.resolve("root").resolve("mine");
    IllegalArgumentException root =
        assertThrows(
            IllegalArgumentException.class, () -> standalone.run(penguins(data), intoRoot, true));
    assertTrue(root.getMessage().contains("the pipeline root"), root.getMessage());
    assertFalse(Files.exists(intoRoot));

    // Each of a stage's targets, and the files its settings came from.
    Path examples = dir.resolve("examples");
    standalone.run(penguins(data), examples, false);
    Path definition = dir.resolve("out").resolve("statistics").resolve("pre");
    Files.createDirectories(definition.getParent());
    Files.writeString(definition, "{\"steps\": []}");
    TransformStage transform =
        new TransformStage(
            new StageArtifact.Examples(examples),
            new TransformStage.Settings(TransformSpec.builder().build(), "train"));
    IllegalArgumentException settingsFile =
        assertThrows(
            IllegalArgumentException.class,
            () -> standalone.run(transform, dir.resolve("out"), true, definition));
    assertTrue(
        settingsFile.getMessage().contains("it is the input " + definition),
        settingsFile.getMessage());
    assertEquals("{\"steps\": []}", Files.readString(definition));
    assertFalse(Files.exists(dir.resolve("out").resolve("transform")));

    // The same stage writes where nothing forbids it.
    assertNotEquals(
        examples, standalone.run(penguins(data), dir.resolve("again"), false).examples().path());
  }
}
