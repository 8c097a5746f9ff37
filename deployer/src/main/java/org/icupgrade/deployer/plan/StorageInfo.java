package org.icupgrade.deployer.plan;

import java.util.Objects;
import java.util.Optional;
import org.icupgrade.deployer.registry.DeploymentRecord;
import org.jspecify.annotations.Nullable;

/** A canister's record with its update information, as an owner's list of canisters shows it. */
public final class StorageInfo {
  private final DeploymentRecord record;
  private final @Nullable UpdateInfo updateInfo;

  /** The record and, when known, its update information. */
  public StorageInfo(DeploymentRecord record, @Nullable UpdateInfo updateInfo) {
    this.record = Objects.requireNonNull(record, "record");
    this.updateInfo = updateInfo;
  }

  /** The canister's deployment record. */
  public DeploymentRecord record() {
    return record;
  }

  /**
   * The update information: present when the record is settled (completed or failed) and a
   * release is ready, even if nothing differs; empty while creating or upgrading.
   */
  public Optional<UpdateInfo> updateInfo() {
    return Optional.ofNullable(updateInfo);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof StorageInfo s && record.equals(s.record)
        && Objects.equals(updateInfo, s.updateInfo);
  }

  @Override
  public int hashCode() {
    return Objects.hash(record, updateInfo);
  }

  @Override
  public String toString() {
    return "StorageInfo[" + record + ", " + updateInfo + "]";
  }
}
