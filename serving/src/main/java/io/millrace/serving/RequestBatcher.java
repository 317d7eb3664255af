package io.millrace.serving;

import io.millrace.model.LoadedModel.Predictions;
import io.millrace.record.Example;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * Groups concurrent requests to one version and signature into one TensorFlow call, as TensorFlow
 * Serving's batching session: a batch closes when it holds {@code maxBatchSize} rows or when its
 * first request has waited {@code batchTimeoutMicros}, and at once when a TensorFlow call slot is
 * free (requests gather while every slot is busy, so batches grow with the load and a lone request
 * waits for nothing). The requesting threads run the batches themselves (one of them forms and runs
 * a batch while the others wait for their rows), so no thread pool of its own is needed and at most
 * one batch is being formed at a time.
 *
 * <p>Each request gets exactly its own rows back, in order. Requests are validated before they are
 * submitted; if a batch still fails, each of its requests is run alone, so that one request's
 * failure is its own and not its batch-mates'.
 */
final class RequestBatcher {
  private final class Pending {
    final List<Example> rows;
    final CompletableFuture<Predictions> result = new CompletableFuture<>();

    Pending(List<Example> rows) {
      this.rows = rows;
    }
  }

  private final Function<List<Example>, Predictions> run;
  private final int maxBatchSize;
  private final long batchTimeoutNanos;
  private final IntConsumer batchSizes;
  private final Semaphore calls;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition arrived = lock.newCondition();
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private boolean forming;

  /**
   * @param run the model call on a list of rows
   * @param maxConcurrentCalls TensorFlow calls run at once (a batch waits for one to end)
   * @param batchSizes told the row count of every TensorFlow call made
   */
  RequestBatcher(
      Function<List<Example>, Predictions> run,
      int maxBatchSize,
      long batchTimeoutMicros,
      int maxConcurrentCalls,
      IntConsumer batchSizes) {
    if (maxBatchSize < 1 || batchTimeoutMicros < 0) {
      throw new IllegalArgumentException(
          "max batch size must be >= 1 and the batch timeout >= 0: "
              + maxBatchSize
              + ", "
              + batchTimeoutMicros);
    }
    this.run = run;
    this.maxBatchSize = maxBatchSize;
    this.batchTimeoutNanos = TimeUnit.MICROSECONDS.toNanos(batchTimeoutMicros);
    this.batchSizes = batchSizes;
    this.calls = new Semaphore(maxConcurrentCalls, true);
  }

  /** Runs one TensorFlow call when a slot is free; the next batch forms meanwhile. */
  private Predictions call(List<Example> rows) {
    calls.acquireUninterruptibly();
    try {
      batchSizes.accept(rows.size());
      return run.apply(rows);
    } finally {
      calls.release();
      // A batch being formed may go now that a call slot is free.
      lock.lock();
      try {
        arrived.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  /** The predictions of {@code rows}, possibly computed in one call with other requests' rows. */
  Predictions predict(List<Example> rows) {
    if (rows.size() >= maxBatchSize) {
      return call(rows);
    }
    Pending mine = new Pending(rows);
    lock.lock();
    try {
      queue.add(mine);
      arrived.signalAll();
    } finally {
      lock.unlock();
    }
    while (!mine.result.isDone()) {
      List<Pending> batch = formOrWait(mine);
      if (!batch.isEmpty()) {
        runBatch(batch);
      }
    }
    try {
      return mine.result.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  /**
   * Forms the next batch when no other thread is forming one (empty when this thread's request is
   * done or taken into another thread's batch meanwhile).
   */
  private List<Pending> formOrWait(Pending mine) {
    lock.lock();
    try {
      while (forming && !mine.result.isDone() && queue.contains(mine)) {
        arrived.awaitUninterruptibly();
      }
      if (!queue.contains(mine)) {
        // Another thread's batch holds this request: wait for its answer.
        lock.unlock();
        try {
          mine.result.exceptionally(e -> null).join();
        } finally {
          lock.lock();
        }
        return List.of();
      }
      forming = true;
      try {
        List<Pending> batch = new ArrayList<>();
        int rows = 0;
        long deadline = System.nanoTime() + batchTimeoutNanos;
        while (true) {
          Pending next = queue.peek();
          if (next != null) {
            if (!batch.isEmpty() && rows + next.rows.size() > maxBatchSize) {
              break;
            }
            queue.poll();
            batch.add(next);
            rows += next.rows.size();
            if (rows >= maxBatchSize) {
              break;
            }
            continue;
          }
          long left = deadline - System.nanoTime();
          // Adaptive: waiting only pays while every call slot is busy; with one free, the batch
          // goes at once, so a lone request is not delayed by the timeout.
          if (left <= 0 || (!batch.isEmpty() && calls.availablePermits() > 0)) {
            break;
          }
          try {
            arrived.awaitNanos(left);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
        return batch;
      } finally {
        forming = false;
        arrived.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  private void runBatch(List<Pending> batch) {
    try {
      runBatchOrAlone(batch);
    } catch (Error e) {
      // Whoever waits for these answers is told, not left waiting.
      batch.forEach(p -> p.result.completeExceptionally(e));
      throw e;
    }
  }

  private void runBatchOrAlone(List<Pending> batch) {
    if (batch.size() == 1) {
      runAlone(batch.get(0));
      return;
    }
    List<Example> rows = new ArrayList<>();
    batch.forEach(p -> rows.addAll(p.rows));
    Predictions all;
    try {
      all = call(rows);
    } catch (RuntimeException e) {
      // Inputs were validated before they were queued; should a batch still fail, each request
      // runs alone so that only the one at fault fails.
      batch.forEach(this::runAlone);
      return;
    }
    int from = 0;
    int width = all.width();
    for (Pending p : batch) {
      float[] values = new float[p.rows.size() * width];
      System.arraycopy(all.values(), from * width, values, 0, values.length);
      from += p.rows.size();
      p.result.complete(new Predictions(values, width));
    }
  }

  private void runAlone(Pending p) {
    try {
      p.result.complete(call(p.rows));
    } catch (RuntimeException e) {
      p.result.completeExceptionally(e);
    }
  }
}
