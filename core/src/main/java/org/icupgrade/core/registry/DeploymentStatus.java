package org.icupgrade.core.registry;

/** Where a canister's deployment stands (seed 004's {@code CreationStatus}, upgrades included). */
public enum DeploymentStatus {
  CREATING,
  COMPLETED,
  UPGRADING_WASM,
  UPGRADING_FRONTEND,
  /** The last operation failed; {@link DeploymentRecord#failureReason()} says why. */
  FAILED;

  public boolean isUpgrading() {
    return this == UPGRADING_WASM || this == UPGRADING_FRONTEND;
  }
}
