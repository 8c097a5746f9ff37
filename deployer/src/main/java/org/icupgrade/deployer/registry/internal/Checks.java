package org.icupgrade.deployer.registry.internal;

import org.icupgrade.deployer.registry.DeploymentRecord;

/** Argument checks both registries share. */
final class Checks {
  private Checks() {}

  static void sameCanister(DeploymentRecord expected, DeploymentRecord next) {
    if (!expected.canisterId().equals(next.canisterId())) {
      throw new IllegalArgumentException("replace() changes one canister's record: expected is "
          + expected.canisterId() + " but next is " + next.canisterId());
    }
  }
}
