package org.icupgrade.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;

/**
 * CPU time and allocation of the benchmark's own work: the calling thread's plus the embedded
 * replica's execution threads' (named {@code canister-execution-N}), on which canister code runs
 * while the caller waits. Read before and after the work; the difference is what it took (the
 * execution threads live a minute unused, so none ends within one measurement).
 */
final class WorkThreads {
  private WorkThreads() {}

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** CPU nanoseconds of the current thread and of every execution thread, so far. */
  static long cpuNanos() {
    long sum = THREADS.getCurrentThreadCpuTime();
    for (long id : executionThreads()) {
      sum += Math.max(0, THREADS.getThreadCpuTime(id));
    }
    return sum;
  }

  /** Bytes allocated by the current thread and by every execution thread, so far. */
  static long allocatedBytes() {
    long sum = THREADS.getCurrentThreadAllocatedBytes();
    for (long id : executionThreads()) {
      sum += Math.max(0, THREADS.getThreadAllocatedBytes(id));
    }
    return sum;
  }

  private static long[] executionThreads() {
    long[] ids = THREADS.getAllThreadIds();
    ThreadInfo[] infos = THREADS.getThreadInfo(ids);
    int n = 0;
    for (ThreadInfo info : infos) {
      if (info != null && info.getThreadName().startsWith("canister-execution-")) {
        ids[n++] = info.getThreadId();
      }
    }
    return java.util.Arrays.copyOf(ids, n);
  }
}
