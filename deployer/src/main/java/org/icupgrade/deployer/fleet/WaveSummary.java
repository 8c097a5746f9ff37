package org.icupgrade.deployer.fleet;

/**
 * One finished wave.
 *
 * @param index the wave, from 0 (the canary)
 * @param size how many canisters it held
 * @param done upgraded
 * @param failed failed
 * @param skipped skipped or not started (paused then cancelled)
 * @param halted whether its failure rate halted the rollout
 */
public record WaveSummary(int index, int size, int done, int failed, int skipped, boolean halted) {
  /**
   * Failed upgrades over the upgrades that ran to an end (done plus failed); 0 when none ran.
   *
   * @return the failure rate, 0 to 1
   */
  public double failureRate() {
    int ran = done + failed;
    return ran == 0 ? 0 : (double) failed / ran;
  }
}
