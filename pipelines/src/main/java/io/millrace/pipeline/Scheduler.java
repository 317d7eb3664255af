package io.millrace.pipeline;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Scheduled batch runs of one pipeline, as a long-lived process: on a cron schedule (UNIX syntax,
 * parsed by cron-utils), when a new span (any change of the input's fingerprint) appears, or both
 * (a cron tick runs only when the data changed). One run at a time: runs are sequential here, a due
 * time that passes while a run is still going is skipped and logged, and a run another process
 * holds the pipeline's lock for (a manual {@code millrace run}) is skipped and logged too. A failed
 * run is logged and the schedule goes on.
 *
 * <p>Time comes from a {@link Clock}, so tests drive the schedule without waiting.
 */
public final class Scheduler {

  /** Now, and a way to wait until a moment. */
  public interface Clock {
    Instant now();

    void sleepUntil(Instant moment) throws InterruptedException;

    static Clock system() {
      return new Clock() {
        @Override
        public Instant now() {
          return Instant.now();
        }

        @Override
        public void sleepUntil(Instant moment) throws InterruptedException {
          long millis = Duration.between(Instant.now(), moment).toMillis();
          if (millis > 0) {
            Thread.sleep(millis);
          }
        }
      };
    }
  }

  public enum Outcome {
    RAN,
    FAILED,
    /** The previous run, here or in another process, was still going. */
    SKIPPED_BUSY,
    /** Watching for new spans, and the input had not changed. */
    SKIPPED_NO_NEW_DATA
  }

  /** What happened at one due time. */
  public record Tick(Instant due, Outcome outcome, RunResult result, String detail) {}

  private final Callable<RunResult> run;
  private final ExecutionTime cron;
  private final String cronExpression;
  private final Supplier<String> inputFingerprint;
  private final Duration pollInterval;
  private final Clock clock;
  private final ZoneId zone;

  private Scheduler(
      Callable<RunResult> run,
      String cronExpression,
      Supplier<String> inputFingerprint,
      Duration pollInterval,
      Clock clock,
      ZoneId zone) {
    this.run = Objects.requireNonNull(run, "run");
    this.cronExpression = cronExpression;
    this.cron = cronExpression == null ? null : parse(cronExpression);
    this.inputFingerprint = inputFingerprint;
    this.pollInterval = pollInterval;
    this.clock = clock;
    this.zone = zone;
    if (cron == null && inputFingerprint == null) {
      throw new IllegalArgumentException("a schedule needs a cron expression, new spans, or both");
    }
  }

  /** Runs {@code run} at every time {@code cronExpression} names. */
  public static Scheduler cron(Callable<RunResult> run, String cronExpression) {
    return new Scheduler(
        run, cronExpression, null, Duration.ofMinutes(1), Clock.system(), ZoneId.systemDefault());
  }

  /** Runs {@code run} when {@code inputFingerprint} changes, checking every {@code interval}. */
  public static Scheduler onNewData(
      Callable<RunResult> run, Supplier<String> inputFingerprint, Duration interval) {
    return new Scheduler(
        run, null, inputFingerprint, interval, Clock.system(), ZoneId.systemDefault());
  }

  /** Also (or with a cron schedule: only) runs when the input's fingerprint changed. */
  public Scheduler onlyOnNewData(Supplier<String> inputFingerprint) {
    return new Scheduler(run, cronExpression, inputFingerprint, pollInterval, clock, zone);
  }

  public Scheduler withClock(Clock clock, ZoneId zone) {
    return new Scheduler(run, cronExpression, inputFingerprint, pollInterval, clock, zone);
  }

  /** The fingerprint of the files a pipeline's input resolves to now (the latest span). */
  public static Supplier<String> inputFingerprint(PipelineDefinition definition) {
    return () -> {
      try {
        return PipelineStages.rawInput(definition.input()).spec().resolve("all").fingerprint();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }

  /** Checks a cron expression (five fields, UNIX syntax), naming the problem. */
  public static ExecutionTime parse(String expression) {
    try {
      return ExecutionTime.forCron(
          new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX))
              .parse(expression));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "not a cron expression (minute hour day-of-month month day-of-week): '"
              + expression
              + "': "
              + e.getMessage(),
          e);
    }
  }

  /**
   * Runs the schedule until {@code maxTicks} due times have passed (0: until interrupted), each
   * reported to {@code listener} and logged.
   */
  public void run(int maxTicks, PrintWriter log, Consumer<Tick> listener)
      throws InterruptedException {
    String lastFingerprint = null;
    Instant due = firstDue();
    int ticks = 0;
    while (maxTicks == 0 || ticks < maxTicks) {
      log.printf("next run due at %s%n", due.atZone(zone));
      log.flush();
      clock.sleepUntil(due);
      Tick tick;
      String fingerprint = null;
      RuntimeException unreadable = null;
      try {
        fingerprint = inputFingerprint == null ? null : inputFingerprint.get();
      } catch (RuntimeException e) {
        unreadable = e;
      }
      if (unreadable != null) {
        tick = new Tick(due, Outcome.FAILED, null, "the input: " + unreadable.getMessage());
      } else if (inputFingerprint != null && fingerprint.equals(lastFingerprint)) {
        tick = new Tick(due, Outcome.SKIPPED_NO_NEW_DATA, null, "no new data since the last run");
      } else {
        tick = runOnce(due);
        if (tick.outcome() == Outcome.RAN) {
          lastFingerprint = fingerprint;
        }
      }
      report(tick, log, listener);
      ticks++;
      Instant finished = clock.now();
      if (cron == null) {
        // Polling promises no times: look again one interval after the due time, or now.
        Instant next = due.plus(pollInterval);
        due = next.isBefore(finished) ? finished : next;
        continue;
      }
      Instant next = nextAfter(due);
      // Due times that passed while the run was going are skipped, not caught up on.
      while (next.isBefore(finished) && (maxTicks == 0 || ticks < maxTicks)) {
        report(
            new Tick(next, Outcome.SKIPPED_BUSY, null, "the previous run was still going"),
            log,
            listener);
        ticks++;
        next = nextAfter(next);
      }
      due = next;
    }
  }

  private Tick runOnce(Instant due) {
    try {
      RunResult result = run.call();
      return new Tick(due, Outcome.RAN, result, result.status() + ": " + result.message());
    } catch (PipelineBusyException e) {
      return new Tick(due, Outcome.SKIPPED_BUSY, null, e.getMessage());
    } catch (Exception e) {
      return new Tick(due, Outcome.FAILED, null, String.valueOf(e.getMessage()));
    }
  }

  private static void report(Tick tick, PrintWriter log, Consumer<Tick> listener) {
    log.printf("%s  %s  %s%n", tick.due(), tick.outcome(), tick.detail());
    log.flush();
    listener.accept(tick);
  }

  private Instant firstDue() {
    return cron == null ? clock.now() : nextAfter(clock.now());
  }

  private Instant nextAfter(Instant after) {
    if (cron == null) {
      return after.plus(pollInterval);
    }
    Optional<ZonedDateTime> next = cron.nextExecution(after.atZone(zone));
    return next.orElseThrow(
            () -> new IllegalStateException("'" + cronExpression + "' names no later time"))
        .toInstant();
  }
}
