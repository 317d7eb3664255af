package io.millrace.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

/** The schedule on a simulated clock: every due time, skip and failure, without waiting. */
class SchedulerTest {
  private static final Instant START = Instant.parse("2026-11-23T02:58:30Z");

  /** A clock that jumps instead of sleeping; runs advance it by their simulated duration. */
  private static final class FakeClock implements Scheduler.Clock {
    Instant now = START;

    @Override
    public Instant now() {
      return now;
    }

    @Override
    public void sleepUntil(Instant moment) {
      if (moment.isAfter(now)) {
        now = moment;
      }
    }
  }

  private static RunResult result() {
    return new RunResult(
        RunResult.Status.PUSHED, "run", 1, List.of(), Path.of("report.html"), Optional.empty(), "");
  }

  private final FakeClock clock = new FakeClock();
  private final List<Instant> started = new ArrayList<>();
  private final List<Scheduler.Tick> ticks = new ArrayList<>();
  private final StringWriter log = new StringWriter();

  private Callable<RunResult> runTaking(Duration... durations) {
    Deque<Duration> queue = new ArrayDeque<>(List.of(durations));
    return () -> {
      started.add(clock.now());
      Duration d = queue.isEmpty() ? Duration.ofMinutes(1) : queue.poll();
      clock.now = clock.now.plus(d);
      return result();
    };
  }

  private void runSchedule(Scheduler scheduler, int ticks) throws InterruptedException {
    scheduler.withClock(clock, ZoneOffset.UTC).run(ticks, new PrintWriter(log), this.ticks::add);
  }

  @Test
  void runsAtEveryCronTimeAndSkipsTimesThatPassDuringALongRun() throws InterruptedException {
    // Every day at 03:00; the second run takes 30 hours, so the next day's 03:00 passes.
    runSchedule(
        Scheduler.cron(
            runTaking(Duration.ofMinutes(5), Duration.ofHours(30), Duration.ofMinutes(5)),
            "0 3 * * *"),
        4);
    assertEquals(
        List.of(
            Instant.parse("2026-11-23T03:00:00Z"),
            Instant.parse("2026-11-24T03:00:00Z"),
            Instant.parse("2026-11-26T03:00:00Z")),
        started);
    assertEquals(
        List.of(
            Scheduler.Outcome.RAN,
            Scheduler.Outcome.RAN,
            Scheduler.Outcome.SKIPPED_BUSY,
            Scheduler.Outcome.RAN),
        ticks.stream().map(Scheduler.Tick::outcome).toList());
    assertEquals(Instant.parse("2026-11-25T03:00:00Z"), ticks.get(2).due());
    assertTrue(log.toString().contains("the previous run was still going"), log.toString());
  }

  @Test
  void aRunHeldByAnotherProcessIsSkippedAndAFailureDoesNotStopTheSchedule()
      throws InterruptedException {
    Deque<Object> behaviour =
        new ArrayDeque<>(
            List.of(
                new PipelineBusyException("pipeline taxi is being run by pid 42"),
                new IllegalStateException("disk full"),
                "ok"));
    Callable<RunResult> run =
        () -> {
          Object next = behaviour.poll();
          if (next instanceof RuntimeException e) {
            throw e;
          }
          started.add(clock.now());
          return result();
        };
    runSchedule(Scheduler.cron(run, "*/15 * * * *"), 3);
    assertEquals(
        List.of(Scheduler.Outcome.SKIPPED_BUSY, Scheduler.Outcome.FAILED, Scheduler.Outcome.RAN),
        ticks.stream().map(Scheduler.Tick::outcome).toList());
    assertEquals(List.of(Instant.parse("2026-11-23T03:30:00Z")), started);
    assertTrue(log.toString().contains("being run by pid 42"), log.toString());
    assertTrue(log.toString().contains("disk full"), log.toString());
  }

  @Test
  void watchingForNewSpansRunsOnlyWhenTheInputChanges() throws InterruptedException {
    Deque<String> fingerprints = new ArrayDeque<>(List.of("span-1", "span-1", "span-2", "span-2"));
    runSchedule(Scheduler.onNewData(runTaking(), fingerprints::poll, Duration.ofMinutes(10)), 4);
    assertEquals(
        List.of(
            Scheduler.Outcome.RAN,
            Scheduler.Outcome.SKIPPED_NO_NEW_DATA,
            Scheduler.Outcome.RAN,
            Scheduler.Outcome.SKIPPED_NO_NEW_DATA),
        ticks.stream().map(Scheduler.Tick::outcome).toList());
    assertEquals(List.of(START, START.plus(Duration.ofMinutes(20))), started);
  }

  @Test
  void aBadCronExpressionIsNamed() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Scheduler.cron(runTaking(), "0 25 * *"));
    assertTrue(e.getMessage().contains("'0 25 * *'"), e.getMessage());
  }
}
