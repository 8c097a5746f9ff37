package org.icupgrade.deployer.registry;

import java.util.Objects;
import java.util.Optional;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.jspecify.annotations.Nullable;

/**
 * One canister's deployment record: canister id, owner, status (with the reason when
 * {@link DeploymentStatus#FAILED}), the installed WASM hash, frontend hash and release tag, and a
 * version that every stored change increments, so that {@link DeploymentRegistry#replace} can
 * refuse a stale change. Immutable; the {@code with...} methods return changed copies with the
 * same version, which the registry then increments.
 */
public final class DeploymentRecord {
  /**
   * Failure reasons are cut to this many characters (ending in an ellipsis), so that every
   * registry stores exactly what it was given: the JDBC registry's column holds 4,000.
   */
  public static final int MAX_REASON_LENGTH = 4000;

  private final Principal canisterId;
  private final Principal owner;
  private final DeploymentStatus status;
  private final @Nullable String failureReason;
  private final @Nullable Sha256 moduleHash;
  private final @Nullable Sha256 frontendHash;
  private final @Nullable String releaseTag;
  private final long version;

  /**
   * A record as a registry stores it.
   *
   * @throws IllegalArgumentException when a failure reason is given without status FAILED or
   *     FAILED comes without one
   */
  public DeploymentRecord(
      Principal canisterId,
      Principal owner,
      DeploymentStatus status,
      @Nullable String failureReason,
      @Nullable Sha256 moduleHash,
      @Nullable Sha256 frontendHash,
      @Nullable String releaseTag,
      long version) {
    this.canisterId = Objects.requireNonNull(canisterId, "canisterId");
    this.owner = Objects.requireNonNull(owner, "owner");
    this.status = Objects.requireNonNull(status, "status");
    if ((status == DeploymentStatus.FAILED) != (failureReason != null)) {
      throw new IllegalArgumentException("a failure reason goes with status FAILED, and only");
    }
    if (failureReason != null && failureReason.length() > MAX_REASON_LENGTH) {
      failureReason = failureReason.substring(0, MAX_REASON_LENGTH - 1) + "\u2026";
    }
    this.failureReason = failureReason;
    this.moduleHash = moduleHash;
    this.frontendHash = frontendHash;
    this.releaseTag = releaseTag;
    this.version = version;
  }

  /** A new record of a canister being created. */
  public static DeploymentRecord creating(Principal canisterId, Principal owner) {
    return new DeploymentRecord(canisterId, owner, DeploymentStatus.CREATING, null, null, null,
        null, 0);
  }

  /** The canister this record is about. */
  public Principal canisterId() {
    return canisterId;
  }

  /** The owner: the principal the canister was deployed for, who must stay its controller. */
  public Principal owner() {
    return owner;
  }

  /** Where the canister's deployment stands. */
  public DeploymentStatus status() {
    return status;
  }

  /** Why the last operation failed, for its owner; present exactly when the status is FAILED. */
  public Optional<String> failureReason() {
    return Optional.ofNullable(failureReason);
  }

  /** The hash of the module the canister runs, when known. */
  public Optional<Sha256> moduleHash() {
    return Optional.ofNullable(moduleHash);
  }

  /** The hash of the frontend the canister serves, when known. */
  public Optional<Sha256> frontendHash() {
    return Optional.ofNullable(frontendHash);
  }

  /** The tag of the release the canister runs, when known. */
  public Optional<String> releaseTag() {
    return Optional.ofNullable(releaseTag);
  }

  /** The number of stored changes before this one; a registry refuses a change of a stale one. */
  public long version() {
    return version;
  }

  /** This record with {@code status} (not FAILED: use {@link #failed}), the reason cleared. */
  public DeploymentRecord withStatus(DeploymentStatus status) {
    return new DeploymentRecord(canisterId, owner, status, null, moduleHash, frontendHash,
        releaseTag, version);
  }

  /** This record FAILED, with a reason for its owner (what failed, what to do). */
  public DeploymentRecord failed(String reason) {
    return new DeploymentRecord(canisterId, owner, DeploymentStatus.FAILED,
        Objects.requireNonNull(reason), moduleHash, frontendHash, releaseTag, version);
  }

  /** This record with what the canister now runs. */
  public DeploymentRecord withInstalled(
      @Nullable Sha256 moduleHash, @Nullable Sha256 frontendHash, @Nullable String releaseTag) {
    return new DeploymentRecord(canisterId, owner, status, failureReason, moduleHash, frontendHash,
        releaseTag, version);
  }

  /** This record with {@code version}; registries use it when they store a change. */
  public DeploymentRecord withVersion(long version) {
    return new DeploymentRecord(canisterId, owner, status, failureReason, moduleHash, frontendHash,
        releaseTag, version);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof DeploymentRecord r
        && canisterId.equals(r.canisterId)
        && owner.equals(r.owner)
        && status == r.status
        && Objects.equals(failureReason, r.failureReason)
        && Objects.equals(moduleHash, r.moduleHash)
        && Objects.equals(frontendHash, r.frontendHash)
        && Objects.equals(releaseTag, r.releaseTag)
        && version == r.version;
  }

  @Override
  public int hashCode() {
    return Objects.hash(canisterId, owner, status, failureReason, moduleHash, frontendHash,
        releaseTag, version);
  }

  @Override
  public String toString() {
    return "DeploymentRecord[canisterId=" + canisterId + ", owner=" + owner + ", status=" + status
        + (failureReason == null ? "" : ", failureReason=" + failureReason)
        + ", moduleHash=" + moduleHash + ", frontendHash=" + frontendHash + ", releaseTag="
        + releaseTag + ", version=" + version + "]";
  }
}
