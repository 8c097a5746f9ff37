package org.icupgrade.deployer.registry;

/** Where a canister's deployment stands: being created, completed, failed, or being upgraded. */
public enum DeploymentStatus {
  /** The canister is being created and its first release installed; it cannot be upgraded yet. */
  CREATING,
  /** The canister runs what its record says; it can be upgraded. */
  COMPLETED,
  /** An upgrade is installing the WASM module. */
  UPGRADING_WASM,
  /** An upgrade is syncing the frontend assets (the module, if any, is in). */
  UPGRADING_FRONTEND,
  /** The last operation failed; {@link DeploymentRecord#failureReason()} says why. */
  FAILED;

  /**
   * Whether an upgrade is running.
   *
   * @return true for the upgrading statuses
   */
  public boolean isUpgrading() {
    return this == UPGRADING_WASM || this == UPGRADING_FRONTEND;
  }
}
