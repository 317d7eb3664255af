package io.millrace.serving;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Clients that ask one model without a version before, during and after a swap: each keeps asking
 * until it has had {@code afterSwapEach} answers after the swap. Every answer must be the old
 * version's (before the swap is done) or the new one's, and no request may fail; each client must
 * see the new version, and the old one must have answered first.
 */
final class SwapLoad {
  interface Swap {
    void run() throws Exception;
  }

  /** Answers from each version, summed over the clients. */
  record Counts(int fromOld, int fromNew) {}

  private SwapLoad() {}

  /**
   * @param ask one request; returns the answer, throws when the request failed
   * @param swap pushes the new version and returns once the server has swapped it in
   */
  static <T> Counts run(
      int clients, int afterSwapEach, Callable<T> ask, T oldAnswer, T newAnswer, Swap swap)
      throws Exception {
    int maxRequestsEach = 2000;
    CountDownLatch warm = new CountDownLatch(clients * 5);
    AtomicBoolean swapped = new AtomicBoolean();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    int[] fromOld = new int[clients];
    int[] fromNew = new int[clients];
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<?>> done = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int client = c;
      done.add(
          pool.submit(
              () -> {
                int afterSwap = 0;
                for (int i = 0; i < maxRequestsEach && afterSwap < afterSwapEach; i++) {
                  boolean swapDone = swapped.get();
                  try {
                    T got = ask.call();
                    if (got.equals(oldAnswer) && !swapDone) {
                      fromOld[client]++;
                    } else if (got.equals(newAnswer)) {
                      fromNew[client]++;
                    } else {
                      failures.add("an answer of neither version (swapped: " + swapDone + ")");
                    }
                  } catch (Exception e) {
                    failures.add(e.toString());
                  }
                  if (swapDone) {
                    afterSwap++;
                  }
                  warm.countDown();
                }
                return null;
              }));
    }
    try {
      assertTrue(warm.await(2, TimeUnit.MINUTES), "the load did not start");
      swap.run();
      swapped.set(true);
      for (Future<?> f : done) {
        f.get(5, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    assertTrue(failures.isEmpty(), failures.size() + " failed: " + failures.peek());
    int old = 0;
    int fresh = 0;
    for (int c = 0; c < clients; c++) {
      old += fromOld[c];
      fresh += fromNew[c];
      assertTrue(fromNew[c] >= afterSwapEach, "client " + c + " got " + fromNew[c] + " new");
    }
    assertTrue(old >= clients * 5, "answers of the old version: " + old);
    return new Counts(old, fresh);
  }
}
