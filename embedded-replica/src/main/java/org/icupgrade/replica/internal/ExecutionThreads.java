package org.icupgrade.replica.internal;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The threads canister code runs on, each with a stack of its own as large as {@link #STACK_BYTES}:
 * the IC runs Wasm on execution threads whose stack is sized well above Wasmtime's 5 MiB limit
 * for Wasm code (dfinity/ic, {@code execution_environment::Config::execution_thread_stack_size}
 * and {@code embedders::Config::max_wasm_stack_size}), so how deep a canister may recurse does
 * not depend on who called it. Here too: a message runs on one of these threads, never on the
 * caller's, whose stack may be a JVM default of 1 MiB or already deep in the caller's own
 * frames, and how deep canister code may recurse is the same from every caller. Compiled
 * canister code needs more stack than Wasmtime's native code for the same recursion (a JVM
 * frame per WASM call, and one per call of a region {@link FunctionOutliner} moved out).
 *
 * <p>Threads are made as messages need them and end after a minute unused, so canisters still
 * run in parallel, each message on a thread of its own; a message that runs code of another
 * canister from inside a host function stays on its thread. A stack is address space reserved
 * when the thread starts; the pages a message's recursion touches are what it costs in memory.
 */
final class ExecutionThreads {
  private ExecutionThreads() {}

  /** The stack of each execution thread: some times what the IC's Wasm gets, for JVM frames. */
  static final long STACK_BYTES = 64L << 20;

  private static final AtomicInteger COUNT = new AtomicInteger();

  private static final ThreadPoolExecutor POOL = new ThreadPoolExecutor(0, Integer.MAX_VALUE,
      60, TimeUnit.SECONDS, new SynchronousQueue<>(), ExecutionThread::new);

  /** A thread with the execution stack. */
  private static final class ExecutionThread extends Thread {
    ExecutionThread(Runnable r) {
      super(null, r, "canister-execution-" + COUNT.incrementAndGet(), STACK_BYTES);
      setDaemon(true);
    }
  }

  /**
   * Runs {@code body} on an execution thread (the current one, when it is one) and waits for it
   * to end; what it throws, this throws. An interrupt of the waiting thread is passed on to the
   * body's thread (Chicory's compiled code checks for one, and traps) and the body is still
   * waited for, so that no message is left running on a canister after its caller returns; the
   * waiting thread's interrupt stays set.
   */
  static void run(Runnable body) {
    if (Thread.currentThread() instanceof ExecutionThread) {
      body.run();
      return;
    }
    Task task = new Task(body);
    POOL.execute(task);
    boolean interrupted = false;
    while (true) {
      try {
        task.done.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
        task.interrupt();
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    Throwable failure = task.failure;
    if (failure instanceof RuntimeException r) {
      throw r;
    }
    if (failure instanceof Error e) {
      throw e;
    }
    if (failure != null) {
      throw new IllegalStateException(failure);
    }
  }

  /** One body run on an execution thread. */
  private static final class Task implements Runnable {
    private final Runnable body;
    final CountDownLatch done = new CountDownLatch(1);
    /** What the body threw; read after {@link #done}. */
    @Nullable Throwable failure;
    /** The thread running the body while it runs; guarded by this. */
    private @Nullable Thread worker;

    Task(Runnable body) {
      this.body = body;
    }

    @Override
    public void run() {
      synchronized (this) {
        Thread.interrupted(); // no interrupt meant for an earlier task reaches this one
        worker = Thread.currentThread();
      }
      try {
        body.run();
      } catch (Throwable t) {
        failure = t;
      } finally {
        synchronized (this) {
          worker = null;
          Thread.interrupted();
        }
        done.countDown();
      }
    }

    /** Interrupts the body's thread if the body is running. */
    synchronized void interrupt() {
      if (worker != null) {
        worker.interrupt();
      }
    }
  }
}
