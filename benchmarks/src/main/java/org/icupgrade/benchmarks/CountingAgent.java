package org.icupgrade.benchmarks;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.agent.Agent;

/**
 * An {@link Agent} that passes every request to another and counts what goes through: query and
 * update calls by method, the argument bytes sent and reply bytes received, and the certified
 * state reads (a module hash, a metadata section), and the time spent inside the other agent
 * (the replica's share of an operation, when the other agent is the embedded replica's). A call
 * that is rejected or fails is counted too (it was sent); its reply bytes are not, there being
 * none. Thread-safe.
 */
final class CountingAgent implements Agent {
  /** What was counted: calls by method, bytes each way, state reads. */
  record Counts(Map<String, Long> callsByMethod, long argBytes, long replyBytes, long stateReads,
      long insideNanos) {
    Counts {
      callsByMethod = Collections.unmodifiableMap(new TreeMap<>(callsByMethod));
    }

    /** Query and update calls, all methods. */
    long calls() {
      return callsByMethod.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Calls of {@code method}. */
    long calls(String method) {
      return callsByMethod.getOrDefault(method, 0L);
    }

    /** Adds these counts, as one more operation, to the benchmark's counters. */
    void addTo(E2eCounters counters) {
      counters.ops++;
      counters.calls += calls();
      counters.stateReads += stateReads;
      counters.argBytes += argBytes;
      counters.replyBytes += replyBytes;
      counters.replicaMicros += insideNanos / 1_000;
    }
  }

  private final Agent delegate;
  private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();
  private final LongAdder argBytes = new LongAdder();
  private final LongAdder replyBytes = new LongAdder();
  private final LongAdder stateReads = new LongAdder();
  /** Time spent inside the delegate's calls (summed over threads). */
  private final LongAdder insideNanos = new LongAdder();

  CountingAgent(Agent delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  @Override
  public Principal sender() {
    return delegate.sender();
  }

  @Override
  public byte[] query(
      Principal canisterId, String method, byte[] arg, Principal effectiveCanisterId) {
    sent(method, arg);
    long t = System.nanoTime();
    try {
      return received(delegate.query(canisterId, method, arg, effectiveCanisterId));
    } finally {
      insideNanos.add(System.nanoTime() - t);
    }
  }

  @Override
  public byte[] update(
      Principal canisterId, String method, byte[] arg, Principal effectiveCanisterId) {
    sent(method, arg);
    long t = System.nanoTime();
    try {
      return received(delegate.update(canisterId, method, arg, effectiveCanisterId));
    } finally {
      insideNanos.add(System.nanoTime() - t);
    }
  }

  @Override
  public Optional<Sha256> moduleHash(Principal canisterId) {
    stateReads.increment();
    long t = System.nanoTime();
    try {
      return delegate.moduleHash(canisterId);
    } finally {
      insideNanos.add(System.nanoTime() - t);
    }
  }

  @Override
  public Optional<byte[]> metadata(Principal canisterId, String name) {
    stateReads.increment();
    long t = System.nanoTime();
    try {
      return delegate.metadata(canisterId, name);
    } finally {
      insideNanos.add(System.nanoTime() - t);
    }
  }

  private void sent(String method, byte[] arg) {
    calls.computeIfAbsent(method, m -> new LongAdder()).increment();
    argBytes.add(arg.length);
  }

  private byte[] received(byte[] reply) {
    replyBytes.add(reply.length);
    return reply;
  }

  /** What was counted since this agent was made or last {@linkplain #reset() reset}. */
  Counts counts() {
    Map<String, Long> byMethod = new TreeMap<>();
    calls.forEach((m, n) -> byMethod.put(m, n.sum()));
    return new Counts(byMethod, argBytes.sum(), replyBytes.sum(), stateReads.sum(),
        insideNanos.sum());
  }

  /** Starts counting from zero; not atomic with calls in flight, so call it between operations. */
  void reset() {
    calls.clear();
    argBytes.reset();
    replyBytes.reset();
    stateReads.reset();
    insideNanos.reset();
  }

  @Override
  public String toString() {
    return "CountingAgent over " + delegate;
  }
}
