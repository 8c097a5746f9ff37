package org.icupgrade.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The peak of the heap in use while some work runs, sampled every 0.2 ms by a thread of its own.
 * Garbage is included in the samples, so the peak is an upper bound of what the work keeps
 * live; benchmarks using it run a small young generation so that garbage goes early.
 */
final class HeapPeak {
  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

  private HeapPeak() {}

  /** What {@link #during} measured: the work's result, and the heap before and at its peak. */
  record Sampled<T>(T result, long before, long peak) {
    /** The peak less the heap in use before the work. */
    long growth() {
      return peak - before;
    }
  }

  /** The heap in use now, garbage included. */
  static long used() {
    return MEMORY.getHeapMemoryUsage().getUsed();
  }

  /** Runs {@code work}, sampling the heap in use until it returns or throws. */
  static <T> Sampled<T> during(Supplier<T> work) {
    long before = used();
    AtomicLong peak = new AtomicLong(before);
    AtomicBoolean done = new AtomicBoolean();
    Thread sampler = new Thread(() -> {
      while (!done.get()) {
        peak.accumulateAndGet(used(), Math::max);
        LockSupport.parkNanos(200_000);
      }
    }, "heap-peak");
    sampler.setDaemon(true);
    sampler.start();
    T result;
    try {
      result = work.get();
    } finally {
      done.set(true);
      try {
        sampler.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return new Sampled<>(result, before, Math.max(peak.get(), used()));
  }
}
