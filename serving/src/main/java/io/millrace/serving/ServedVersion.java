package io.millrace.serving;

import io.millrace.model.LoadedModel;
import io.millrace.model.LoadedModel.Predictions;
import io.millrace.record.Example;
import io.millrace.transform.tf.TransformGraph;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * One version of a served model and where it is in its life, as TensorFlow Serving reports it:
 * {@code LOADING}, {@code AVAILABLE}, {@code UNLOADING}, {@code END} (unloaded, or its load failed:
 * then {@code error} says why).
 *
 * <p>Requests hold a {@link Lease} while they use the model; unloading waits until the last lease
 * is closed (a count of leases, not a delay), so a version taken out of service finishes every
 * request it accepted.
 */
final class ServedVersion {
  enum State {
    LOADING,
    AVAILABLE,
    UNLOADING,
    END
  }

  /**
   * How concurrent requests are grouped; {@code maxBatchSize} 1 runs each request alone.
   *
   * @param maxConcurrentCalls TensorFlow calls of one version and signature run at once
   */
  record Batching(int maxBatchSize, long batchTimeoutMicros, int maxConcurrentCalls) {
    static final Batching OFF = new Batching(1, 0, 1);

    Batching {
      if (maxBatchSize < 1 || batchTimeoutMicros < 0 || maxConcurrentCalls < 1) {
        throw new IllegalArgumentException(
            "--max-batch-size must be >= 1 and --batch-timeout-micros >= 0, not "
                + maxBatchSize
                + " and "
                + batchTimeoutMicros);
      }
    }

    boolean on() {
      return maxBatchSize > 1;
    }
  }

  /** A request's hold on an available version; closing it lets the version unload. */
  final class Lease implements AutoCloseable {
    private final LoadedModel model;
    private boolean closed;

    private Lease(LoadedModel model) {
      this.model = model;
    }

    LoadedModel model() {
      return model;
    }

    ServedVersion version() {
      return ServedVersion.this;
    }

    /**
     * Predictions for validated rows through a signature: {@code serving_default} (raw features,
     * through the model's transform) or {@code transformed}; batched with other requests when
     * batching is on.
     */
    Predictions predict(String signatureName, List<Example> rows) {
      boolean raw = signatureName.equals(TransformGraph.SIGNATURE);
      RequestBatcher batcher = raw ? rawBatcher : transformedBatcher;
      if (batcher != null) {
        return batcher.predict(rows);
      }
      batchSizes.accept(rows.size());
      return raw ? model.predict(rows) : model.predictTransformed(rows);
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        release();
      }
    }
  }

  private final String name;
  private final int version;
  private volatile State state = State.LOADING;
  private volatile String error = "";
  private volatile String warmUp = "";
  private LoadedModel model;
  private int leases;
  private RequestBatcher rawBatcher;
  private RequestBatcher transformedBatcher;
  private IntConsumer batchSizes = size -> {};

  ServedVersion(String name, int version) {
    this.name = name;
    this.version = version;
  }

  String name() {
    return name;
  }

  int version() {
    return version;
  }

  State state() {
    return state;
  }

  /** Why the load failed; empty when it did not. */
  String error() {
    return error;
  }

  /** What the version was warmed with before it took traffic; empty before. */
  String warmUp() {
    return warmUp;
  }

  /**
   * Makes a loaded and warmed model available.
   *
   * @param batchSizes told the row count of every TensorFlow call for a request
   */
  synchronized void loaded(
      LoadedModel loaded, String warmedWith, Batching batching, IntConsumer batchSizes) {
    this.model = loaded;
    this.warmUp = warmedWith;
    this.batchSizes = batchSizes;
    if (batching.on()) {
      rawBatcher =
          new RequestBatcher(
              loaded::predict,
              batching.maxBatchSize(),
              batching.batchTimeoutMicros(),
              batching.maxConcurrentCalls(),
              batchSizes);
      transformedBatcher =
          new RequestBatcher(
              loaded::predictTransformed,
              batching.maxBatchSize(),
              batching.batchTimeoutMicros(),
              batching.maxConcurrentCalls(),
              batchSizes);
    }
    this.state = State.AVAILABLE;
  }

  void failed(String message) {
    this.error = message;
    this.state = State.END;
  }

  /** A lease on the model, or null when the version is not available (any more). */
  synchronized Lease tryAcquire() {
    if (state != State.AVAILABLE) {
      return null;
    }
    leases++;
    return new Lease(model);
  }

  /** A lease on the model, or a 404 naming the version and its state when it serves nothing. */
  Lease acquire() {
    Lease lease = tryAcquire();
    if (lease == null) {
      throw notAvailable();
    }
    return lease;
  }

  ApiException notAvailable() {
    return ApiException.notFound(
        "version "
            + version
            + " of model '"
            + name
            + "' is "
            + state
            + (error.isEmpty() ? "" : ": " + error));
  }

  /**
   * The loaded model for what needs no inference (metadata), or a 404 naming the version and its
   * state when it serves nothing.
   */
  synchronized LoadedModel requireAvailable() {
    if (state != State.AVAILABLE) {
      throw notAvailable();
    }
    return model;
  }

  private synchronized void release() {
    leases--;
    if (leases == 0) {
      notifyAll();
    }
  }

  /** Requests in flight on this version. */
  synchronized int leases() {
    return leases;
  }

  /**
   * Takes the version out of service: new requests are refused at once, those in flight finish,
   * then the model closes.
   */
  void unload() {
    LoadedModel toClose;
    synchronized (this) {
      if (state == State.END) {
        return;
      }
      state = State.UNLOADING;
      boolean interrupted = false;
      while (leases > 0) {
        try {
          wait();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      toClose = model;
      model = null;
      rawBatcher = null;
      transformedBatcher = null;
    }
    if (toClose != null) {
      toClose.close();
    }
    state = State.END;
  }
}
