package org.icupgrade.benchmarks;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * What the end-to-end benchmarks sent, as JMH secondary results. JMH zeroes these fields before
 * each iteration and sums them over the measured iterations (and forks), so each one is a total
 * over {@link #ops} operations: divide by {@code ops} for the numbers per operation, as {@link
 * BenchmarkMain}'s end-to-end table does.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class E2eCounters {
  /** Operations measured (installs, syncs, fleet upgrades). */
  public long ops;
  /** Query and update calls sent. */
  public long calls;
  /** Certified reads of a module hash from the state tree: not calls, but requests too. */
  public long stateReads;
  /** Bytes of Candid arguments sent. */
  public long argBytes;
  /** Bytes of Candid replies received. */
  public long replyBytes;
  /**
   * Microseconds spent inside the replica's agent (its calls, summed over threads): the
   * replica's share of the time, the rest being the library's.
   */
  public long replicaMicros;
}
