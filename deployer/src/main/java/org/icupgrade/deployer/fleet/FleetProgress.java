package org.icupgrade.deployer.fleet;

/**
 * Counts of a fleet upgrade at one moment.
 *
 * @param planned canisters planned for an upgrade, not started yet
 * @param running upgrades running now
 * @param done upgraded
 * @param failed failed
 * @param skipped skipped (at planning or when their turn came) or never started
 */
public record FleetProgress(int planned, int running, int done, int failed, int skipped) {
  /**
   * How many canisters the fleet holds.
   *
   * @return the sum of all counts
   */
  public int total() {
    return planned + running + done + failed + skipped;
  }
}
