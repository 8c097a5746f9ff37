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
  private final @Nullable UpgradeJobState job;

  /**
   * A record as a registry stores it, without a running job.
   *
   * @throws IllegalArgumentException when status FAILED comes without a failure reason, or a
   *     reason comes with a status other than FAILED and HANDBACK_PENDING
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
    this(canisterId, owner, status, failureReason, moduleHash, frontendHash, releaseTag, version,
        null);
  }

  /**
   * A record as a registry stores it.
   *
   * @param job the upgrade job running (or with a hand-back pending), with its lease; null when
   *     none is
   * @throws IllegalArgumentException when status FAILED comes without a failure reason, or a
   *     reason comes with a status other than FAILED and HANDBACK_PENDING
   */
  public DeploymentRecord(
      Principal canisterId,
      Principal owner,
      DeploymentStatus status,
      @Nullable String failureReason,
      @Nullable Sha256 moduleHash,
      @Nullable Sha256 frontendHash,
      @Nullable String releaseTag,
      long version,
      @Nullable UpgradeJobState job) {
    this.canisterId = Objects.requireNonNull(canisterId, "canisterId");
    this.owner = Objects.requireNonNull(owner, "owner");
    this.status = Objects.requireNonNull(status, "status");
    if (status == DeploymentStatus.FAILED && failureReason == null) {
      throw new IllegalArgumentException("status FAILED needs a failure reason");
    }
    if (failureReason != null && status != DeploymentStatus.FAILED
        && status != DeploymentStatus.HANDBACK_PENDING) {
      throw new IllegalArgumentException(
          "a failure reason goes with status FAILED or HANDBACK_PENDING, and only");
    }
    if (failureReason != null && failureReason.length() > MAX_REASON_LENGTH) {
      failureReason = failureReason.substring(0, MAX_REASON_LENGTH - 1) + "\u2026";
    }
    this.failureReason = failureReason;
    this.moduleHash = moduleHash;
    this.frontendHash = frontendHash;
    this.releaseTag = releaseTag;
    this.version = version;
    this.job = job;
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

  /**
   * Why the last operation failed, for its owner: present when the status is FAILED, and for
   * HANDBACK_PENDING why the rights could not be handed back yet.
   */
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

  /** The running upgrade job with its lease; empty when none is. */
  public Optional<UpgradeJobState> job() {
    return Optional.ofNullable(job);
  }

  /** This record with {@code status} (not FAILED: use {@link #failed}), the reason cleared. */
  public DeploymentRecord withStatus(DeploymentStatus status) {
    return new DeploymentRecord(canisterId, owner, status, null, moduleHash, frontendHash,
        releaseTag, version, job);
  }

  /** This record FAILED, with a reason for its owner (what failed, what to do). */
  public DeploymentRecord failed(String reason) {
    return new DeploymentRecord(canisterId, owner, DeploymentStatus.FAILED,
        Objects.requireNonNull(reason), moduleHash, frontendHash, releaseTag, version, job);
  }

  /**
   * This record HANDBACK_PENDING: the upgrade is over but the backend still holds rights it
   * could not give back; {@code reason} says why, for the owner.
   */
  public DeploymentRecord handBackPending(String reason) {
    return new DeploymentRecord(canisterId, owner, DeploymentStatus.HANDBACK_PENDING,
        Objects.requireNonNull(reason), moduleHash, frontendHash, releaseTag, version, job);
  }

  /** This record with what the canister now runs. */
  public DeploymentRecord withInstalled(
      @Nullable Sha256 moduleHash, @Nullable Sha256 frontendHash, @Nullable String releaseTag) {
    return new DeploymentRecord(canisterId, owner, status, failureReason, moduleHash, frontendHash,
        releaseTag, version, job);
  }

  /** This record with {@code job} (null: no job running). */
  public DeploymentRecord withJob(@Nullable UpgradeJobState job) {
    return new DeploymentRecord(canisterId, owner, status, failureReason, moduleHash, frontendHash,
        releaseTag, version, job);
  }

  /** This record with {@code version}; registries use it when they store a change. */
  public DeploymentRecord withVersion(long version) {
    return new DeploymentRecord(canisterId, owner, status, failureReason, moduleHash, frontendHash,
        releaseTag, version, job);
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
        && version == r.version
        && Objects.equals(job, r.job);
  }

  @Override
  public int hashCode() {
    return Objects.hash(canisterId, owner, status, failureReason, moduleHash, frontendHash,
        releaseTag, version, job);
  }

  @Override
  public String toString() {
    return "DeploymentRecord[canisterId=" + canisterId + ", owner=" + owner + ", status=" + status
        + (failureReason == null ? "" : ", failureReason=" + failureReason)
        + ", moduleHash=" + moduleHash + ", frontendHash=" + frontendHash + ", releaseTag="
        + releaseTag + ", version=" + version + (job == null ? "" : ", job=" + job) + "]";
  }
}
