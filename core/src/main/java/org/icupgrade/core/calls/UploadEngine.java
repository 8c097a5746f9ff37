package org.icupgrade.core.calls;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import org.icupgrade.core.IcException;
import org.jspecify.annotations.Nullable;

/**
 * Sends many uploads (WASM chunks, asset chunks) on a caller's {@link Executor} with at most a
 * given number in flight, each upload's calls repeated by one {@link RetryPolicy}.
 *
 * <p>The first failure stops the submission of further uploads; those already running finish,
 * and the failure is thrown after them (later failures attached as suppressed). An interrupt of
 * the calling thread does the same and leaves the thread's interrupt flag set. Progress is
 * reported one completion at a time, in the order of the completion count (1, 2, 3, ...), from
 * whichever thread finished the upload.
 *
 * <p>Immutable and thread-safe: one engine serves many runs at once.
 */
public final class UploadEngine {
  /** Told after each upload succeeded: {@code done} of {@code total} are finished. */
  @FunctionalInterface
  public interface Progress<T> {
    /** Ignores every completion. */
    static <T> Progress<T> none() {
      return (item, done, total) -> {};
    }

    /** {@code item} finished; {@code done} uploads of {@code total} are finished. */
    void uploaded(T item, int done, int total);
  }

  private final Executor executor;
  private final int maxInFlight;
  private final RetryPolicy retryPolicy;

  private UploadEngine(Executor executor, int maxInFlight, RetryPolicy retryPolicy) {
    this.executor = executor;
    this.maxInFlight = maxInFlight;
    this.retryPolicy = retryPolicy;
  }

  /**
   * An engine running uploads on {@code executor}, at most {@code maxInFlight} at a time.
   *
   * @throws IllegalArgumentException when {@code maxInFlight < 1}
   */
  public static UploadEngine of(Executor executor, int maxInFlight, RetryPolicy retryPolicy) {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be at least 1, got " + maxInFlight);
    }
    return new UploadEngine(Objects.requireNonNull(executor), maxInFlight,
        Objects.requireNonNull(retryPolicy));
  }

  /** The policy each upload's calls are repeated with. */
  public RetryPolicy retryPolicy() {
    return retryPolicy;
  }

  /** The executor uploads run on. */
  public Executor executor() {
    return executor;
  }

  /** The most uploads in flight at once. */
  public int maxInFlight() {
    return maxInFlight;
  }

  /**
   * Uploads every item: {@code upload} is run for each, as the call {@code method}, repeated after
   * transient failures. {@code upload} must be safe to run twice for one item (a stored chunk is
   * stored again as a no-op). Returns when all finished.
   *
   * @throws IcException the first failure (of an upload, or of the executor refusing work, or an
   *     interrupt)
   */
  public <T> void run(
      String method, List<T> items, Consumer<? super T> upload, Progress<? super T> progress,
      RetryListener retryListener) {
    if (items.isEmpty()) {
      return;
    }
    int total = items.size();
    Semaphore permits = new Semaphore(maxInFlight);
    Object progressLock = new Object();
    int[] done = {0};
    Failure failure = new Failure();
    List<CompletableFuture<Void>> running = new ArrayList<>(Math.min(total, 1024));
    try {
      for (T item : items) {
        permits.acquire();
        if (failure.isSet()) {
          permits.release();
          break;
        }
        CompletableFuture<Void> finished = new CompletableFuture<>();
        running.add(finished);
        try {
          executor.execute(() -> {
            try {
              retryPolicy.run(method, () -> upload.accept(item), retryListener);
              synchronized (progressLock) {
                progress.uploaded(item, ++done[0], total);
              }
            } catch (RuntimeException | Error t) {
              failure.add(t);
            } finally {
              permits.release();
              finished.complete(null);
            }
          });
        } catch (RejectedExecutionException e) {
          permits.release();
          finished.complete(null);
          failure.add(new IcException(
              "the upload executor refused an upload of " + method + "; is it shut down?", e));
          break;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure.add(new IcException("interrupted while running " + method + " uploads", e));
    }
    boolean interrupted = false;
    for (CompletableFuture<Void> f : running) {
      while (true) {
        try {
          f.get();
          break;
        } catch (InterruptedException e) {
          // The uploads in flight hold the caller's data; wait for them, then report.
          interrupted = true;
        } catch (java.util.concurrent.ExecutionException impossible) {
          break;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
      failure.add(new IcException("interrupted while running " + method + " uploads", null));
    }
    failure.rethrow();
  }

  /** The first failure of a run, the later ones suppressed in it. */
  private static final class Failure {
    private @Nullable Throwable first;

    synchronized boolean isSet() {
      return first != null;
    }

    synchronized void add(Throwable t) {
      if (first == null) {
        first = t;
      } else if (first != t) {
        first.addSuppressed(t);
      }
    }

    synchronized void rethrow() {
      Throwable t = first;
      if (t instanceof RuntimeException re) {
        throw re;
      }
      if (t instanceof Error err) {
        throw err;
      }
    }
  }
}
