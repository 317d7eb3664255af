package io.millrace.serving;

import java.util.concurrent.Semaphore;

/**
 * The server's one capacity for inference requests, over REST and gRPC alike: at most {@code
 * maxConcurrent} run at once, {@code maxQueued} more wait for a slot, and any beyond are refused at
 * once ({@link ApiException#atCapacity}). One for both APIs, so a server given a capacity keeps to
 * it however its clients call.
 */
final class Admission {
  private final Semaphore admitted;
  private final Semaphore running;

  Admission(int maxConcurrent, int maxQueued) {
    this.running = new Semaphore(maxConcurrent, true);
    this.admitted = new Semaphore(maxConcurrent + maxQueued);
  }

  /**
   * Admits a request to wait for a slot, or refuses it; {@link #leave} once it is answered.
   *
   * @throws ApiException at capacity
   */
  void admit() {
    if (!admitted.tryAcquire()) {
      throw ApiException.atCapacity();
    }
  }

  void leave() {
    admitted.release();
  }

  /** Waits for a running slot (in order of arrival); {@link #finish} once the inference is done. */
  void run() {
    running.acquireUninterruptibly();
  }

  void finish() {
    running.release();
  }
}
