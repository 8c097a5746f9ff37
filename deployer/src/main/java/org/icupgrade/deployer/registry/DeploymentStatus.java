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
  /**
   * The upgrade is over, but the backend could not hand its rights back (controller,
   * {@code Commit}) after every retry: it keeps retrying (see
   * {@code StorageDeployer.recoverAbandoned}) and never reports success while it holds them. The
   * record's failure reason says why; the hashes say what the canister runs.
   */
  HANDBACK_PENDING,
  /** The last operation failed; {@link DeploymentRecord#failureReason()} says why. */
  FAILED;

  /**
   * Whether an upgrade job is not over: running, or with its hand-back pending. A new upgrade is
   * refused ({@code ALREADY_UPGRADING}) until it is.
   *
   * @return true for the upgrading statuses and HANDBACK_PENDING
   */
  public boolean isUpgrading() {
    return this == UPGRADING_WASM || this == UPGRADING_FRONTEND || this == HANDBACK_PENDING;
  }
}
