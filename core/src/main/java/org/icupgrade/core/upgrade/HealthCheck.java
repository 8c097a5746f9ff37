package org.icupgrade.core.upgrade;

import java.util.function.Predicate;
import org.icupgrade.core.IcException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.agent.Agent;

/** Decides after an upgrade whether the canister works; a failed check rolls the upgrade back. */
@FunctionalInterface
public interface HealthCheck {
  /**
   * Returns normally when the canister is healthy.
   *
   * @throws RuntimeException saying what is wrong, when it is not
   */
  void check(Principal canisterId);

  /** A query that must be answered (not rejected, not trapping); the reply's content is ignored. */
  static HealthCheck query(Agent agent, String method, byte[] candidArg) {
    return query(agent, method, candidArg, reply -> true);
  }

  /** A query that must be answered with a reply {@code acceptable} accepts. */
  static HealthCheck query(
      Agent agent, String method, byte[] candidArg, Predicate<byte[]> acceptable) {
    byte[] arg = candidArg.clone();
    return canisterId -> {
      byte[] reply = agent.query(canisterId, method, arg);
      if (!acceptable.test(reply)) {
        throw new IcException(
            "health check " + method + " on " + canisterId + " answered, but not acceptably");
      }
    };
  }
}
