package org.icupgrade.replica.internal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;
import org.icupgrade.core.Principal;
import org.jspecify.annotations.Nullable;

/** Failures scripted by a test, thrown before a call touches any state. */
public final class Faults {
  /** {@code about} null matches every canister. */
  private record Rule(String method, @Nullable Principal about, int pass, int remaining,
      Supplier<RuntimeException> failure) {
    boolean matches(Principal effectiveCanisterId, String m) {
      return method.equals(m) && (about == null || about.equals(effectiveCanisterId));
    }
  }

  private final List<Rule> rules = new ArrayList<>();

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

  public synchronized void clear() {
    rules.clear();
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
