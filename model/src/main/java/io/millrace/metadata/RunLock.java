package io.millrace.metadata;

import com.google.common.hash.Hashing;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * One run at a time per pipeline, and per pipeline root: a row of the store's {@code mr_run_lock}
 * table, keyed by the pipeline's name ({@link #tryAcquire}) or by the canonical path of the root
 * its artifacts live under ({@link #tryAcquireRoot}), so two processes (or two connections) trying
 * at once race on the primary key and exactly one wins. Two pipelines of different names that share
 * a root would otherwise write the same artifact directories at once.
 *
 * <p>The row names its owner's host, pid and process start time. A lock whose owner is on this host
 * and no longer alive (or whose pid now belongs to a process started at another time) is stale: the
 * next {@link #tryAcquire} takes it over and marks the dead run's executions FAILED ({@link
 * MetadataStore#markAbandoned}). A lock held from another host can only be judged by its heartbeat,
 * and is taken over only when the caller says how old a heartbeat is stale.
 */
public final class RunLock implements AutoCloseable {
  // Process start times read back from /proc are rounded to clock ticks.
  private static final Duration START_TIME_TOLERANCE = Duration.ofSeconds(1);
  private static final int ATTEMPTS = 3;

  /** Who holds a lock: a description for people, and what tells whether it is still alive. */
  public record Owner(
      String description, String host, long pid, Optional<Instant> processStartedAt) {

    /** This JVM's process. */
    public static Owner currentProcess(String description) {
      ProcessHandle self = ProcessHandle.current();
      return new Owner(description, localHost(), self.pid(), self.info().startInstant());
    }

    /** Whether the owner is on this host and its process is gone (or its pid was reused). */
    boolean deadOnThisHost() {
      if (!host.equals(localHost())) {
        return false;
      }
      Optional<ProcessHandle> process = ProcessHandle.of(pid);
      if (process.isEmpty() || !process.get().isAlive()) {
        return true;
      }
      Optional<Instant> actualStart = process.get().info().startInstant();
      return processStartedAt.isPresent()
          && actualStart.isPresent()
          && Duration.between(processStartedAt.get(), actualStart.get())
                  .abs()
                  .compareTo(START_TIME_TOLERANCE)
              > 0;
    }

    @Override
    public String toString() {
      return description + " (pid " + pid + " on " + host + ")";
    }
  }

  /** Who holds a pipeline's lock, since when, and when it last said it was alive. */
  public record Holder(Owner owner, Instant acquiredAt, Instant heartbeatAt) {}

  private final MetadataStore store;
  private final Context pipeline;
  private final String key;
  private final Owner owner;
  private final String token;
  private final int abandonedExecutions;
  private boolean released;

  private RunLock(
      MetadataStore store,
      Context pipeline,
      String key,
      Owner owner,
      String token,
      int abandonedExecutions) {
    this.store = store;
    this.pipeline = pipeline;
    this.key = key;
    this.owner = owner;
    this.token = token;
    this.abandonedExecutions = abandonedExecutions;
  }

  /** Takes the pipeline's lock for this process, unless a live owner holds it. */
  public static Optional<RunLock> tryAcquire(
      MetadataStore store, Context pipeline, String ownerDescription) {
    return tryAcquire(store, pipeline, Owner.currentProcess(ownerDescription), null);
  }

  /**
   * Takes the pipeline's lock for the owner, unless a live owner holds it.
   *
   * @param remoteStaleAfter when a lock held from another host counts as stale: its heartbeat is
   *     older than this; null to never take such a lock over
   */
  public static Optional<RunLock> tryAcquire(
      MetadataStore store, Context pipeline, Owner owner, Duration remoteStaleAfter) {
    return tryAcquire(store, pipeline, pipeline.name(), owner, remoteStaleAfter, true);
  }

  /**
   * Takes the lock of the root a pipeline's artifacts, store and reports live under, unless a live
   * owner holds it: for any pipeline whose root is the same directory, by whatever path.
   *
   * @param root an existing directory
   */
  public static Optional<RunLock> tryAcquireRoot(
      MetadataStore store, Context pipeline, Path root, String ownerDescription)
      throws IOException {
    return tryAcquire(
        store, pipeline, rootKey(root), Owner.currentProcess(ownerDescription), null, false);
  }

  /**
   * Claims a name once and for all, for the one caller whose insert creates its row (the table's
   * primary key decides between racing processes): a registry version on an object store, where no
   * write can be conditional. A claim is never released, so a claimed name is never given twice.
   *
   * @return whether this call made the claim
   */
  public static boolean claim(MetadataStore store, String name, String ownerDescription) {
    Owner owner = Owner.currentProcess(ownerDescription);
    Instant now = Instant.now();
    return store
        .locks()
        .insert(
            new RunLockTable.Row(
                "claim:" + Hashing.sha256().hashString(name, StandardCharsets.UTF_8),
                UUID.randomUUID().toString(),
                owner.description(),
                owner.host(),
                owner.pid(),
                owner.processStartedAt(),
                now,
                now));
  }

  /** Who holds the lock of a root now, if anyone. */
  public static Optional<Holder> rootHolder(MetadataStore store, Path root) throws IOException {
    return store.locks().read(rootKey(root)).map(RunLock::holder);
  }

  /**
   * The row key of a root: a digest of its real path (symbolic links resolved), which fits the key
   * column whatever the path's length and cannot collide with a pipeline name.
   */
  private static String rootKey(Path root) throws IOException {
    return "root:"
        + Hashing.sha256()
            .hashString(root.toRealPath().toString(), StandardCharsets.UTF_8)
            .toString();
  }

  /**
   * @param markAbandonedOnTakeover whether taking over a dead owner's lock marks the pipeline's
   *     executions it left RUNNING as FAILED; a root's dead owner may have run another pipeline,
   *     whose own lock does that when it next runs
   */
  private static Optional<RunLock> tryAcquire(
      MetadataStore store,
      Context pipeline,
      String key,
      Owner owner,
      Duration remoteStaleAfter,
      boolean markAbandonedOnTakeover) {
    if (pipeline.type() != Context.Type.PIPELINE) {
      throw new IllegalArgumentException(pipeline.name() + " is not a pipeline context");
    }
    boolean sawStale = false;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      Instant now = Instant.now();
      String token = UUID.randomUUID().toString();
      RunLockTable.Row row =
          new RunLockTable.Row(
              key,
              token,
              owner.description(),
              owner.host(),
              owner.pid(),
              owner.processStartedAt(),
              now,
              now);
      if (store.locks().insert(row)) {
        int abandoned = 0;
        if (sawStale && markAbandonedOnTakeover) {
          try {
            abandoned =
                store.markAbandoned(
                    pipeline,
                    "abandoned: its process died; run lock of "
                        + pipeline.name()
                        + " taken over by "
                        + owner);
          } catch (RuntimeException e) {
            store.locks().delete(key, token);
            throw e;
          }
        }
        return Optional.of(new RunLock(store, pipeline, key, owner, token, abandoned));
      }
      Optional<RunLockTable.Row> existing = store.locks().read(key);
      if (existing.isEmpty()) {
        continue; // released meanwhile
      }
      if (!isStale(existing.get(), remoteStaleAfter)) {
        return Optional.empty();
      }
      sawStale = true;
      // Conditional on the token, so of two processes taking over only one deletes the row; then
      // both insert, and the primary key lets one win.
      store.locks().delete(key, existing.get().token());
    }
    return Optional.empty();
  }

  /** Who holds the pipeline's lock now, if anyone: what a skipped scheduled run reports. */
  public static Optional<Holder> holder(MetadataStore store, Context pipeline) {
    return store.locks().read(pipeline.name()).map(RunLock::holder);
  }

  private static Holder holder(RunLockTable.Row row) {
    return new Holder(
        new Owner(row.owner(), row.host(), row.pid(), row.processStartedAt()),
        row.acquiredAt(),
        row.heartbeatAt());
  }

  private static boolean isStale(RunLockTable.Row row, Duration remoteStaleAfter) {
    Holder holder = holder(row);
    if (holder.owner().host().equals(localHost())) {
      return holder.owner().deadOnThisHost();
    }
    return remoteStaleAfter != null
        && holder.heartbeatAt().plus(remoteStaleAfter).isBefore(Instant.now());
  }

  public Context pipeline() {
    return pipeline;
  }

  public Owner owner() {
    return owner;
  }

  /** How many executions of a dead previous owner were marked FAILED when this lock took over. */
  public int abandonedExecutions() {
    return abandonedExecutions;
  }

  /**
   * Tells the store this owner is alive (for hosts other than its own, which cannot check its pid).
   *
   * @return false when the lock was taken over: the run should stop
   */
  public boolean heartbeat() {
    return !released && store.locks().heartbeat(key, token);
  }

  /**
   * Releases the lock.
   *
   * @return false when it had already been released or taken over
   */
  public boolean release() {
    if (released) {
      return false;
    }
    released = true;
    return store.locks().delete(key, token);
  }

  @Override
  public void close() {
    release();
  }

  static String localHost() {
    return LocalHost.NAME;
  }

  private static final class LocalHost {
    static final String NAME = resolve();

    private static String resolve() {
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        String fromEnvironment = System.getenv("HOSTNAME");
        return fromEnvironment != null ? fromEnvironment : "localhost";
      }
    }
  }
}
