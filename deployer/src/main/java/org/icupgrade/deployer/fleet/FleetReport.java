package org.icupgrade.deployer.fleet;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.icupgrade.core.Principal;
import org.jspecify.annotations.Nullable;

/**
 * The end of a fleet upgrade: a result per canister, the waves, and why it stopped early if it
 * did.
 *
 * @param results one per planned canister, ordered by canister id
 * @param waves the waves that ran, in order
 * @param haltReason why the rollout halted (a wave's failure rate) or was cancelled, or that its
 *     shared chunk store could not be cleared; null when it went to the end and cleaned up
 */
public record FleetReport(
    List<CanisterResult> results, List<WaveSummary> waves, @Nullable String haltReason) {
  /** Copies the lists. */
  public FleetReport {
    results = List.copyOf(results);
    waves = List.copyOf(waves);
  }

  /**
   * Why the rollout stopped before the end.
   *
   * @return the reason; empty when every wave ran
   */
  public Optional<String> halted() {
    return Optional.ofNullable(haltReason);
  }

  /**
   * The results with {@code outcome}.
   *
   * @param outcome the outcome
   * @return those results, ordered by canister id
   */
  public List<CanisterResult> with(CanisterResult.Outcome outcome) {
    return results.stream().filter(r -> r.outcome() == outcome).toList();
  }

  /**
   * The results by canister.
   *
   * @return a map from canister id to its result
   */
  public Map<Principal, CanisterResult> byCanister() {
    return results.stream().collect(Collectors.toMap(CanisterResult::canisterId,
        Function.identity()));
  }
}
