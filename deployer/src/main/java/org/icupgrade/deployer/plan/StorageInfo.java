package org.icupgrade.deployer.plan;

import java.util.Optional;
import org.icupgrade.deployer.registry.DeploymentRecord;
import org.jspecify.annotations.Nullable;

/**
 * A canister's record with its update information, as {@link StorageDeployer#listStorages} lists
 * it.
 */
public record StorageInfo(DeploymentRecord record, @Nullable UpdateInfo updateInfo) {
  /**
   * The update information: present when the record is settled (completed or failed) and a
   * release is ready, even if nothing differs; empty while creating or upgrading.
   *
   * @return the update information, or empty
   */
  public Optional<UpdateInfo> updateAvailable() {
    return Optional.ofNullable(updateInfo);
  }
}
