package org.icupgrade.core.plan;

import java.util.Optional;
import org.icupgrade.core.registry.DeploymentRecord;
import org.jspecify.annotations.Nullable;

/** A canister's record with its update information (seed 004's {@code StorageInfo}). */
public record StorageInfo(DeploymentRecord record, @Nullable UpdateInfo updateInfo) {
  /** Present when the record is completed and a release is ready, even if nothing differs. */
  public Optional<UpdateInfo> updateAvailable() {
    return Optional.ofNullable(updateInfo);
  }
}
