package org.icupgrade.deployer.fleet;

import java.util.Objects;
import org.icupgrade.core.Principal;

/**
 * What a fleet upgrade did with one canister.
 *
 * @param canisterId the canister
 * @param outcome what happened
 * @param wave the wave it was in, from 0 (the canary); -1 when it was skipped at planning
 * @param detail why it failed or was skipped, or the release it now runs
 */
public record CanisterResult(Principal canisterId, Outcome outcome, int wave, String detail) {
  /** What a fleet upgrade did with a canister. */
  public enum Outcome {
    /** Upgraded by this fleet run: the record is Completed on the release. */
    DONE,
    /** Its upgrade failed (rolled back to the version it ran, or its hand-back pending). */
    FAILED,
    /**
     * Not upgraded by this run and not needing it: already on the release, or upgraded by
     * another runner sharing the registry, or not in a state to upgrade.
     */
    SKIPPED,
    /** Never started: the rollout halted or was cancelled first. It runs its old version. */
    NOT_STARTED
  }

  /** Checks the fields. */
  public CanisterResult {
    Objects.requireNonNull(canisterId, "canisterId");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(detail, "detail");
  }
}
