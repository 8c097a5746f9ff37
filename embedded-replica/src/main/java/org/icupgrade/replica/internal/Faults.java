package org.icupgrade.replica.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.icupgrade.core.Principal;
import org.icupgrade.core.TransportException;
import org.icupgrade.core.calls.Sleeper;
import org.jspecify.annotations.Nullable;

/**
 * Faults scripted by a test on ingress calls. Two kinds: the queued failures of {@code
 * failNext}/{@code failAfter} ({@link #add}), thrown before a call touches any state, where a rule
 * counts only the calls the rules before it let through; and the scripted faults of {@code
 * EmbeddedReplica.fault} ({@link #script}), each counting every matching call from its
 * registration, which delay a call, fail it before it runs, or let it run and lose its answer.
 */
public final class Faults {
  /** What a scripted fault does to a struck call once its delay has passed. */
  public enum Outcome {
    RUN,
    FAIL_BEFORE,
    LOSE_REPLY
  }

  /** A scripted fault; {@code seen} counts the matching calls since it was registered. */
  private static final class Scripted {
    final String method;
    final @Nullable Principal about;
    final int first;
    final int last;
    final Duration delay;
    final Outcome outcome;
    final @Nullable Supplier<? extends RuntimeException> failure;
    int seen;

    Scripted(String method, @Nullable Principal about, int first, int last, Duration delay,
        Outcome outcome, @Nullable Supplier<? extends RuntimeException> failure) {
      this.method = method;
      this.about = about;
      this.first = first;
      this.last = last;
      this.delay = delay;
      this.outcome = outcome;
      this.failure = failure;
    }

    boolean matches(Principal effectiveCanisterId, String m) {
      return method.equals(m) && (about == null || about.equals(effectiveCanisterId));
    }
  }

  /**
   * What the scripted faults do to one call: wait {@code delay}, then fail before it runs ({@code
   * before}), or run it and replace its answer ({@code lost}); both null: it runs normally.
   */
  record Plan(Duration delay, @Nullable Supplier<? extends RuntimeException> before,
      @Nullable Supplier<? extends RuntimeException> lost) {
    static final Plan NONE = new Plan(Duration.ZERO, null, null);
  }
  /** {@code about} null matches every canister. */
  private record Rule(String method, @Nullable Principal about, int pass, int remaining,
      Supplier<RuntimeException> failure) {
    boolean matches(Principal effectiveCanisterId, String m) {
      return method.equals(m) && (about == null || about.equals(effectiveCanisterId));
    }
  }

  private final List<Rule> rules = new ArrayList<>();
  private final List<Scripted> scripted = new ArrayList<>();
  private volatile Sleeper sleeper = Sleeper.SYSTEM;

  /** The next {@code times} calls of {@code method} fail with what {@code failure} makes. */
  public synchronized void add(String method, int times, Supplier<RuntimeException> failure) {
    add(method, null, 0, times, failure);
  }

  /** After {@code pass} calls of {@code method} go through, the next {@code times} fail. */
  public synchronized void add(
      String method, int pass, int times, Supplier<RuntimeException> failure) {
    add(method, null, pass, times, failure);
  }

  /**
   * After {@code pass} calls of {@code method} about {@code about} (their effective canister id;
   * null for any) go through, the next {@code times} fail.
   */
  public synchronized void add(String method, @Nullable Principal about, int pass, int times,
      Supplier<RuntimeException> failure) {
    if (times < 1 || pass < 0) {
      throw new IllegalArgumentException("need times >= 1 and pass >= 0");
    }
    rules.add(new Rule(method, about, pass, times, failure));
  }

  /**
   * A fault striking the calls of {@code method} about {@code about} (null: any canister) whose
   * count since now is from {@code first} to {@code first + times - 1}: they wait {@code delay},
   * then have {@code outcome}; {@code failure} makes the failure (for {@code LOSE_REPLY}, null
   * means a retryable {@link TransportException}).
   */
  public synchronized void script(String method, @Nullable Principal about, int first, int times,
      Duration delay, Outcome outcome, @Nullable Supplier<? extends RuntimeException> failure) {
    if (first < 1 || times < 1 || delay.isNegative()) {
      throw new IllegalArgumentException("need first >= 1, times >= 1 and a delay >= 0");
    }
    if (outcome == Outcome.FAIL_BEFORE && failure == null) {
      throw new IllegalArgumentException("a failure before the call needs its failure");
    }
    if (outcome == Outcome.RUN && delay.isZero()) {
      throw new IllegalArgumentException(
          "the fault on " + method + " does nothing: give it a delay, failBefore or loseReply");
    }
    scripted.add(new Scripted(Objects.requireNonNull(method, "method"), about, first,
        first + times - 1, delay, outcome, failure));
  }

  /** Where scripted delays wait; {@link Sleeper#SYSTEM} unless a test plugs in another. */
  public void sleeper(Sleeper sleeper) {
    this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
  }

  public synchronized void clear() {
    rules.clear();
    scripted.clear();
  }

  /**
   * Counts this call for every scripted fault it matches and returns what they do to it: the sum
   * of the delays of those it strikes, and the outcome of the earliest registered of those with
   * one. Spent faults are dropped.
   */
  synchronized Plan plan(Principal effectiveCanisterId, String method) {
    if (scripted.isEmpty()) {
      return Plan.NONE;
    }
    Duration delay = Duration.ZERO;
    Supplier<? extends RuntimeException> before = null;
    Supplier<? extends RuntimeException> lost = null;
    for (Iterator<Scripted> it = scripted.iterator(); it.hasNext(); ) {
      Scripted f = it.next();
      if (!f.matches(effectiveCanisterId, method)) {
        continue;
      }
      f.seen++;
      if (f.seen >= f.last) {
        it.remove();
      }
      if (f.seen < f.first) {
        continue;
      }
      delay = delay.plus(f.delay);
      if (before != null || lost != null) {
        continue;
      }
      if (f.outcome == Outcome.FAIL_BEFORE) {
        before = f.failure;
      } else if (f.outcome == Outcome.LOSE_REPLY) {
        Supplier<? extends RuntimeException> failure = f.failure;
        lost = failure != null ? failure : () -> new TransportException("reply lost: " + method
            + " about " + effectiveCanisterId + " ran, but its answer did not reach the caller"
            + " (a fault scripted on the EmbeddedReplica)", true, null);
      }
    }
    return delay.isZero() && before == null && lost == null
        ? Plan.NONE : new Plan(delay, before, lost);
  }

  /** Waits a scripted delay on the calling thread; an interrupt fails the call. */
  void sleep(Duration delay, String method) {
    if (delay.isZero()) {
      return;
    }
    try {
      sleeper.sleep(delay);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransportException(
          "interrupted during the delay scripted on " + method, false, e);
    }
  }

  /** Throws the scripted failure for this call, if one is due; the first matching rule counts. */
  synchronized void check(Principal effectiveCanisterId, String method) {
    for (Iterator<Rule> it = rules.iterator(); it.hasNext(); ) {
      Rule r = it.next();
      if (r.matches(effectiveCanisterId, method)) {
        it.remove();
        if (r.pass() > 0) {
          rules.add(new Rule(r.method(), r.about(), r.pass() - 1, r.remaining(), r.failure()));
          return;
        }
        if (r.remaining() > 1) {
          rules.add(new Rule(r.method(), r.about(), 0, r.remaining() - 1, r.failure()));
        }
        throw r.failure().get();
      }
    }
  }
}
