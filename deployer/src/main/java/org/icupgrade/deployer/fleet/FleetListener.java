package org.icupgrade.deployer.fleet;

import org.icupgrade.core.Principal;

/**
 * Follows a fleet upgrade. Called from the fleet's worker threads: implementations are
 * thread-safe and quick. Every method has a do-nothing default.
 */
public interface FleetListener {
  /** A listener that ignores everything. */
  FleetListener NONE = new FleetListener() {};

  /**
   * A canister's upgrade is starting.
   *
   * @param canisterId the canister
   * @param progress the counts now
   */
  default void started(Principal canisterId, FleetProgress progress) {}

  /**
   * A canister has its result (including skipped and never started).
   *
   * @param result the result
   * @param progress the counts now
   */
  default void finished(CanisterResult result, FleetProgress progress) {}

  /**
   * A wave has ended.
   *
   * @param wave its summary
   * @param progress the counts now
   */
  default void waveFinished(WaveSummary wave, FleetProgress progress) {}
}
